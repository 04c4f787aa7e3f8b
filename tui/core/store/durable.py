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

import hashlib
import os
import sqlite3
import time
from pathlib import Path

from tui.core.errors import StoreError
from tui.core.i18n import N_, _
from tui.core.mail.sanitize import clean_line
from tui.core.store.migrations import migrate
from tui.core.userfiles import file_reason

SCHEMA_VERSION = 3
TABLES = ("pending_ops", "outbox", "drafts")  # the ones an old cache file may hold

_TABLES_SQL = """
CREATE TABLE IF NOT EXISTS {schema}.pending_ops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    kind TEXT NOT NULL,
    folder TEXT NOT NULL,
    uids TEXT NOT NULL,
    args TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS {schema}.outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    raw BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS {schema}.drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    raw BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    last_error TEXT NOT NULL DEFAULT ''
);
"""


def tables_sql(schema: str) -> str:
    """The user's tables as first written: into the store (`durable`), and — history —
    into the cache file (`main`) by its migration 1, until its migration 3 moved them."""
    return _TABLES_SQL.replace("{schema}", schema)


_MIGRATIONS = [
    tables_sql("durable"),
    # version 2: which attempt holds a message it is sending (tui/core/store/outbox.py claims).
    # Before it, "sending" also covered DATA: such a row may have left, so it becomes
    # « envoi incertain » rather than queued again (the user decides).
    """
    ALTER TABLE durable.outbox ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    UPDATE durable.outbox SET status = 'uncertain' WHERE status = 'sending'
    """,
    # version 3: the address book (tui/core/store/contacts.py), learnt from what the user
    # sends and imported from files; `key` is the address in lower case, one row each.
    """
    CREATE TABLE IF NOT EXISTS durable.contacts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        address TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        name_set INTEGER NOT NULL DEFAULT 0,
        sent_count INTEGER NOT NULL DEFAULT 0,
        last_sent REAL NOT NULL DEFAULT 0,
        source TEXT NOT NULL DEFAULT 'manual',
        created REAL NOT NULL
    )
    """,
]


class DurableUnreadable(Exception):
    """The user's store exists but is not a readable SQLite file of ours (corrupt)."""


_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


def is_corruption(error: BaseException) -> bool:
    """True for a file SQLite cannot read as a database; False for a full disk, a
    read-only folder, a lock: those are reported, never "repaired" by a rename."""
    if isinstance(error, DurableUnreadable):
        return True
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _CORRUPT_CODES


_SQLITE_REASONS = {
    5: N_("fichier occupé par un autre programme"),  # SQLITE_BUSY
    6: N_("fichier verrouillé"),  # SQLITE_LOCKED
    8: N_("fichier en lecture seule"),  # SQLITE_READONLY
    10: N_("erreur d'écriture sur le disque"),  # SQLITE_IOERR
    13: N_("disque plein"),  # SQLITE_FULL
    14: N_("ouverture impossible"),  # SQLITE_CANTOPEN
}


def write_problem(error: BaseException) -> bool:
    """A local write that failed for a reason the user can fix (full disk, read-only
    file or folder, lock): told in French, never a traceback. Corruption is not one."""
    if isinstance(error, StoreError | OSError):
        return True
    return isinstance(error, sqlite3.Error) and not is_corruption(error)


def reason(error: BaseException) -> str:
    """Why, in the user's language: SQLite's and the system's own texts are English."""
    if isinstance(error, _NewerSchema):
        return clean_line(str(error))
    if isinstance(error, OSError):
        return file_reason(error)
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_REASONS:
        return _(_SQLITE_REASONS[code & 0xFF])
    return _("erreur de la base locale")


def store_error(path: Path, error: BaseException) -> StoreError:
    why = reason(error)
    return StoreError(
        _(
            "Le fichier local {path} ne peut pas être ouvert ou écrit ({reason}). "
            "Vérifiez l'espace libre et les droits de ce dossier, puis relancez courriel."
        ).format(path=path, reason=why)
    )


def private_file(path: Path) -> None:
    """Mail is private on a shared SSH server: the database files are the user's alone
    (0600; SQLite gives its -wal and -shm files the same mode), older ones included."""
    for name in (str(path), str(path) + "-wal", str(path) + "-shm"):
        try:
            if os.path.exists(name):
                if os.stat(name).st_mode & 0o077:
                    os.chmod(name, 0o600)
            elif name == str(path):
                os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError:  # not ours to change; opening it says what is wrong
            continue


def default_path(cache_path: Path) -> Path:
    """Beside the cache when nobody says where (the demo, tests): `x.local.sqlite3`."""
    return cache_path.with_name(cache_path.stem + ".local.sqlite3")


def attach(db: sqlite3.Connection, path: Path) -> list[str]:
    """Attach the user's store to the cache's connection, creating it if needed.

    A store SQLite cannot read is never deleted: it is renamed aside, kept for the help
    desk, and the user is told in plain words; returns such notices. Any other failure
    (full disk, read-only folder, lock, a newer courriel's schema) raises StoreError.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_file(path)
        _attach(db, path)
        return []
    except (sqlite3.Error, DurableUnreadable, OSError) as error:
        _detach(db)
        if not is_corruption(error):
            raise store_error(path, error) from error
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.illisible-{stamp}")
    try:
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(path) + suffix)
            if source.exists():
                source.replace(Path(str(aside) + suffix))
        _attach(db, path)
    except (sqlite3.Error, DurableUnreadable, OSError) as error:
        _detach(db)
        raise store_error(path, error) from error
    return [
        _(
            "Le fichier de vos envois en attente et brouillons était illisible : il a "
            "été conservé sous le nom {name} (dossier {folder}). Signalez-le à "
            "l'assistance avant de le supprimer."
        ).format(name=aside.name, folder=path.parent)
    ]


class _NewerSchema(sqlite3.Error):
    """Written by a newer courriel: not corrupt, not ours to rewrite."""


def _attach(db: sqlite3.Connection, path: Path) -> None:
    db.execute("ATTACH DATABASE ? AS durable", (str(path),))
    mode = db.execute("PRAGMA durable.journal_mode = WAL").fetchone()
    if mode is None:
        raise DurableUnreadable("no journal mode")
    db.execute("PRAGMA durable.synchronous = FULL")  # what the user wrote: no lost commit
    db.execute("PRAGMA durable.cache_size = -128")  # a few rows: 128 KiB, not 2 MiB
    version = db.execute("PRAGMA durable.user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise _NewerSchema(
            _("créé par une version plus récente de courriel (schéma {version})").format(
                version=version
            )
        )
    if version < SCHEMA_VERSION:
        migrate(db, "durable", _MIGRATIONS)
    verdict = db.execute("PRAGMA durable.quick_check(1)").fetchone()
    if verdict is None or verdict[0] != "ok":
        raise DurableUnreadable(str(verdict))


def _detach(db: sqlite3.Connection) -> None:
    try:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.execute("DETACH DATABASE durable")
    except sqlite3.Error:  # not attached, or the failure came before ATTACH
        return


def _in_cache(db: sqlite3.Connection) -> list[str]:
    return [
        table
        for table in TABLES
        if db.execute(
            "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
    ]


def _fingerprint(table: str, row: sqlite3.Row | tuple[object, ...], columns: list[str]) -> str:
    """What identifies a row whatever its id: the table and every other column."""
    digest = hashlib.sha256(table.encode())
    for name, value in zip(columns, row, strict=True):
        if name == "id":
            continue
        digest.update(b"\0" + name.encode() + b"=" + repr(value).encode())
    return digest.hexdigest()


def import_from_cache(db: sqlite3.Connection) -> None:
    """Copy the user's rows that an older cache file holds into the store (cache schema
    < 3), in a transaction that writes the store alone, so it commits whole or not at
    all; the cache drops its copies only afterwards (cache migration 3).

    Idempotent: every imported row is remembered by a fingerprint, so running again —
    the cache's own commit lost in a power cut, or an old cache file restored — never
    brings back a message already sent or a draft already deleted.
    """
    tables = _in_cache(db)
    if not tables:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE IF NOT EXISTS durable.imported (fingerprint TEXT PRIMARY KEY)")
        for table in tables:
            columns = [row[1] for row in db.execute(f"PRAGMA main.table_info({table})")]
            rest = [c for c in columns if c != "id"]
            # Table and column names come from TABLES and the schema, never from data.
            select = f"SELECT {', '.join(columns)} FROM main.{table} ORDER BY id"  # noqa: S608
            for row in db.execute(select).fetchall():
                mark = _fingerprint(table, row, columns)
                seen = db.execute(
                    "SELECT 1 FROM durable.imported WHERE fingerprint = ?", (mark,)
                ).fetchone()
                if seen:
                    continue
                values = dict(zip(columns, row, strict=True))
                if table == "outbox" and values.get("status") == "sending":
                    values["status"] = "uncertain"  # the old "sending" covered DATA too
                taken = f"SELECT 1 FROM durable.{table} WHERE id = ?"  # noqa: S608
                free = not db.execute(taken, (values["id"],)).fetchone()
                names = columns if free else rest
                db.execute(
                    f"INSERT INTO durable.{table} ({', '.join(names)}) "  # noqa: S608
                    f"VALUES ({', '.join('?' for _ in names)})",
                    [values[name] for name in names],
                )
                db.execute("INSERT INTO durable.imported (fingerprint) VALUES (?)", (mark,))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def salvage(corrupt_cache: Path, path: Path) -> None:
    """Best effort: copy what an unreadable older cache still yields of the user's rows
    (its damage is often in the message tables, not in the outbox's pages)."""
    try:
        db = sqlite3.connect(str(corrupt_cache), timeout=5.0, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        _attach(db, path)
        import_from_cache(db)
    except (sqlite3.Error, DurableUnreadable):
        return
    finally:
        db.close()


def drop_from_cache(db: sqlite3.Connection) -> None:
    """Cache migration 3: the rows are in the store (import_from_cache ran and committed
    before this migration's transaction began); the cache's copies go."""
    for table in _in_cache(db):
        db.execute(f"DROP TABLE main.{table}")
