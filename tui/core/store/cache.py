"""The local SQLite store the UI reads from: folders, summaries, bodies, pending work.

One `Cache` object is one SQLite connection and belongs to the thread that opened it
(sqlite3's `check_same_thread`): the UI thread opens one to read pages, the account
worker opens its own to write. WAL lets the reader see committed pages while the
writer works. Every string stored here is already decoded and sanitised by sync.

Two files behind one connection: the cache file holds what the server can give back;
the outbox, drafts and pending operations live in the user's store in the data
directory (tui/core/store/durable.py), attached as `durable`, and survive the cache.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core import logs
from tui.core.i18n import _
from tui.core.mail import dates
from tui.core.mail.summary import Summary
from tui.core.store import durable
from tui.core.store.migrations import Step, migrate

if TYPE_CHECKING:
    from tui.core.mail.mimestream import RawSource

SCHEMA_VERSION = 3
DEFAULT_BODY_BUDGET = 256 * 1024 * 1024  # bytes of cached bodies before LRU eviction
TOUCH_MAX_BYTES = 1024 * 1024  # a bigger body is not touched on read (see _touch_body)
_FTS_BODY_LIMIT = 64 * 1024  # characters of a body indexed for search

SPECIAL_USES = ("inbox", "sent", "drafts", "trash", "archive", "junk")


@dataclass(frozen=True)
class FolderRow:
    name: str  # the server's name, modified UTF-7 decoded (what imapclient returns)
    delimiter: str
    special_use: str | None
    total: int
    unread: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class OutboxRow:
    id: int
    created: datetime
    raw: bytes
    status: str
    last_error: str


@dataclass(frozen=True)
class FolderState:
    """What sync remembers about a folder on the server (not shown to the user)."""

    name: str
    uidvalidity: int | None = None
    uidnext: int | None = None
    highestmodseq: int | None = None
    messages: int | None = None
    # Every server UID in [low_uid, high_uid) is in the cache; below low_uid is backfill.
    low_uid: int | None = None
    high_uid: int | None = None


@dataclass(frozen=True)
class PendingOp:
    id: int
    kind: str  # "flags", "move", "delete", "expunge"
    folder: str
    uids: tuple[int, ...]
    args: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    last_error: str = ""
    created: float = 0.0  # time.time() when the user acted: the undo window counts from it


_MIGRATIONS: list[Step] = [
    # version 1
    """
    CREATE TABLE folders (
        name TEXT PRIMARY KEY,
        delimiter TEXT NOT NULL DEFAULT '/',
        special_use TEXT,
        flags TEXT NOT NULL DEFAULT '',
        total INTEGER NOT NULL DEFAULT 0,
        unread INTEGER NOT NULL DEFAULT 0,
        uidvalidity INTEGER,
        uidnext INTEGER,
        highestmodseq INTEGER,
        messages INTEGER,
        low_uid INTEGER,
        high_uid INTEGER,
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        folder TEXT NOT NULL,
        uid INTEGER NOT NULL,
        sort_date INTEGER NOT NULL,
        date INTEGER,
        date_offset INTEGER,
        sender_name TEXT NOT NULL,
        sender_address TEXT NOT NULL,
        recipients TEXT NOT NULL,
        cc TEXT NOT NULL,
        subject TEXT NOT NULL,
        size INTEGER NOT NULL,
        flags TEXT NOT NULL,
        seen INTEGER NOT NULL,
        has_attachment INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        in_reply_to TEXT NOT NULL,
        refs TEXT NOT NULL,
        modseq INTEGER,
        UNIQUE (folder, uid)
    );
    CREATE INDEX messages_order ON messages (folder, sort_date DESC, uid DESC);
    CREATE TABLE bodies (
        message INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        raw BLOB NOT NULL,
        size INTEGER NOT NULL,
        used INTEGER NOT NULL
    );
    CREATE INDEX bodies_lru ON bodies (used);
    CREATE VIRTUAL TABLE search_index USING fts5(
        subject, addresses, body, tokenize = 'unicode61 remove_diacritics 2'
    );
    """
    + durable.tables_sql("main")
    + """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # version 2: unread counts (folder pane, no-CONDSTORE resync) without a full scan
    """
    CREATE INDEX messages_unseen ON messages (folder) WHERE seen = 0;
    """,
    # version 3: the outbox, drafts and pending operations live in the user's store
    # (copied there by durable.import_from_cache, committed before this runs)
    durable.drop_from_cache,
]

_SUMMARY_COLUMNS = (
    "folder, uid, date, date_offset, sender_name, sender_address, recipients, subject, size, "
    "flags, has_attachment, message_id, in_reply_to, refs, cc"
)


_SUMMARY_COLUMNS_M = ", ".join("m." + c.strip() for c in _SUMMARY_COLUMNS.split(","))


class CacheCorrupt(Exception):
    """The file is not a usable cache (raised internally, handled by `open`)."""


class BodyGone(LookupError):
    """A body read through `body_source` left the cache (evicted, or the message removed).

    Never shown as it is: the caller says it in French (tui.core.mail.attachments)."""


def _flags_text(flags: Iterable[str]) -> str:
    return " ".join(sorted(set(flags)))


def _created(seconds: object) -> datetime:
    """When an outbox row was queued; a damaged value reads as the epoch, not a crash."""
    return dates.from_stored(seconds, 0) or datetime.fromtimestamp(0, UTC)


def _summary(row: Sequence[Any]) -> Summary:
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


def _matching(select: str, text: str, folder: str | None) -> tuple[str, list[Any]] | None:
    """`select` over the messages matching `text` (in `folder`, or all), with its
    parameters; None when the text holds nothing to search for."""
    query = _fts_query(text)
    if not query:
        return None
    sql = (
        f"{select} FROM search_index s JOIN messages m ON m.id = s.rowid WHERE search_index MATCH ?"
    )
    params: list[Any] = [query]
    if folder is not None:
        sql += " AND m.folder = ?"
        params.append(folder)
    return sql, params


def _fts_query(text: str) -> str:
    """User text as an FTS5 query: every word a quoted prefix term, all required."""
    terms = []
    for word in text.split():
        word = word.replace('"', '""').strip()
        if word:
            terms.append(f'"{word}"*')
    return " ".join(terms)


def body_text_for_index(raw: bytes) -> str:
    """The text parts of a message, for the search index (bounded, never raises)."""
    import email
    from email import policy

    try:
        message = email.message_from_bytes(raw[: 4 * 1024 * 1024], policy=policy.compat32)
        chunks: list[str] = []
        total = 0
        parts = [message] if not message.is_multipart() else list(message.walk())[:50]
        for part in parts:
            if part.get_content_maintype() != "text":
                continue
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            charset = (part.get_content_charset() or "utf-8").lower()
            if charset in ("iso-8859-1", "us-ascii", "latin-1", "ascii"):
                charset = "windows-1252"
            try:
                text = payload.decode(charset, errors="replace")
            except LookupError:
                text = payload.decode("utf-8", errors="replace")
            chunks.append(text)
            total += len(text)
            if total > _FTS_BODY_LIMIT:
                break
        return "\n".join(chunks)[:_FTS_BODY_LIMIT]
    except Exception:  # a hostile message must never break caching
        return ""


class Cache:
    """One connection to the cache file; use it only from the thread that opened it."""

    def __init__(
        self, db: sqlite3.Connection, path: Path, body_budget: int, durable_path: Path
    ) -> None:
        self._db = db
        self.path = path
        self.durable_path = durable_path
        self.body_budget = body_budget
        self.notices: list[str] = []

    # --- opening -----------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        durable_path: Path | None = None,
        body_budget: int = DEFAULT_BODY_BUDGET,
        check: bool = True,
    ) -> Cache:
        """Open (creating or migrating) the cache; a corrupt file is set aside and rebuilt.

        `durable_path` is the user's store (outbox, drafts, pending operations), in the
        data directory; by default beside the cache (the demo, tests). A corrupt cache
        never touches it.

        `check` runs SQLite's quick_check, which reads the whole file (50-90 ms at
        50,000 messages): the worker does it on its own thread, so the UI, which opens
        first to draw the list, need not wait for it (an unreadable header or schema is
        still caught by the UI's open).
        """
        path = Path(path)
        durable_path = Path(durable_path) if durable_path else durable.default_path(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        notices: list[str] = []
        try:
            db = cls._connect(path, durable_path, check, notices)
        except (sqlite3.DatabaseError, CacheCorrupt) as error:
            # Only a file SQLite cannot read is set aside: a full disk, a read-only
            # folder or a lock is said as such, and the file is kept as it is.
            if not isinstance(error, CacheCorrupt) and not durable.is_corruption(error):
                raise durable.store_error(path, error) from error
            aside = cls._move_aside(path)
            durable.salvage(aside, durable_path)  # an older cache held the outbox too
            notices.append(
                _(
                    "Le cache local était illisible : il a été mis de côté ({name}) "
                    "et sera reconstruit depuis le serveur. Vos envois en attente et "
                    "brouillons sont conservés à part."
                ).format(name=aside.name)
            )
            db = cls._connect(path, durable_path, check, notices)
        cache = cls(db, path, body_budget, durable_path)
        cache.notices.extend(notices)
        return cache

    @staticmethod
    def _connect(
        path: Path, durable_path: Path, check: bool, notices: list[str]
    ) -> sqlite3.Connection:
        durable.private_file(path)
        db = sqlite3.connect(str(path), timeout=10.0, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout = 10000")
            mode = db.execute("PRAGMA main.journal_mode = WAL").fetchone()
            if mode is None:
                raise CacheCorrupt("no journal mode")
            db.execute("PRAGMA synchronous = NORMAL")
            # 512 KiB of page cache per connection instead of 2 MiB: the peak RSS of the
            # app (UI + worker connection) drops ~2 MiB during a 50k backfill, and a count
            # over 50,000 rows takes 3.2 ms instead of 2.9 (the OS caches the file anyway).
            db.execute("PRAGMA cache_size = -512")
            db.execute("PRAGMA foreign_keys = ON")
            # Before the cache's own migration, which moves rows into it; its own
            # failures are handled there and never make the cache look corrupt.
            notices.extend(n for n in durable.attach(db, durable_path) if n not in notices)
            durable.import_from_cache(db)  # an older cache's outbox, drafts, pending ops
            Cache._migrate(db)
            if check:
                verdict = db.execute("PRAGMA main.quick_check(1)").fetchone()
                if verdict is None or verdict[0] != "ok":
                    raise CacheCorrupt(str(verdict))
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CacheCorrupt(f"schema {version} is newer than {SCHEMA_VERSION}")
        if version == SCHEMA_VERSION:
            return
        migrate(db, "main", _MIGRATIONS)

    @staticmethod
    def _move_aside(path: Path) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = path.with_suffix(f".corrupt-{stamp}")
        if path.exists():
            path.replace(aside)
        for suffix in ("-wal", "-shm"):
            extra = Path(str(path) + suffix)
            if extra.exists():
                extra.replace(Path(str(aside) + suffix))
        return aside

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a sync chunk is committed whole or not at all."""
        if self._db.in_transaction:
            yield self._db
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            if self._db.in_transaction:  # SQLite already rolled back on SQLITE_FULL
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Several reads that see one state of the file, without the write lock: the UI
        does not wait behind the worker, and read-only files still read (issue #24)."""
        if self._db.in_transaction:
            yield self._db
            return
        self._db.execute("BEGIN DEFERRED")
        try:
            yield self._db
        finally:
            if self._db.in_transaction:
                self._db.execute("COMMIT")

    # --- read API (the UI) --------------------------------------------------------

    def folders(self) -> list[FolderRow]:
        rows = self._db.execute(
            "SELECT name, delimiter, special_use, total, unread, flags FROM folders "
            "ORDER BY position, name"
        ).fetchall()
        return [
            FolderRow(r[0], r[1], r[2], r[3], r[4], tuple(r[5].split()) if r[5] else ())
            for r in rows
        ]

    def count(self, folder: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM messages WHERE folder = ?", (folder,))
        return int(row.fetchone()[0])

    def page(self, folder: str, offset: int, limit: int) -> list[Summary]:
        rows = self._db.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM messages WHERE folder = ? "  # noqa: S608
            "ORDER BY sort_date DESC, uid DESC LIMIT ? OFFSET ?",
            (folder, max(0, limit), max(0, offset)),
        ).fetchall()
        return [_summary(r) for r in rows]

    def summary(self, folder: str, uid: int) -> Summary | None:
        row = self._db.execute(
            f"SELECT {_SUMMARY_COLUMNS} FROM messages WHERE folder = ? AND uid = ?",  # noqa: S608
            (folder, uid),
        ).fetchone()
        return _summary(row) if row else None

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

    def body(self, folder: str, uid: int) -> bytes | None:
        row = self._db.execute(
            "SELECT b.message, b.raw FROM bodies b JOIN messages m ON m.id = b.message "
            "WHERE m.folder = ? AND m.uid = ?",
            (folder, uid),
        ).fetchone()
        if row is None:
            return None
        self._touch_body(row[0], len(row[1]))
        return bytes(row[1])

    def _touch_body(self, message: int, size: int) -> None:
        """Mark a body used for the LRU, unless it is big.

        SQLite rewrites a whole row to update one column: touching a 68 MB body built
        two copies of it in memory (+136 MB) and wrote it to the WAL again on every
        open. A big body keeps the time it was fetched, so it is evicted first (it can
        be fetched again); the small ones, most mail, stay in true LRU order.
        """
        if size > TOUCH_MAX_BYTES:
            return
        # The LRU touch must never make the UI wait for the writer: no busy wait here.
        self._db.execute("PRAGMA busy_timeout = 0")
        try:
            self._db.execute(
                "UPDATE bodies SET used = ? WHERE message = ?", (time.time_ns(), message)
            )
        except sqlite3.OperationalError:
            pass  # locked by the writer: this touch is skipped, the body is still served
        finally:
            self._db.execute("PRAGMA busy_timeout = 10000")

    def _body_row(self, folder: str, uid: int) -> tuple[int, int] | None:
        # length(raw), not the size column: SQLite reads it from the record header, where
        # `size`, stored after the blob, costs a walk of every overflow page (15 ms/68 MB).
        row = self._db.execute(
            "SELECT b.message, length(b.raw) FROM bodies b JOIN messages m ON m.id = b.message "
            "WHERE m.folder = ? AND m.uid = ?",
            (folder, uid),
        ).fetchone()
        return (int(row[0]), int(row[1])) if row is not None else None

    def uids_to_prefetch(
        self, folder: str, since: datetime, max_size: int, skip: Iterable[int] = (), limit: int = 1
    ) -> list[int]:
        """Messages of `folder` dated from `since`, newest first, whose body is not
        cached and whose size is at most `max_size` (a big attachment waits until the
        user opens it). `skip`: the ones the server would not give this time."""
        skipped = list(skip)
        sql = (
            "SELECT m.uid FROM messages m WHERE m.folder = ? AND m.sort_date >= ? "
            "AND m.size <= ? AND NOT EXISTS (SELECT 1 FROM bodies b WHERE b.message = m.id)"
        )
        params: list[Any] = [folder, int(since.timestamp()), max_size]
        if skipped:
            sql += f" AND m.uid NOT IN ({','.join('?' * len(skipped))})"
            params += skipped
        sql += " ORDER BY m.sort_date DESC, m.uid DESC LIMIT ?"
        params.append(limit)
        return [int(row[0]) for row in self._db.execute(sql, params)]

    def body_sizes(self, folder: str, uids: Sequence[int]) -> dict[int, int]:
        """uid → cached body size of these messages (those with a body cached)."""
        found: dict[int, int] = {}
        for start in range(0, len(uids), 500):
            chunk = list(uids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            # Only « ? » marks are put in the text.
            sql = "SELECT m.uid, length(b.raw) FROM bodies b JOIN messages m ON m.id = b.message "
            sql += f"WHERE m.folder = ? AND m.uid IN ({marks})"
            for uid, size in self._db.execute(sql, (folder, *chunk)):
                found[int(uid)] = int(size)
        return found

    def body_size(self, folder: str, uid: int) -> int | None:
        """The cached body's size in bytes (None: not cached), without reading it."""
        row = self._body_row(folder, uid)
        return row[1] if row is not None else None

    def body_source(self, folder: str, uid: int) -> RawSource | None:
        """The cached body, read from its blob a chunk at a time: a big message stays on
        disk, never whole in memory. Opened for each pass (an open blob would pin this
        connection's snapshot); BodyGone if it left the cache meanwhile."""
        from tui.core.mail.mimestream import RawSource

        row = self._body_row(folder, uid)
        if row is None:
            return None
        size = row[1]
        self._touch_body(row[0], size)

        def opener() -> sqlite3.Blob:
            again = self._body_row(folder, uid)
            if again is None or again[1] != size:
                raise BodyGone(folder, uid)
            blob = self._db.blobopen("bodies", "raw", again[0], readonly=True)
            if len(blob) != size:
                blob.close()
                raise BodyGone(folder, uid)
            return blob

        return RawSource(size, opener)

    def search(
        self, text: str, folder: str | None = None, limit: int | None = None
    ) -> list[Summary]:
        """Matching summaries, newest first: all of them unless `limit`. The mailbox
        pages through a search instead (`start_results`), whatever the count."""
        matched = _matching(f"SELECT {_SUMMARY_COLUMNS_M}", text, folder)
        if matched is None:
            return []
        sql, params = matched
        sql += " ORDER BY m.sort_date DESC, m.uid DESC LIMIT ?"
        params.append(-1 if limit is None else limit)  # SQLite: a negative LIMIT is none
        try:
            rows = self._db.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            return []
        return [_summary(r) for r in rows]

    # --- search results, paged like a folder (#22) ---------------------------------
    # A search's keys go to a TEMP table of this connection: never in the file, no write
    # lock, nothing held in Python whatever the count. They are numbered newest first
    # when the search runs (`pos`), so a page is read in that order without sorting
    # again; rows are joined to `messages`, so a message deleted or moved since drops
    # out and an undo brings it back. One search at a time per connection.

    _RESULTS_JOIN = (
        "FROM temp.search_results r JOIN messages m ON m.folder = r.folder AND m.uid = r.uid"
    )

    def _results_table(self) -> None:
        self._db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS search_results (pos INTEGER PRIMARY KEY, "
            "folder TEXT NOT NULL, uid INTEGER NOT NULL, sort_date INTEGER NOT NULL, "
            "UNIQUE (folder, uid))"
        )

    def start_results(self, text: str, folder: str | None = None) -> None:
        """Make every message matching `text` (in `folder`, or all) the results."""
        self.clear_results()
        matched = _matching(
            "INSERT OR IGNORE INTO temp.search_results (folder, uid, sort_date) "
            "SELECT m.folder, m.uid, m.sort_date",
            text,
            folder,
        )
        if matched is None:
            return
        sql, params = matched
        sql += " ORDER BY m.sort_date DESC, m.uid DESC, m.folder DESC"
        with suppress(sqlite3.OperationalError):  # as in `search`: unreadable text finds none
            self._db.execute(sql, params)

    def add_results(self, keys: Iterable[tuple[str, int]]) -> int:
        """Add cached messages, as (folder, uid), to the results; how many were new."""
        self._results_table()
        added = max(
            0,
            self._db.executemany(
                "INSERT OR IGNORE INTO temp.search_results (folder, uid, sort_date) "
                "SELECT folder, uid, sort_date FROM messages WHERE folder = ? AND uid = ?",
                keys,
            ).rowcount,
        )
        if added:
            self._number_results()
        return added

    def _number_results(self) -> None:
        """Number the results newest first again (after additions)."""
        db = self._db
        db.execute("DROP TABLE IF EXISTS temp.search_sorted")
        db.execute(
            "CREATE TEMP TABLE search_sorted AS SELECT folder, uid, sort_date "
            "FROM temp.search_results ORDER BY sort_date DESC, uid DESC, folder DESC"
        )
        db.execute("DELETE FROM temp.search_results")
        db.execute(
            "INSERT INTO temp.search_results (folder, uid, sort_date) "
            "SELECT folder, uid, sort_date FROM temp.search_sorted ORDER BY rowid"
        )
        db.execute("DROP TABLE temp.search_sorted")

    def clear_results(self) -> None:
        self._results_table()
        self._db.execute("DELETE FROM temp.search_results")

    def result_count(self) -> int:
        """Results still in the cache."""
        self._results_table()
        row = self._db.execute(f"SELECT COUNT(*) {self._RESULTS_JOIN}").fetchone()
        return int(row[0])

    def result_page(self, offset: int, limit: int) -> list[Summary]:
        """A page of the results, newest first."""
        self._results_table()
        rows = self._db.execute(
            f"SELECT {_SUMMARY_COLUMNS_M} {self._RESULTS_JOIN} ORDER BY r.pos LIMIT ? OFFSET ?",
            (max(0, limit), max(0, offset)),
        ).fetchall()
        return [_summary(r) for r in rows]

    def result_index(self, folder: str, uid: int) -> int | None:
        """Where a message is in `result_page`'s order; None if it is not a result."""
        self._results_table()
        row = self._db.execute(
            f"SELECT r.pos {self._RESULTS_JOIN} WHERE r.folder = ? AND r.uid = ?",
            (folder, uid),
        ).fetchone()
        if row is None:
            return None
        found = self._db.execute(
            f"SELECT COUNT(*) {self._RESULTS_JOIN} WHERE r.pos < ?",
            (row[0],),
        ).fetchone()
        return int(found[0])

    def quota(self) -> tuple[int, int] | None:
        value = self._meta("quota")
        if not value:
            return None
        used, limit = json.loads(value)
        return int(used), int(limit)

    def outbox(self) -> list[OutboxRow]:
        rows = self._db.execute(
            "SELECT id, created, raw, status, last_error FROM outbox ORDER BY id"
        ).fetchall()
        return [OutboxRow(r[0], _created(r[1]), bytes(r[2]), r[3], r[4]) for r in rows]

    def drafts(self) -> list[OutboxRow]:
        rows = self._db.execute(
            "SELECT id, created, raw, status, last_error FROM drafts ORDER BY id"
        ).fetchall()
        return [OutboxRow(r[0], _created(r[1]), bytes(r[2]), r[3], r[4]) for r in rows]

    def folder_row(self, name: str) -> FolderRow | None:
        for row in self.folders():
            if row.name == name:
                return row
        return None

    def special_folder(self, use: str) -> str | None:
        row = self._db.execute(
            "SELECT name FROM folders WHERE special_use = ? ORDER BY position LIMIT 1", (use,)
        ).fetchone()
        return str(row[0]) if row else None

    # --- write API (the sync engine, on the worker thread) ------------------------

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def _set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def meta(self, key: str) -> str | None:
        """A small value kept across restarts (the SMTP server's SIZE, a draft's server copy)."""
        return self._meta(key)

    def set_meta(self, key: str, value: str | None) -> None:
        """Keep (or, with None, forget) a small value; committed unless a transaction is open."""
        self._set_meta(key, value)

    def set_quota(self, quota: tuple[int, int] | None) -> None:
        self._set_meta("quota", json.dumps(list(quota)) if quota else None)

    def set_folders(self, rows: Sequence[FolderRow]) -> None:
        """Replace the folder list; folders gone from the server lose their messages."""
        with self.transaction() as db:
            known = {r[0] for r in db.execute("SELECT name FROM folders")}
            new = {r.name for r in rows}
            for gone in known - new:
                self._drop_folder_messages(gone)
                db.execute("DELETE FROM folders WHERE name = ?", (gone,))
            for position, row in enumerate(rows):
                db.execute(
                    "INSERT INTO folders (name, delimiter, special_use, flags, position) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                    "delimiter = excluded.delimiter, special_use = excluded.special_use, "
                    "flags = excluded.flags, position = excluded.position",
                    (row.name, row.delimiter, row.special_use, " ".join(row.flags), position),
                )

    def folder_state(self, name: str) -> FolderState:
        row = self._db.execute(
            "SELECT uidvalidity, uidnext, highestmodseq, messages, low_uid, high_uid "
            "FROM folders WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return FolderState(name)
        return FolderState(name, *row)

    def set_folder_state(self, state: FolderState) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO folders (name) VALUES (?)", (state.name,))
            db.execute(
                "UPDATE folders SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, "
                "messages = ?, low_uid = ?, high_uid = ? WHERE name = ?",
                (
                    state.uidvalidity,
                    state.uidnext,
                    state.highestmodseq,
                    state.messages,
                    state.low_uid,
                    state.high_uid,
                    state.name,
                ),
            )

    def set_counts(self, folder: str, total: int | None = None, unread: int | None = None) -> None:
        """Counts shown in the folder list; by default recomputed from the cache."""
        if total is None:
            total = self.count(folder)
        if unread is None:
            unread = self.unread(folder)
        self._db.execute(
            "UPDATE folders SET total = ?, unread = ? WHERE name = ?", (total, unread, folder)
        )

    def _drop_folder_messages(self, folder: str) -> None:
        self._db.execute(
            "DELETE FROM search_index WHERE rowid IN (SELECT id FROM messages WHERE folder = ?)",
            (folder,),
        )
        self._db.execute("DELETE FROM messages WHERE folder = ?", (folder,))

    def drop_folder(self, folder: str) -> None:
        """Forget every message of a folder (its UIDVALIDITY changed)."""
        with self.transaction():
            self._drop_folder_messages(folder)
            self._db.execute(
                "UPDATE folders SET uidvalidity = NULL, uidnext = NULL, highestmodseq = NULL, "
                "messages = NULL, low_uid = NULL, high_uid = NULL, total = 0, unread = 0 "
                "WHERE name = ?",
                (folder,),
            )

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

    def put_body(self, folder: str, uid: int, raw: bytes) -> None:
        """Cache a body and index its text, then evict the least recently used beyond budget."""
        text = body_text_for_index(raw)
        with self.transaction() as db:
            row = db.execute(
                "SELECT id FROM messages WHERE folder = ? AND uid = ?", (folder, uid)
            ).fetchone()
            if row is None:
                return
            db.execute(
                "INSERT OR REPLACE INTO bodies (message, raw, size, used) VALUES (?, ?, ?, ?)",
                (row[0], raw, len(raw), time.time_ns()),
            )
            db.execute("UPDATE search_index SET body = ? WHERE rowid = ?", (text, row[0]))
            self._evict(keep=row[0])

    def _evict(self, keep: int) -> None:
        # length(raw) is free, SUM(size) read every cached body from disk (see _body_row).
        total = self._db.execute("SELECT COALESCE(SUM(length(raw)), 0) FROM bodies").fetchone()[0]
        if total <= self.body_budget:
            return
        for message, size in self._db.execute(
            "SELECT message, length(raw) FROM bodies WHERE message != ? ORDER BY used", (keep,)
        ).fetchall():
            self._db.execute("DELETE FROM bodies WHERE message = ?", (message,))
            self._db.execute("UPDATE search_index SET body = '' WHERE rowid = ?", (message,))
            total -= size
            if total <= self.body_budget:
                break

    def bodies_size(self) -> int:
        return int(
            self._db.execute("SELECT COALESCE(SUM(length(raw)), 0) FROM bodies").fetchone()[0]
        )

    # --- pending operations ---------------------------------------------------------

    def queue_op(self, kind: str, folder: str, uids: Iterable[int], **args: Any) -> int:
        cursor = self._db.execute(
            "INSERT INTO pending_ops (created, kind, folder, uids, args) VALUES (?, ?, ?, ?, ?)",
            (time.time(), kind, folder, json.dumps(list(uids)), json.dumps(args)),
        )
        return int(cursor.lastrowid or 0)

    def pending_ops(self) -> list[PendingOp]:
        rows = self._db.execute(
            "SELECT id, kind, folder, uids, args, attempts, last_error, created "
            "FROM pending_ops ORDER BY id"
        ).fetchall()
        return [
            PendingOp(r[0], r[1], r[2], tuple(json.loads(r[3])), json.loads(r[4]), r[5], r[6], r[7])
            for r in rows
        ]

    def finish_op(self, op_id: int) -> None:
        self._db.execute("DELETE FROM pending_ops WHERE id = ?", (op_id,))

    def fail_op(self, op_id: int, error: str) -> None:
        self._db.execute(
            "UPDATE pending_ops SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:500], op_id),
        )

    # --- outbox and drafts (schema used by the compose issue) -----------------------

    def add_outbox(self, raw: bytes) -> int:
        cursor = self._db.execute(
            "INSERT INTO outbox (created, raw) VALUES (?, ?)", (time.time(), raw)
        )
        return int(cursor.lastrowid or 0)

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

    def folder_sizes(self) -> list[tuple[str, int]]:
        """(folder, bytes of its cached messages), the fullest first."""
        rows = self._db.execute(
            "SELECT folder, TOTAL(size) FROM messages GROUP BY folder ORDER BY 2 DESC"
        )
        return [(str(r[0]), int(r[1])) for r in rows]

    # What each sort compares, read alone: a sort by size reads no subject (#19).
    _SORT_VALUES = {
        "date": "sort_date",
        "size": "size",
        "sender": "CASE WHEN sender_name != '' THEN sender_name ELSE sender_address END",
        "subject": "subject",
    }

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
                f"SELECT {_SUMMARY_COLUMNS} FROM messages "  # noqa: S608
                f"WHERE folder = ? AND uid IN ({marks})",
                (folder, *chunk),
            ):
                found[row[1]] = _summary(row)
        return [found[uid] for uid in uids if uid in found]
