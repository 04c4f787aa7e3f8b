"""IMAP IDLE against the real Dovecot: new mail announced without a periodic sync."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.mail_helpers import BedTrust, message, seed
from tests.test_worker import Events, make_worker
from tui.core.account.contract import Connected, FolderSynced, SyncDone, SyncFolder
from tui.core.net.idle import IdleWatcher
from tui.core.net.imap import ImapConnection

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


def test_a_dropped_idle_connection_reconnects_without_spinning_and_catches_up(
    fresh_bed: Bed,
) -> None:
    """Issue #24: killing the server side of IDLE left the thread polling a dead socket
    at 99 % CPU for minutes; and once reconnected, a message delivered during the gap
    was never shown, since IDLE only reports what happens from then on."""
    import resource

    bed = fresh_bed
    user = bed.new_user()
    seed(bed, user, 1)
    changed = threading.Event()
    conn = ImapConnection("localhost", bed.imap_port, user.username, user.password, BedTrust(bed))
    idle = IdleWatcher(conn, changed.set, backoff_start=3.0)
    idle.start()
    try:
        assert idle.idling.wait(20)
        bed.dovecot.stop()  # its processes close their connections (Dovecot takes ~9 s)
        deadline = time.monotonic() + 30
        while idle.idling.is_set():
            assert time.monotonic() < deadline, "the closed IDLE connection was not noticed"
            time.sleep(0.1)
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(4)  # the server gone: the thread waits, it does not poll a dead socket
        after = resource.getrusage(resource.RUSAGE_SELF)
        used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
        assert used < 1.0, f"{used:.1f} s of CPU in 4 s with the server gone"
        bed.dovecot.start()
        bed.dovecot.deliver(user.username, message(2, "Arrivé pendant la coupure"))
        assert changed.wait(30), "the message delivered during the gap was never synced"
        assert idle.idling.wait(30)
    finally:
        idle.stop()
