"""An action keeps its undo window on connect and reconnect (issue #15).

`d` pressed before the account connected (or offline) was replayed the moment the
worker connected: the server copy was gone 0.6 s later and `u` had nothing left to
undo — in the Trash, a permanent expunge while the toast still promised « u pour
annuler ». The worker now replays an action only once its window has passed, by
itself, and `u` is refused just before that, so the two never cross.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.mail_helpers import seed, server_snapshot
from tests.test_worker import Events, make_worker
from tui.account import Account
from tui.config import Config, defaults
from tui.core.account.contract import Connected, Stopped, SyncDone
from tui.core.store import actions
from tui.core.store.cache import Cache

pytestmark = pytest.mark.server

WINDOW = 3.0


def synced_cache(bed: Bed, user, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The cache as a first session leaves it: folders and INBOX known."""
    events = Events()
    worker = make_worker(bed, user, path, events)
    worker.start()
    events.wait_for(lambda e: isinstance(e, SyncDone))
    worker.stop()
    events.wait_for(lambda e: isinstance(e, Stopped))


def subjects(bed: Bed, user, folder: str = "INBOX") -> list[str]:  # type: ignore[no-untyped-def]
    return [subject for _uid, subject, _flags in server_snapshot(bed, user, folder)]


def account_on(cache: Cache) -> Account:
    return Account(Config(Path("c.toml"), defaults()), cache, undo_window=lambda: WINDOW)


def test_an_offline_delete_can_still_be_undone_after_connecting(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    seed(bed, user, 3)
    path = tmp_path / "c.sqlite"
    synced_cache(bed, user, path)

    cache = Cache.open(path)  # the UI's connection, while the worker is not connected
    account = account_on(cache)
    account.delete([("INBOX", 3)])
    assert "Message 3" in subjects(bed, user)

    events = Events()
    worker = make_worker(bed, user, path, events, undo_seconds=WINDOW, sync_on_connect=False)
    worker.start()
    events.wait_for(lambda e: isinstance(e, Connected))
    time.sleep(0.8)
    assert "Message 3" in subjects(bed, user)  # it used to be gone by now
    restored = account.undo()
    assert restored is not None and restored.summaries[0].uid == 3
    time.sleep(WINDOW + 1)
    assert "Message 3" in subjects(bed, user)  # and it never goes
    worker.stop()
    events.wait_for(lambda e: isinstance(e, Stopped))
    cache.close()


def test_an_action_not_undone_reaches_the_server_once_its_window_passes(
    bed: Bed, tmp_path: Path
) -> None:
    user = bed.new_user()
    seed(bed, user, 3)
    path = tmp_path / "c.sqlite"
    synced_cache(bed, user, path)
    cache = Cache.open(path)
    actions.delete(cache, "INBOX", [2])

    events = Events()
    worker = make_worker(bed, user, path, events, undo_seconds=WINDOW, sync_on_connect=False)
    worker.start()
    events.wait_for(lambda e: isinstance(e, Connected))
    # Nobody asks for a replay: the worker does it when the window has passed.
    deadline = time.monotonic() + WINDOW + 10
    while "Message 2" in subjects(bed, user):
        assert time.monotonic() < deadline, "the delete never reached the server"
        time.sleep(0.2)
    # The server acts before the worker forgets the operation: wait for both.
    while cache.pending_ops():
        assert time.monotonic() < deadline, "the done operation stayed pending"
        time.sleep(0.05)
    worker.stop()
    events.wait_for(lambda e: isinstance(e, Stopped))
    cache.close()


def test_undo_is_refused_just_before_the_worker_may_replay(tmp_path: Path) -> None:
    from tests.test_cache import make

    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries([make("INBOX", 1), make("INBOX", 2)])
    account = Account(Config(Path("c.toml"), defaults()), cache, undo_window=lambda: 0.4)
    account.delete([("INBOX", 1)])
    assert account.undo() is not None  # inside the window
    account.delete([("INBOX", 2)])
    time.sleep(0.35)  # within 0.1 s of the window's end: the worker may be replaying it
    assert account.undo() is None
    cache.close()
