"""Two courriel on one account (the app in one SSH session, `courriel sync` from cron or
a second session): the IMAP side of the user's actions is done by one of them at a time.

Before, both read the same pending operations and the same Sent copies owed, and both
sent them: a flag added then removed could end added (the second process replayed the
first operation after the first process had sent both), and a Sent copy could be filed
twice. The other process is a real one here, holding the account's lock.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.mail_helpers import raw_client, seed, server_snapshot
from tests.test_sent_copy import SENT, copies_in_sent, message_id_of
from tests.test_smtp import identity
from tests.test_worker import Events, make_worker
from tui.core.account.contract import BodyReady, CacheChanged, FetchBody, SetFlags, SyncDone
from tui.core.mail.compose import Draft, build_message, to_bytes
from tui.core.store import outbox, replay_lock
from tui.core.store.cache import Cache

pytestmark = pytest.mark.server

_HOLDER = """
import fcntl, sys
lock = open(sys.argv[1], "a")
fcntl.flock(lock, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


@contextmanager
def another_courriel(cache_path: Path) -> Iterator[None]:
    """A second process holding the account's lock, as a replaying courriel does."""
    cache = Cache.open(cache_path)
    path = replay_lock.lock_path(cache)
    cache.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def flags_of(bed: Bed, user, uid: int) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return {u: flags for u, _s, flags in server_snapshot(bed, user)}[uid]


def test_actions_wait_while_another_courriel_replays_them(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    seed(bed, user, 3)
    path = tmp_path / "c.sqlite"
    events = Events()
    worker = make_worker(bed, user, path, events)
    worker.start()
    events.wait_for(lambda e: isinstance(e, SyncDone))
    with another_courriel(path):
        events.seen.clear()
        worker.submit(SetFlags("INBOX", (2,), add=("\\Flagged",)))
        events.wait_for(lambda e: isinstance(e, CacheChanged))
        worker.sync_now()
        events.wait_for(lambda e: isinstance(e, SyncDone))
        assert "\\Flagged" not in flags_of(bed, user, 2)  # the other one has it in hand
        cache = Cache.open(path)
        assert len(cache.pending_ops()) == 1  # kept, not dropped
        cache.close()
    events.seen.clear()
    worker.submit(SetFlags("INBOX", (3,), add=("\\Seen",)))
    events.wait_for(lambda e: isinstance(e, CacheChanged))
    worker.sync_now()
    events.wait_for(lambda e: isinstance(e, SyncDone))
    worker.stop()
    assert "\\Flagged" in flags_of(bed, user, 2)
    assert "\\Seen" in flags_of(bed, user, 3)
    cache = Cache.open(path)
    assert cache.pending_ops() == []
    cache.close()


def test_a_sent_copy_is_filed_by_one_courriel_only(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    path = tmp_path / "c.sqlite"
    cache = Cache.open(path)
    draft = Draft(to="collegue@exterieur.fr", subject="Sortie scolaire", body="Départ 8 h.\n")
    raw = to_bytes(build_message(identity(user), draft))
    outbox_id = outbox.queue(cache, raw)
    outbox.set_status(cache, outbox_id, outbox.SENT)  # accepted; the copy is owed
    with another_courriel(path):
        events = Events()
        worker = make_worker(bed, user, path, events)
        worker.start()
        events.wait_for(lambda e: isinstance(e, SyncDone))
        assert copies_in_sent(bed, user, message_id_of(raw)) == []
        assert [r.id for r in outbox.unfiled(cache)] == [outbox_id]  # still owed
    events.seen.clear()
    worker.sync_now()
    events.wait_for(lambda e: isinstance(e, CacheChanged) and e.folder == SENT)
    worker.stop()
    assert len(copies_in_sent(bed, user, message_id_of(raw))) == 1
    assert outbox.unfiled(cache) == []
    with raw_client(bed, user) as client:
        client.select_folder(SENT, readonly=True)
    cache.close()


def test_a_copy_left_to_the_lock_is_filed_by_itself_once_it_is_free(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker never waits on the lock (it answers the user's commands, review of
    round 13): it looks again LOCKED_RETRY_SECONDS later and files the copy then, without
    waiting for the next sync (`courriel send` waits for that copy)."""
    from tui.core.account import worker as worker_module

    monkeypatch.setattr(worker_module, "LOCKED_RETRY_SECONDS", 0.5)
    user = bed.new_user()
    path = tmp_path / "c.sqlite"
    cache = Cache.open(path)
    raw = to_bytes(build_message(identity(user), Draft(to="a@exterieur.fr", body="x\n")))
    outbox.set_status(cache, outbox.queue(cache, raw), outbox.SENT)
    events = Events()
    worker = make_worker(bed, user, path, events)
    with another_courriel(path):
        worker.start()
        events.wait_for(lambda e: isinstance(e, SyncDone))
        worker.submit(FetchBody("INBOX", 1))  # answered while the lock is still taken
        events.wait_for(lambda e: isinstance(e, BodyReady))
        assert copies_in_sent(bed, user, message_id_of(raw)) == []
    events.wait_for(lambda e: isinstance(e, CacheChanged) and e.folder == SENT)
    worker.stop()
    assert len(copies_in_sent(bed, user, message_id_of(raw))) == 1
    assert outbox.unfiled(cache) == []
    cache.close()
