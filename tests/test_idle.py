"""IMAP IDLE against the real Dovecot: new mail announced without a periodic sync."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.mail_helpers import BedTrust, message, seed
from tests.test_worker import Events, make_worker
from tui.core.idle import IdleWatcher
from tui.core.imap import ImapConnection
from tui.core.worker import Connected, FolderSynced, SyncDone, SyncFolder

pytestmark = pytest.mark.server


def watcher(bed: Bed, username: str, password: str, on_change: object) -> IdleWatcher:
    conn = ImapConnection("localhost", bed.imap_port, username, password, BedTrust(bed))
    return IdleWatcher(conn, on_change, backoff_start=0.2)  # type: ignore[arg-type]


def test_delivery_wakes_the_watcher(bed: Bed) -> None:
    user = bed.new_user()
    seed(bed, user, 2)
    changed = threading.Event()
    idle = watcher(bed, user.username, user.password, changed.set)
    idle.start()
    try:
        assert idle.idling.wait(20)
        assert not changed.wait(1.5)  # nothing happens while nothing arrives
        bed.dovecot.deliver(user.username, message(3, "Arrivé en direct"))
        assert changed.wait(20)
        assert idle.idling.wait(20)  # and it idles again for the next one
    finally:
        idle.stop()
    assert not idle.alive


def test_a_wrong_password_ends_it_quietly(bed: Bed) -> None:
    user = bed.new_user()
    idle = watcher(bed, user.username, "pas-le-bon", lambda: None)
    idle.start()
    deadline = time.monotonic() + 20
    while idle.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not idle.alive and idle.ended  # gave up by itself: the worker asks the user


def test_idle_brings_new_mail_into_the_cache_through_the_worker(bed: Bed, tmp_path: Path) -> None:
    """The app's wiring: IDLE → SyncFolder(INBOX) on the sync worker → FolderSynced."""
    user = bed.new_user()
    seed(bed, user, 5)
    events = Events()
    worker = make_worker(bed, user, tmp_path / "c.sqlite", events)
    worker.start()
    events.wait_for(lambda e: isinstance(e, Connected))
    events.wait_for(lambda e: isinstance(e, SyncDone))
    idle = watcher(bed, user.username, user.password, lambda: worker.submit(SyncFolder("INBOX")))
    idle.start()
    try:
        assert idle.idling.wait(20)
        bed.dovecot.deliver(user.username, message(6, "Poussé par IDLE"))
        synced = events.wait_for(
            lambda e: (
                isinstance(e, FolderSynced) and e.result.folder == "INBOX" and e.result.new == 1
            )
        )
        assert worker.alive and synced is not None
    finally:
        idle.stop()
        worker.stop()
