"""One SQLite connection and its transactions: what every part of the store is built on.

A `Cache` (tui/core/store/cache.py) is this plus one mixin per concern: folders,
messages, bodies, search results, queued work.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StoreBase:
    """One connection to the cache file; use it only from the thread that opened it."""

    def __init__(
        self, db: sqlite3.Connection, path: Path, body_budget: int, durable_path: Path
    ) -> None:
        self._db = db
        self.path = path
        self.durable_path = durable_path
        self.body_budget = body_budget
        self.notices: list[str] = []

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
