"""Acting on many messages at once, and undoing it (#19).

The account applies a batch to the cache in one transaction and queues it for the
server as operations of at most actions.OP_UIDS messages; `u` puts the whole batch
back while its work is still queued. Checked against the real Dovecot, the server's
state read back over IMAP with a client of the test's own.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.bed.dovecot import User
from tests.conftest import Bed
from tests.mail_helpers import raw_client, seed
from tests.test_cache import make
from tests.test_worker import Events, make_worker
from tui import undo
from tui.account import Account
from tui.config import Config, defaults
from tui.core.account.contract import ActionsSent, Connected, Stopped, SyncDone
from tui.core.store import actions
from tui.core.store.cache import Cache

WINDOW = 0.6


def account_on(cache: Cache, window: float = WINDOW) -> Account:
    return Account(Config(Path("c.toml"), defaults()), cache, undo_window=lambda: window)


def fully_synced(bed: Bed, user: User, path: Path) -> None:
    """Every message of the INBOX in the cache, backfill included (a small folder
    needs no backfill: no BackfillDone comes then)."""
    events = Events()
    worker = make_worker(bed, user, path, events)
    worker.start()
    events.wait_for(lambda e: isinstance(e, SyncDone), timeout=120)
    expected = counts(bed, user, "INBOX")[0]
    cache = Cache.open(path)
    deadline = time.monotonic() + 120
    while cache.count("INBOX") < expected:
        assert time.monotonic() < deadline, "the backfill never finished"
        time.sleep(0.2)
    cache.close()
    worker.stop()
    events.wait_for(lambda e: isinstance(e, Stopped))


def counts(bed: Bed, user: User, *folders: str) -> list[int]:
    with raw_client(bed, user) as client:
        return [client.folder_status(f, ["MESSAGES"])[b"MESSAGES"] for f in folders]


def flagged(bed: Bed, user: User) -> int:
    with raw_client(bed, user) as client:
        client.select_folder("INBOX", readonly=True)
        return len(client.search(["FLAGGED"]))


def replayed(bed: Bed, user: User, path: Path, until: object, timeout: float = 120) -> Events:
    """Start a worker and let it replay the queue until `until()` holds; its events."""
    events = Events()
    worker = make_worker(bed, user, path, events, undo_seconds=WINDOW, sync_on_connect=False)
    worker.start()
    try:
        events.wait_for(lambda e: isinstance(e, Connected))
        deadline = time.monotonic() + timeout
        while not until():  # type: ignore[operator]
            assert time.monotonic() < deadline, "the server never agreed"
            time.sleep(0.3)
    finally:
        worker.stop()
        events.wait_for(lambda e: isinstance(e, Stopped))
    return events


@pytest.mark.server
def test_five_thousand_marked_messages_go_to_the_trash_in_batches(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    seed(bed, user, 5000)
    path = tmp_path / "c.sqlite"
    fully_synced(bed, user, path)
    cache = Cache.open(path)
    account = account_on(cache)
    keys = [("INBOX", uid) for uid in cache.uids("INBOX")]
    assert len(keys) == 5000

    assert account.delete(keys) == 5000
    assert cache.count("INBOX") == 0  # at once, before the server hears of it
    ops = cache.pending_ops()
    assert len(ops) == 10 and all(len(op.uids) <= actions.OP_UIDS for op in ops)
    assert counts(bed, user, "INBOX") == [5000]  # inside the undo window

    events = replayed(bed, user, path, lambda: counts(bed, user, "INBOX", "Corbeille") == [0, 5000])
    assert cache.pending_ops() == []
    # The status bar counts the batch down: « au serveur : 3/10 ».
    # (The worker may send the 10 operations in more than one pass.)
    sent = [(e.done, e.total) for e in events.seen if isinstance(e, ActionsSent)]
    assert sent and sent[-1][0] == sent[-1][1] and all(d <= t for d, t in sent)
    assert sum(t for d, t in sent if d == t) >= 9
    cache.close()


@pytest.mark.server
def test_undoing_a_batch_puts_every_message_back_and_the_server_never_moves(
    bed: Bed, tmp_path: Path
) -> None:
    user = bed.new_user()
    seed(bed, user, 1200)
    path = tmp_path / "c.sqlite"
    fully_synced(bed, user, path)
    cache = Cache.open(path)
    account = account_on(cache, window=3.0)
    keys = [("INBOX", uid) for uid in cache.uids("INBOX")]
    first = cache.page("INBOX", 0, 1)[0]

    account.move(keys, "Corbeille")
    assert (cache.count("INBOX"), cache.count("Corbeille")) == (0, 0)
    entry = account.undo()
    assert entry is not None and len(entry.summaries) == 1200
    assert cache.count("INBOX") == 1200
    assert cache.page("INBOX", 0, 1)[0] == first  # as it was, flags and all
    assert cache.pending_ops() == []
    assert cache.folder_row("INBOX").total == 1200  # type: ignore[union-attr]

    replayed(bed, user, path, lambda: True)
    time.sleep(3.5)  # past the window: nothing was left to replay
    assert counts(bed, user, "INBOX", "Corbeille") == [1200, 0]
    cache.close()


@pytest.mark.server
def test_flagging_marked_messages_reaches_the_server_and_can_be_undone(
    bed: Bed, tmp_path: Path
) -> None:
    user = bed.new_user()
    seed(bed, user, 700)
    path = tmp_path / "c.sqlite"
    fully_synced(bed, user, path)
    cache = Cache.open(path)
    account = account_on(cache)
    keys = [("INBOX", uid) for uid in cache.uids("INBOX")]

    assert account.flag_many(keys[:300], "\\Flagged", True) == 300
    entry = account.undo()
    assert entry is not None and not entry.removed
    assert all("\\Flagged" not in s.flags for s in cache.summaries("INBOX", cache.uids("INBOX")))
    assert cache.pending_ops() == []

    assert account.flag_many(keys, "\\Flagged", True) == 700
    assert account.any_without(keys, "\\Flagged") is False
    replayed(bed, user, path, lambda: flagged(bed, user) == 700)
    # Messages already as asked are left out of a batch.
    assert account.flag_many(keys[:10], "\\Flagged", True) == 0
    cache.close()


def test_a_batch_over_the_limit_keeps_no_undo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(undo, "UNDO_MAX_MESSAGES", 5)
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries([make("INBOX", uid) for uid in range(1, 9)])
    account = account_on(cache)
    account.delete([("INBOX", uid) for uid in range(1, 9)])
    assert not account.can_undo  # too big to hold: the screen asked before
    account.delete([])
    cache.close()


def test_an_undo_entry_is_let_go_when_its_window_closes(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries([make("INBOX", uid) for uid in range(1, 4)])
    account = account_on(cache, window=0.2)
    account.delete([("INBOX", 1), ("INBOX", 2)])
    assert account.can_undo
    time.sleep(0.25)
    account.forget_expired_undo()
    assert not account.can_undo  # the summaries are not kept past any use
    assert account.undo() is None
    cache.close()


def test_a_batch_across_folders_is_one_action(tmp_path: Path) -> None:
    """Search results mix folders: one `d` on marked results, one `u` to undo."""
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries([make("INBOX", 1), make("INBOX", 2), make("Projets", 7)])
    account = account_on(cache)
    assert account.delete([("INBOX", 2), ("Projets", 7), ("Projets", 99)]) == 2
    assert (cache.count("INBOX"), cache.count("Projets")) == (1, 0)
    assert {op.folder for op in cache.pending_ops()} == {"INBOX", "Projets"}
    entry = account.undo()
    assert entry is not None and len(entry.op_ids) == 2
    assert (cache.count("INBOX"), cache.count("Projets")) == (2, 1)
    cache.close()


async def test_the_status_bar_counts_a_batch_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.app_helpers import demo_app
    from tui.bridge import carry
    from tui.widgets.status_bar import StatusBar

    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            status = app.screen.query_one(StatusBar)
            app.post_message(carry(ActionsSent(3, 20)))
            await pilot.pause()
            assert status.sending == (3, 20)
            assert "au serveur : 3/20" in str(status.render())
            app.post_message(carry(ActionsSent(20, 20)))
            await pilot.pause()
            assert status.sending is None
