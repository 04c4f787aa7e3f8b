"""Message summaries: the rows the list pages through, their flags and counts, and the
orders and selections built on them (threads, sorts, the clean-up view, marks).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from tui.core import logs
from tui.core.i18n import _
from tui.core.mail import dates
from tui.core.mail.summary import Summary
from tui.core.store.base import StoreBase

SUMMARY_COLUMNS = (
    "folder, uid, date, date_offset, sender_name, sender_address, recipients, subject, size, "
    "flags, has_attachment, message_id, in_reply_to, refs, cc"
)

SUMMARY_COLUMNS_M = ", ".join("m." + c.strip() for c in SUMMARY_COLUMNS.split(","))


def _flags_text(flags: Iterable[str]) -> str:
    return " ".join(sorted(set(flags)))


def summary_from_row(row: Sequence[Any]) -> Summary:
    """A row as a Summary; a damaged row becomes a placeholder, never an exception."""
    try:
        return Summary(
            folder=str(row[0]),
            uid=int(row[1]),
            date=dates.from_stored(row[2], row[3]),
            sender_name=str(row[4]),
            sender_address=str(row[5]),
            to=str(row[6]),
            subject=str(row[7]),
            size=int(row[8] or 0),
            flags=frozenset(str(row[9]).split()) if row[9] else frozenset(),
            has_attachment=bool(row[10]),
            message_id=str(row[11]),
            in_reply_to=str(row[12]),
            references=str(row[13]),
            cc=str(row[14] or ""),
        )
    except (TypeError, ValueError, IndexError) as error:
        logs.record(error, "cache row")
        return unreadable_summary(row[0] if row else "", row[1] if len(row) > 1 else 0)


def unreadable_summary(folder: object, uid: object) -> Summary:
    """What the list shows for a row it cannot read: « message illisible »."""
    return Summary(
        folder=folder if isinstance(folder, str) else "",
        uid=uid if isinstance(uid, int) else 0,
        date=None,
        sender_name="",
        sender_address="",
        to="",
        subject=_("message illisible"),
        size=0,
        flags=frozenset({"\\Seen"}),
        has_attachment=False,
        message_id="",
        in_reply_to="",
        references="",
    )


class MessageStore(StoreBase):
    """Summaries of the messages of every folder, and their flags."""

    _SORT_VALUES = {
        "date": "sort_date",
        "size": "size",
        "sender": "CASE WHEN sender_name != '' THEN sender_name ELSE sender_address END",
        "subject": "subject",
    }

    def count(self, folder: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM messages WHERE folder = ?", (folder,))
        return int(row.fetchone()[0])

    def page(self, folder: str, offset: int, limit: int) -> list[Summary]:
        rows = self._db.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE folder = ? "  # noqa: S608
            "ORDER BY sort_date DESC, uid DESC LIMIT ? OFFSET ?",
            (folder, max(0, limit), max(0, offset)),
        ).fetchall()
        return [summary_from_row(r) for r in rows]

    def summary(self, folder: str, uid: int) -> Summary | None:
        row = self._db.execute(
            f"SELECT {SUMMARY_COLUMNS} FROM messages WHERE folder = ? AND uid = ?",  # noqa: S608
            (folder, uid),
        ).fetchone()
        return summary_from_row(row) if row else None

    def index_of(self, folder: str, uid: int) -> int | None:
        row = self._db.execute(
            "SELECT sort_date FROM messages WHERE folder = ? AND uid = ?", (folder, uid)
        ).fetchone()
        if row is None:
            return None
        found = self._db.execute(
            "SELECT COUNT(*) FROM messages WHERE folder = ? AND "
            "(sort_date > ? OR (sort_date = ? AND uid > ?))",
            (folder, row[0], row[0], uid),
        ).fetchone()
        return int(found[0])

    def put_summaries(
        self, summaries: Iterable[Summary], modseqs: dict[int, int] | None = None
    ) -> int:
        """Insert or update summaries (flags and all); returns how many rows were new."""
        added = 0
        with self.transaction() as db:
            for s in summaries:
                date = offset = None
                moment = dates.usable(s.date)
                if moment is not None:
                    date, offset = dates.to_stored(moment)
                values = (
                    date if date is not None else 0,
                    date,
                    offset,
                    s.sender_name,
                    s.sender_address,
                    s.to,
                    s.cc,
                    s.subject,
                    s.size,
                    _flags_text(s.flags),
                    int("\\Seen" in s.flags),
                    int(s.has_attachment),
                    s.message_id,
                    s.in_reply_to,
                    s.references,
                    (modseqs or {}).get(s.uid),
                )
                existing = db.execute(
                    "SELECT id FROM messages WHERE folder = ? AND uid = ?", (s.folder, s.uid)
                ).fetchone()
                if existing:
                    db.execute(
                        "UPDATE messages SET sort_date = ?, date = ?, date_offset = ?, "
                        "sender_name = ?, sender_address = ?, recipients = ?, cc = ?, "
                        "subject = ?, size = ?, flags = ?, seen = ?, has_attachment = ?, "
                        "message_id = ?, in_reply_to = ?, refs = ?, modseq = ? WHERE id = ?",
                        (*values, existing[0]),
                    )
                    continue
                cursor = db.execute(
                    "INSERT INTO messages (folder, uid, sort_date, date, date_offset, "
                    "sender_name, sender_address, recipients, cc, subject, size, flags, seen, "
                    "has_attachment, message_id, in_reply_to, refs, modseq) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (s.folder, s.uid, *values),
                )
                addresses = " ".join((s.sender_name, s.sender_address, s.to, s.cc))
                db.execute(
                    "INSERT INTO search_index (rowid, subject, addresses, body) "
                    "VALUES (?, ?, ?, '')",
                    (cursor.lastrowid, s.subject, addresses),
                )
                added += 1
        return added

    def set_flags(self, folder: str, flags_by_uid: Mapping[int, Iterable[str]]) -> int:
        """Write the flags that differ from the cached ones; how many messages changed.

        SQLite compares each row with what the server said, so a sync reads only the
        messages it was told about, never the whole folder (#22). Flags are stored
        sorted and deduplicated: equal text is equal sets. Uncached UIDs are skipped.
        """
        changed = 0
        with self.transaction() as db:
            for uid, flags in flags_by_uid.items():
                text = _flags_text(flags)
                changed += db.execute(
                    "UPDATE messages SET flags = ?, seen = ? "
                    "WHERE folder = ? AND uid = ? AND flags IS NOT ?",
                    (text, int("\\Seen" in text.split()), folder, uid, text),
                ).rowcount
        return changed

    def change_flags(
        self, folder: str, uids: Iterable[int], add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        add, remove = set(add), set(remove)
        with self.transaction() as db:
            for uid in uids:
                row = db.execute(
                    "SELECT flags FROM messages WHERE folder = ? AND uid = ?", (folder, uid)
                ).fetchone()
                if row is None:
                    continue
                flags = (set(row[0].split()) | add) - remove
                text = _flags_text(flags)
                db.execute(
                    "UPDATE messages SET flags = ?, seen = ? WHERE folder = ? AND uid = ?",
                    (text, int("\\Seen" in flags), folder, uid),
                )
            self.set_counts(folder)

    def remove_messages(self, folder: str, uids: Iterable[int]) -> None:
        """Forget these messages (their bodies go by cascade), 500 to a statement: a
        batch of 10,000 is 40 statements, not 30,000 (#19)."""
        wanted = list(uids)
        with self.transaction() as db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                rows = f"SELECT id FROM messages WHERE folder = ? AND uid IN ({marks})"  # noqa: S608
                db.execute(f"DELETE FROM search_index WHERE rowid IN ({rows})", (folder, *chunk))  # noqa: S608
                db.execute(
                    f"DELETE FROM messages WHERE folder = ? AND uid IN ({marks})",  # noqa: S608
                    (folder, *chunk),
                )

    def unread(self, folder: str) -> int:
        """Cached messages without \\Seen."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM messages WHERE folder = ? AND seen = 0", (folder,)
        ).fetchone()
        return int(row[0])

    def unread_uids(self, folder: str) -> list[int]:
        """Cached UIDs of a folder without \\Seen, ascending (the partial index on
        unread rows answers it without reading the folder)."""
        rows = self._db.execute(
            "SELECT uid FROM messages WHERE folder = ? AND seen = 0 ORDER BY uid", (folder,)
        )
        return [int(row[0]) for row in rows]

    def uids(
        self,
        folder: str,
        low: int | None = None,
        high: int | None = None,
        limit: int | None = None,
    ) -> list[int]:
        """Cached UIDs of a folder, ascending, optionally within [low, high); at most
        `limit` of them, so a caller can walk a big folder a window at a time."""
        sql = "SELECT uid FROM messages WHERE folder = ?"
        params: list[Any] = [folder]
        if low is not None:
            sql += " AND uid >= ?"
            params.append(low)
        if high is not None:
            sql += " AND uid < ?"
            params.append(high)
        sql += " ORDER BY uid"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, limit))
        return [r[0] for r in self._db.execute(sql, params)]

    def set_counts(self, folder: str, total: int | None = None, unread: int | None = None) -> None:
        """Counts shown in the folder list; by default recomputed from the cache."""
        if total is None:
            total = self.count(folder)
        if unread is None:
            unread = self.unread(folder)
        self._db.execute(
            "UPDATE folders SET total = ?, unread = ? WHERE name = ?", (total, unread, folder)
        )

    # --- threaded view (read only; tui.core.mail.threads computes the order) -------------

    def thread_rows(self, folder: str) -> list[tuple[int, int, str, str, str]]:
        """(sort_date, uid, message_id, in_reply_to, refs) of every message, oldest first."""
        return self._db.execute(
            "SELECT sort_date, uid, message_id, in_reply_to, refs FROM messages "
            "WHERE folder = ? ORDER BY sort_date, uid",
            (folder,),
        ).fetchall()

    def thread_signature(self, folder: str) -> tuple[int, int, float, float]:
        """Changes when messages come, go or change date, not when flags change: the
        threaded view re-threads only then. SQLite reads it from the list's index alone."""
        row = self._db.execute(
            "SELECT COUNT(*), COALESCE(MAX(uid), 0), TOTAL(uid), TOTAL(sort_date) "
            "FROM messages WHERE folder = ?",
            (folder,),
        ).fetchone()
        return int(row[0]), int(row[1]), float(row[2]), float(row[3])

    def candidates(
        self, folder: str, before: datetime | None = None, larger: int | None = None
    ) -> Iterator[tuple[int, str, str, str]]:
        """(uid, sender name, sender address, subject) of the folder's messages older
        than `before` and larger than `larger` bytes (either may be None), for marking
        by pattern: the text part is compared by the caller, without case or accents."""
        sql = "SELECT uid, sender_name, sender_address, subject FROM messages WHERE folder = ?"
        params: list[Any] = [folder]
        if before is not None:
            sql += " AND date IS NOT NULL AND sort_date < ?"  # an undated one is not old
            params.append(int(before.timestamp()))
        if larger is not None:
            sql += " AND size > ?"
            params.append(larger)
        for row in self._db.execute(sql, params):
            yield int(row[0]), row[1], row[2], row[3]

    def largest(self, limit: int) -> list[tuple[str, int, int]]:
        """(folder, uid, size) of the largest messages of every folder, largest first:
        what to delete when the mailbox is full (#19)."""
        rows = self._db.execute(
            "SELECT folder, uid, size FROM messages ORDER BY size DESC, sort_date DESC LIMIT ?",
            (max(0, limit),),
        )
        return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]

    def sort_rows(self, folder: str, key: str) -> list[tuple[int, int, Any]]:
        """(uid, sort_date, value) of every message of the folder, the value being what
        `key` (date, size, sender, subject) sorts on (tui.core.store.sorting)."""
        value = self._SORT_VALUES[key]
        return self._db.execute(
            f"SELECT uid, sort_date, {value} FROM messages WHERE folder = ?",  # noqa: S608
            (folder,),
        ).fetchall()

    def summaries_of(self, keys: Iterable[tuple[str, int]]) -> list[Summary]:
        """These messages, (folder, uid), in this order; those no longer cached left out
        (marked messages, search results and the clean-up view mix folders)."""
        wanted = list(keys)
        uids: dict[str, list[int]] = {}
        for folder, uid in wanted:
            uids.setdefault(folder, []).append(uid)
        found = {(s.folder, s.uid): s for f, u in uids.items() for s in self.summaries(f, u)}
        return [found[key] for key in wanted if key in found]

    def summaries(self, folder: str, uids: Sequence[int]) -> list[Summary]:
        """These messages' summaries in this order; a message no longer cached is left out."""
        found: dict[int, Summary] = {}
        for start in range(0, len(uids), 500):  # well under SQLite's bound-parameter limit
            chunk = list(uids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            for row in self._db.execute(
                f"SELECT {SUMMARY_COLUMNS} FROM messages "  # noqa: S608
                f"WHERE folder = ? AND uid IN ({marks})",
                (folder, *chunk),
            ):
                found[row[1]] = summary_from_row(row)
        return [found[uid] for uid in uids if uid in found]
