"""The user's own store: outbox, drafts and pending operations, in the data directory.

The cache may be deleted, found corrupt and rebuilt at any time: it holds only what the
server can give back. What only the user has — a message waiting to be sent, a draft, a
delete still inside its undo window — lived in the same file and went with it (issue
#15). It now lives in a second SQLite file under the platform's *data* directory,
attached to the cache's connection as `durable`: the tables keep their names, so every
query works unchanged (SQLite looks a table up in `main`, then in attached files), and
a corrupt cache is set aside without touching this file.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tui.core.i18n import _

SCHEMA_VERSION = 1
TABLES = ("pending_ops", "outbox", "drafts")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS durable.pending_ops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    kind TEXT NOT NULL,
    folder TEXT NOT NULL,
    uids TEXT NOT NULL,
    args TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS durable.outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    raw BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS durable.drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    raw BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    last_error TEXT NOT NULL DEFAULT ''
);
"""


class DurableUnreadable(Exception):
    """The user's store exists but SQLite cannot read it (raised to `attach`'s caller)."""


def default_path(cache_path: Path) -> Path:
    """Beside the cache when nobody says where (the demo, tests): `x.local.sqlite3`."""
    return cache_path.with_name(cache_path.stem + ".local.sqlite3")


def attach(db: sqlite3.Connection, path: Path) -> list[str]:
    """Attach the user's store to the cache's connection, creating it if needed.

    A store SQLite cannot read is never deleted: it is renamed aside, kept for the help
    desk, and the user is told in plain words; returns such notices.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        _attach(db, path)
        return []
    except (sqlite3.DatabaseError, DurableUnreadable):
        _detach(db)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{path.name}.illisible-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(path) + suffix)
            if source.exists():
                source.replace(Path(str(aside) + suffix))
        _attach(db, path)
        return [
            _(
                "Le fichier de vos envois en attente et brouillons était illisible : il a "
                "été conservé sous le nom {name} (dossier {folder}). Signalez-le à "
                "l'assistance avant de le supprimer."
            ).format(name=aside.name, folder=path.parent)
        ]


def _attach(db: sqlite3.Connection, path: Path) -> None:
    db.execute("ATTACH DATABASE ? AS durable", (str(path),))
    mode = db.execute("PRAGMA durable.journal_mode = WAL").fetchone()
    if mode is None:
        raise DurableUnreadable("no journal mode")
    version = db.execute("PRAGMA durable.user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise DurableUnreadable(f"schema {version} is newer than {SCHEMA_VERSION}")
    if version < SCHEMA_VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA durable.user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    verdict = db.execute("PRAGMA durable.quick_check(1)").fetchone()
    if verdict is None or verdict[0] != "ok":
        raise DurableUnreadable(str(verdict))


def _detach(db: sqlite3.Connection) -> None:
    try:
        db.execute("DETACH DATABASE durable")
    except sqlite3.Error:  # not attached, or the failure came before ATTACH
        return


def move_out_of_cache(db: sqlite3.Connection) -> None:
    """Cache schema 3: the user's rows leave the cache file for the attached store.

    Runs inside the cache's migration transaction. A row whose id the store already
    holds (a cache file from another time) is copied under a new id, never dropped.
    """
    for table in TABLES:
        exists = db.execute(
            "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if not exists:
            continue
        columns = [row[1] for row in db.execute(f"PRAGMA main.table_info({table})")]
        everything = ", ".join(columns)
        rest = ", ".join(c for c in columns if c != "id")
        taken = [
            row[0]
            for row in db.execute(
                f"SELECT id FROM main.{table} WHERE id IN (SELECT id FROM durable.{table})"  # noqa: S608
            )
        ]
        db.execute(
            f"INSERT INTO durable.{table} ({everything}) SELECT {everything} "  # noqa: S608
            f"FROM main.{table} WHERE id NOT IN (SELECT id FROM durable.{table})"
        )
        for row_id in taken:  # after the others: a new id never collides with theirs
            db.execute(
                f"INSERT INTO durable.{table} ({rest}) SELECT {rest} FROM main.{table} "  # noqa: S608
                "WHERE id = ?",
                (row_id,),
            )
        db.execute(f"DROP TABLE main.{table}")
