"""Cached bodies: kept within a byte budget (least recently read go first), read a chunk
at a time, and indexed for full-text search.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.core.store.base import StoreBase
from tui.core.store.records import BodyGone

if TYPE_CHECKING:
    from tui.core.mail.mimestream import RawSource

TOUCH_MAX_BYTES = 1024 * 1024  # a bigger body is not touched on read (see _touch_body)
_FTS_BODY_LIMIT = 64 * 1024  # characters of a body indexed for search


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


class BodyStore(StoreBase):
    """Bodies of messages, within `body_budget` bytes."""

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
