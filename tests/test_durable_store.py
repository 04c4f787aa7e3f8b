"""What only the user has survives the cache (issue #15: durable data out of the cache).

The outbox, drafts and pending operations lived in the cache file: a cache found
corrupt was set aside with the unsent mail inside while the notice promised a rebuild
« depuis le serveur », and `rm -rf ~/.cache/courriel` lost them. They now live in the
user's store in the data directory.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.test_smtp import account, identity, trust
from tui.core.account import worker
from tui.core.mail.compose import Draft, build_message
from tui.core.net.smtp import send_pending
from tui.core.store import actions, outbox
from tui.core.store.cache import _MIGRATIONS, Cache


def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "cache" / "compte.sqlite3", tmp_path / "data" / "compte.sqlite3"


def fill(cache: Cache) -> tuple[int, int]:
    message = build_message(
        identity_for("prenom.nom@ac-dijon.fr"),
        Draft(to="marie.durand@ac-dijon.fr", subject="Sortie", body="Départ 8 h.\n"),
    )
    queued = outbox.queue(cache, message)
    draft = outbox.save_draft(cache, Draft(to="", subject="Compte rendu", body="À finir"))
    return queued, draft


def identity_for(address: str):  # type: ignore[no-untyped-def]
    from tui.core.mail.compose import Identity

    return Identity("Prénom Nom", address)


def test_outbox_drafts_and_pending_survive_removing_the_cache_dir(tmp_path: Path) -> None:
    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    queued, draft = fill(cache)
    cache.queue_op("delete", "INBOX", [7])
    cache.close()

    shutil.rmtree(cache_file.parent)  # what a cleaning tool does

    cache = Cache.open(cache_file, durable_path=store)
    try:
        assert [row.id for row in outbox.pending(cache)] == [queued]
        assert [draft_id for draft_id, _d in outbox.load_drafts(cache)] == [draft]
        assert [(op.kind, op.uids) for op in cache.pending_ops()] == [("delete", (7,))]
    finally:
        cache.close()


@pytest.mark.parametrize("damage", ["header", "truncated", "pages"])
def test_a_corrupt_cache_is_rebuilt_without_touching_the_users_store(
    tmp_path: Path, damage: str
) -> None:
    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    queued, draft = fill(cache)
    cache.close()
    data = cache_file.read_bytes()
    if damage == "header":
        cache_file.write_bytes(b"\xff" * 100 + data[100:])
    elif damage == "truncated":
        cache_file.write_bytes(data[:1000])
    else:
        cache_file.write_bytes(data[:4096] + b"\xff" * 8192 + data[12288:])

    cache = Cache.open(cache_file, durable_path=store)
    try:
        if cache.notices:  # the damaged pages may all have been unused ones
            assert "conservés à part" in cache.notices[0]
        assert [row.id for row in outbox.pending(cache)] == [queued]
        assert [draft_id for draft_id, _d in outbox.load_drafts(cache)] == [draft]
    finally:
        cache.close()


def old_cache(path: Path, version: int = 2) -> None:
    """A cache as courriel wrote it before this change: the user's tables inside."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        for migration in _MIGRATIONS[:version]:
            assert isinstance(migration, str)
            db.executescript(migration)
        db.execute("INSERT INTO outbox (id, created, raw) VALUES (1, 1.0, x'41')")
        db.execute("INSERT INTO outbox (id, created, raw) VALUES (2, 2.0, x'42')")
        db.execute("INSERT INTO drafts (id, created, raw) VALUES (5, 3.0, x'43')")
        db.execute(
            "INSERT INTO pending_ops (created, kind, folder, uids) "
            "VALUES (4.0, 'delete', 'INBOX', '[3]')"
        )
        db.execute(f"PRAGMA user_version = {version}")
    db.close()


@pytest.mark.parametrize("version", [1, 2])
def test_an_old_cache_gives_its_rows_to_the_users_store(tmp_path: Path, version: int) -> None:
    cache_file, store = paths(tmp_path)
    old_cache(cache_file, version)
    cache = Cache.open(cache_file, durable_path=store)
    try:
        assert [(r.id, r.raw) for r in cache.outbox()] == [(1, b"A"), (2, b"B")]
        assert [(r.id, r.raw) for r in cache.drafts()] == [(5, b"C")]
        assert [op.uids for op in cache.pending_ops()] == [(3,)]
    finally:
        cache.close()
    with sqlite3.connect(cache_file) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert not {"outbox", "drafts", "pending_ops"} & tables


def test_migrating_into_a_store_that_has_rows_keeps_both(tmp_path: Path) -> None:
    cache_file, store = paths(tmp_path)
    fresh = Cache.open(tmp_path / "other.sqlite3", durable_path=store)
    fresh.add_outbox(b"deja")  # id 1 already taken in the store
    fresh.close()
    old_cache(cache_file)
    cache = Cache.open(cache_file, durable_path=store)
    try:
        raws = sorted(r.raw for r in cache.outbox())
        assert raws == [b"A", b"B", b"deja"]
        assert len({r.id for r in cache.outbox()}) == 3
    finally:
        cache.close()


def test_an_unreadable_store_is_kept_aside_never_deleted(tmp_path: Path) -> None:
    cache_file, store = paths(tmp_path)
    store.parent.mkdir(parents=True)
    store.write_bytes(b"pas une base SQLite" * 100)
    cache = Cache.open(cache_file, durable_path=store)
    try:
        assert any("conservé" in notice for notice in cache.notices)
        kept = [p for p in store.parent.iterdir() if ".illisible-" in p.name]
        assert len(kept) == 1 and kept[0].read_bytes().startswith(b"pas une base")
        assert cache.add_outbox(b"nouveau") == 1  # and the app goes on
    finally:
        cache.close()


def test_local_actions_write_their_pending_op_to_the_store(tmp_path: Path) -> None:
    from tests.test_cache import make

    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    try:
        cache.put_summaries([make("INBOX", 1)])
        actions.delete(cache, "INBOX", [1])
    finally:
        cache.close()
    with sqlite3.connect(store) as db:
        assert len(db.execute("SELECT kind FROM pending_ops").fetchall()) == 1
    db.close()


@pytest.mark.server
async def test_a_queued_message_is_sent_once_after_the_cache_dir_is_removed(
    bed: Bed, tmp_path: Path
) -> None:
    user = bed.new_user()
    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    draft = Draft(to=user.email, subject="Survit au cache", body="Bonjour.\n")
    outbox.queue(cache, build_message(identity(user), draft))
    cache.close()
    shutil.rmtree(cache_file.parent)

    cache = Cache.open(cache_file, durable_path=store)
    try:
        before = len(bed.smtp.events("delivered"))
        report = await send_pending(cache, account(bed, user), trust(bed, tmp_path), user.password)
        assert len(report.sent) == 1
        again = await send_pending(cache, account(bed, user), trust(bed, tmp_path), user.password)
        assert again.sent == []
        assert len(bed.smtp.events("delivered")) == before + 1
    finally:
        cache.close()


def test_migrating_twice_never_duplicates_nor_revives(tmp_path: Path) -> None:
    """The cache's commit lost in a power cut, or an old cache file restored: the rows
    are imported once, and a message sent since is not brought back (review)."""
    cache_file, store = paths(tmp_path)
    old_cache(cache_file)
    backup = tmp_path / "backup.sqlite3"
    shutil.copy(cache_file, backup)
    cache = Cache.open(cache_file, durable_path=store)
    outbox.remove(cache, 1)  # sent and filed since
    cache.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(cache_file) + suffix).unlink(missing_ok=True)
    shutil.copy(backup, cache_file)

    cache = Cache.open(cache_file, durable_path=store)
    try:
        assert [(r.id, r.raw) for r in cache.outbox()] == [(2, b"B")]
        assert [r.raw for r in cache.drafts()] == [b"C"]
        assert len(cache.pending_ops()) == 1
    finally:
        cache.close()


FULL_DISK = """
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
from tui.core.store.cache import Cache
from tui.core.errors import StoreError
try:
    Cache.open(Path(sys.argv[1]), durable_path=Path(sys.argv[2]))
except StoreError as error:
    print("StoreError", error.message)
"""


def test_a_full_disk_during_the_move_loses_nothing(tmp_path: Path) -> None:
    """The move used to drop the cache's copies in the same transaction as the store's
    insert: with the store's disk full, the cache committed and the rows were gone."""
    import subprocess
    import sys

    cache_file, store = paths(tmp_path)
    old_cache(cache_file)
    with sqlite3.connect(cache_file) as db:
        db.execute("UPDATE outbox SET raw = zeroblob(400000) WHERE id = 2")
    db.close()
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(cache_file), str(store)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "StoreError" in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not list(cache_file.parent.glob("*.corrupt-*"))  # not mistaken for corruption
    with sqlite3.connect(cache_file) as db:  # the rows are still where they were
        assert db.execute("SELECT id FROM outbox ORDER BY id").fetchall() == [(1,), (2,)]
    db.close()
    cache = Cache.open(cache_file, durable_path=store)  # room again: the move completes
    try:
        assert [r.id for r in cache.outbox()] == [1, 2]
    finally:
        cache.close()


def test_a_read_only_cache_folder_is_said_not_set_aside(tmp_path: Path) -> None:
    import os

    from tui.core.errors import StoreError

    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    cache_file, store = paths(tmp_path)
    Cache.open(cache_file, durable_path=store).close()
    cache_file.parent.chmod(0o500)
    try:
        with pytest.raises(StoreError):
            Cache.open(tmp_path / "cache" / "autre.sqlite3", durable_path=store)
    finally:
        cache_file.parent.chmod(0o700)


def test_the_worker_says_when_its_files_cannot_be_opened(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Review: an exception in the worker's Cache.open killed the thread silently, with a
    traceback printed where Textual draws."""
    from tests.test_worker import Events
    from tui.core.account.contract import Notice, Stopped

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    events = Events()
    worker = offline_worker(tmp_path / "cache.sqlite3", events, blocker / "store.sqlite3")
    worker.start()
    notice = events.wait_for(lambda e: isinstance(e, Notice), timeout=20)
    assert isinstance(notice, Notice) and "ne peut pas être ouvert" in notice.text
    events.wait_for(lambda e: isinstance(e, Stopped), timeout=20)
    assert "Traceback" not in capfd.readouterr().err


def test_the_files_are_the_users_alone(tmp_path: Path) -> None:
    """On a school's shared SSH server, cached mail and the outbox are no one else's."""
    import os
    import stat

    cache_file, store = paths(tmp_path)
    old_cache(cache_file)
    os.chmod(cache_file, 0o644)  # as courriel used to leave it
    cache = Cache.open(cache_file, durable_path=store)
    cache.add_outbox(b"x")
    cache.close()
    for path in (cache_file, store, *cache_file.parent.glob("*-wal"), *store.parent.glob("*-wal")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_each_schema_version_has_its_migration() -> None:
    from tui.core.store import cache, durable

    assert len(cache._MIGRATIONS) == cache.SCHEMA_VERSION
    assert len(durable._MIGRATIONS) == durable.SCHEMA_VERSION


def offline_worker(
    cache_path: Path, events: object, durable_path: Path | None = None
) -> worker.AccountWorker:
    """A worker whose server is nowhere (port 9): what it does before any connection."""
    from tui.core.net.trust import TrustStore

    return worker.AccountWorker(
        host="127.0.0.1",
        port=9,
        username="prenom.nom",
        password="x",
        trust=TrustStore(cache_path.parent / "trust.toml"),
        cache_path=cache_path,
        durable_path=durable_path,
        on_event=events,  # type: ignore[arg-type]
    )
