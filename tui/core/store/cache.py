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

import sqlite3
import time
from pathlib import Path

from tui.core.i18n import _
from tui.core.store import durable
from tui.core.store.cache_bodies import BodyStore
from tui.core.store.cache_folders import FolderStore
from tui.core.store.cache_messages import MessageStore
from tui.core.store.cache_queue import QueueStore
from tui.core.store.cache_search import SearchStore
from tui.core.store.migrations import Step, migrate
from tui.core.store.records import CacheCorrupt

SCHEMA_VERSION = 3


DEFAULT_BODY_BUDGET = 256 * 1024 * 1024  # bytes of cached bodies before LRU eviction


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


class Cache(FolderStore, MessageStore, BodyStore, SearchStore, QueueStore):
    """The whole store on one connection: open it, then read and write by concern."""

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
