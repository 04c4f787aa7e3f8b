"""The account worker thread against the real Dovecot: events, priorities, offline, stop."""

from __future__ import annotations

import queue
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.bed.dovecot import User
from tests.conftest import Bed
from tests.mail_helpers import BedTrust, raw_client, seed, server_snapshot, snapshot
from tui.core.account.contract import (
    AuthFailed,
    BackfillDone,
    BodyReady,
    CacheChanged,
    CacheRebuilt,
    CertificateDecisionNeeded,
    CertificateRefused,
    CommandFailed,
    Connected,
    Event,
    FetchBody,
    FoldersChanged,
    FolderSynced,
    Notice,
    Offline,
    SearchResults,
    SearchServer,
    SetFlags,
    Stopped,
    SyncDone,
    Syncing,
)
from tui.core.account.worker import AccountWorker
from tui.core.net.certificates import CertificateInfo, Pin
from tui.core.net.trust import CertificateChanged, TrustStore
from tui.core.store.cache import Cache

pytestmark = pytest.mark.server


class Events:
    """Collects the worker's events; `wait_for` blocks until a matching one arrives."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Event] = queue.Queue()
        self.seen: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.queue.put(event)

    def wait_for(self, match: Callable[[Event], bool], timeout: float = 60) -> Event:
        for event in self.seen:
            if match(event):
                return event
        while True:
            event = self.queue.get(timeout=timeout)
            self.seen.append(event)
            if match(event):
                return event


def make_worker(
    bed: Bed, user: User, path: Path, events: Events, trust: TrustStore | None = None, **kw: object
) -> AccountWorker:
    return AccountWorker(
        host="localhost",
        port=bed.imap_port,
        username=user.username,
        password=user.password,
        trust=trust or BedTrust(bed),
        cache_path=path,
        on_event=events,
        **kw,  # type: ignore[arg-type]
    )


def test_body_request_answered_during_backfill(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    seed(bed, user, 2000)
    events = Events()
    worker = make_worker(bed, user, tmp_path / "c.sqlite", events, chunk=50)
    worker.start()
    events.wait_for(lambda e: isinstance(e, Connected))
    events.wait_for(lambda e: isinstance(e, FoldersChanged))
    events.wait_for(lambda e: isinstance(e, Syncing) and e.folder == "INBOX" and e.index == 1)
    first = events.wait_for(lambda e: isinstance(e, FolderSynced) and e.result.folder == "INBOX")
    assert isinstance(first, FolderSynced) and first.result.backfill_remaining
    worker.submit(FetchBody("INBOX", 3))  # an old message, not yet in the cache
    body = events.wait_for(lambda e: isinstance(e, BodyReady))
    assert isinstance(body, BodyReady) and body.raw and b"Message 3" in body.raw
    # Answered between two backfill windows, long before the backfill finished.
    assert not any(isinstance(e, BackfillDone) and e.folder == "INBOX" for e in events.seen)
    events.wait_for(lambda e: isinstance(e, SyncDone))
    events.wait_for(lambda e: isinstance(e, BackfillDone) and e.folder == "INBOX")
    worker.submit(SearchServer("INBOX", "Message 1999"))
    found = events.wait_for(lambda e: isinstance(e, SearchResults))
    assert isinstance(found, SearchResults) and [s.uid for s in found.results] == [1999]
    worker.stop()
    events.wait_for(lambda e: isinstance(e, Stopped))
    assert not worker.alive
    cache = Cache.open(tmp_path / "c.sqlite")
    assert cache.count("INBOX") == 2000
    assert cache.body("INBOX", 3) is not None


def test_auth_failure_is_reported_once_not_retried(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    events = Events()
    worker = make_worker(
        bed,
        User(user.username, "mauvais", user.email),
        tmp_path / "c.sqlite",
        events,
        backoff_start=0.01,
    )
    worker.start()
    events.wait_for(lambda e: isinstance(e, AuthFailed))
    worker.submit(FetchBody("INBOX", 1))  # answered from the (empty) cache
    events.wait_for(lambda e: isinstance(e, BodyReady))
    assert sum(isinstance(e, AuthFailed) for e in events.seen) == 1
    worker.resume(user.password)  # the user typed the right one
    events.wait_for(lambda e: isinstance(e, Connected))
    worker.stop()


def test_certificate_decision_is_passed_up(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    events = Events()
    worker = make_worker(
        bed, user, tmp_path / "c.sqlite", events, trust=TrustStore(tmp_path / "trust.toml")
    )
    worker.start()
    event = events.wait_for(lambda e: isinstance(e, CertificateDecisionNeeded))
    assert isinstance(event, CertificateDecisionNeeded) and event.error.info.port == bed.imap_port
    worker.stop()
    assert not worker.alive


def test_offline_action_replayed_after_reconnect(fresh_bed: Bed, tmp_path: Path) -> None:
    user = fresh_bed.new_user()
    seed(fresh_bed, user, 10)
    events = Events()
    worker = make_worker(fresh_bed, user, tmp_path / "c.sqlite", events, backoff_start=0.05)
    worker.start()
    events.wait_for(lambda e: isinstance(e, SyncDone))
    fresh_bed.dovecot.stop()
    # The running imap process outlives Dovecot's master: cut the link from our side.
    assert worker._conn is not None and worker._conn.client is not None
    worker._conn.client.socket().shutdown(socket.SHUT_RDWR)
    worker.submit(SetFlags("INBOX", (2, 4), add=("\\Seen", "\\Flagged")))
    events.wait_for(lambda e: isinstance(e, CacheChanged))
    offline = events.wait_for(lambda e: isinstance(e, Offline))
    assert isinstance(offline, Offline) and offline.since.tzinfo is not None
    fresh_bed.dovecot.start()
    events.seen.clear()  # from here on, only what follows the restart
    worker.sync_now()
    events.wait_for(lambda e: isinstance(e, Connected))
    events.wait_for(lambda e: isinstance(e, SyncDone))
    worker.stop()
    server = {uid: flags for uid, _s, flags in server_snapshot(fresh_bed, user)}
    assert server[2] == ("\\Flagged", "\\Seen") and server[4] == ("\\Flagged", "\\Seen")
    cache = Cache.open(tmp_path / "c.sqlite")
    assert cache.pending_ops() == []
    assert snapshot(cache) == server_snapshot(fresh_bed, user)
    with raw_client(fresh_bed, user) as other:
        other.select_folder("INBOX", readonly=True)


def test_changed_certificate_is_refused_loudly(bed: Bed, tmp_path: Path) -> None:
    class PinnedElsewhere(BedTrust):
        def check_peer(self, host: str, port: int, der: bytes | None) -> None:
            raise CertificateChanged(
                CertificateInfo(host, port, "", (), "", None, None, "AA", "changed"),
                Pin(host, port, "BB", "2026-01-01"),
            )

    user = bed.new_user()
    events = Events()
    worker = make_worker(bed, user, tmp_path / "c.sqlite", events, trust=PinnedElsewhere(bed))
    worker.start()
    event = events.wait_for(lambda e: isinstance(e, CertificateRefused))
    assert isinstance(event, CertificateRefused) and isinstance(event.error, CertificateChanged)
    assert bed.dovecot.logins(user.username) == 0  # refused before LOGIN
    worker.stop()
    assert not worker.alive


def test_a_cache_corrupt_deep_inside_is_rebuilt_by_the_worker(bed: Bed, tmp_path: Path) -> None:
    """The UI opens without quick_check (fast start); the worker checks, rebuilds from
    the server and says so, and the UI's reopened cache has the mail."""
    user = bed.new_user()
    seed(bed, user, 300)
    path = tmp_path / "c.sqlite"
    events = Events()
    worker = make_worker(bed, user, path, events)
    worker.start()
    events.wait_for(lambda e: isinstance(e, SyncDone))
    worker.stop()
    data = path.read_bytes()
    path.write_bytes(data[:4096] + b"\xff" * 8192 + data[12288:])
    ui = Cache.open(path, check=False)
    assert not ui.notices  # header and schema readable: the UI draws at once
    events = Events()
    worker = make_worker(bed, user, path, events)
    worker.start()
    events.wait_for(lambda e: isinstance(e, CacheRebuilt))
    events.wait_for(lambda e: isinstance(e, SyncDone))
    worker.stop()
    ui.close()
    assert list(tmp_path.glob("c.corrupt-*"))
    reopened = Cache.open(path, check=False)
    assert reopened.count("INBOX") >= 100
    reopened.close()


def dated(n: int, when: datetime, body: str = "") -> bytes:
    from email.message import EmailMessage
    from email.utils import format_datetime

    msg = EmailMessage()
    msg["From"] = f"collegue{n}@ac-dijon.fr"
    msg["To"] = "prenom.nom@ac-dijon.fr"
    msg["Subject"] = f"Récent {n}"
    msg["Date"] = format_datetime(when)
    msg.set_content(body or f"Corps du message {n}.")
    return bytes(msg)


def test_recent_bodies_are_fetched_ahead_to_read_offline(bed: Bed, tmp_path: Path) -> None:
    """Issue #17: offline, a message never opened stayed « Chargement… ». With
    `[sync] prefetch_days`, the inbox's recent bodies are cached after each sync, read
    with BODY.PEEK (nothing marked read); an old message and a very big one wait."""
    user = bed.new_user()
    now = datetime.now(UTC)
    with raw_client(bed, user) as client:
        client.append("INBOX", dated(1, now - timedelta(days=30)))  # old
        client.append("INBOX", dated(2, now - timedelta(days=2)))
        client.append("INBOX", dated(3, now - timedelta(hours=1), "x" * (3 * 1024 * 1024)))
        client.append("INBOX", dated(4, now - timedelta(minutes=5)))
    events = Events()
    worker = make_worker(bed, user, tmp_path / "c.sqlite", events, prefetch_days=7)
    worker.start()
    events.wait_for(lambda e: isinstance(e, SyncDone))
    cache = Cache.open(tmp_path / "c.sqlite")
    deadline = time.monotonic() + 20
    while cache.body_size("INBOX", 2) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    worker.stop()
    events.wait_for(lambda e: isinstance(e, Stopped))
    assert cache.body_size("INBOX", 4) is not None and cache.body_size("INBOX", 2) is not None
    assert cache.body_size("INBOX", 1) is None  # older than 7 days
    assert cache.body_size("INBOX", 3) is None  # over 2 MB: fetched when opened
    assert all("\\Seen" not in flags for _uid, _subject, flags in server_snapshot(bed, user))


def _recent_inbox(bed: Bed, user: User, count: int, body: str = "") -> None:
    now = datetime.now(UTC)
    with raw_client(bed, user) as client:
        for n in range(count):
            client.append("INBOX", dated(n, now - timedelta(hours=n + 1), body))


def _fetches(monkeypatch: pytest.MonkeyPatch, fail: dict[int, Exception]) -> list[int]:
    """Record every body FETCH of the worker; `fail`: what the server does for a uid."""
    from tui.core.net import imap as imap_module

    seen: list[int] = []
    real = imap_module.ImapConnection.fetch_body

    def fetch_body(self: imap_module.ImapConnection, uid: int) -> bytes | None:
        seen.append(uid)
        if uid in fail:
            raise fail[uid]
        return real(self, uid)

    monkeypatch.setattr(imap_module.ImapConnection, "fetch_body", fetch_body)
    return seen


def _run_for(worker: AccountWorker, events: Events, seconds: float) -> None:
    worker.start()
    events.wait_for(lambda e: isinstance(e, SyncDone))
    time.sleep(seconds)
    worker.stop()
    events.wait_for(lambda e: isinstance(e, Stopped))


def test_prefetch_stops_at_half_the_body_budget_and_never_refetches(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review of #17: with a week of bodies over the budget, each prefetched body evicted
    an earlier one, fetched again: 905 FETCHes in 5 s, forever."""
    from tui.core.store import cache as cache_module

    user = bed.new_user()
    _recent_inbox(bed, user, 8, "y" * 100_000)
    real_open = cache_module.Cache.open.__func__  # type: ignore[attr-defined]

    def small(cls: type, path: Path, *args: object, **kwargs: object) -> Cache:
        kwargs["body_budget"] = 500_000
        return real_open(cls, path, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(cache_module.Cache, "open", classmethod(small))
    seen = _fetches(monkeypatch, {})
    events = Events()
    _run_for(make_worker(bed, user, tmp_path / "c.sqlite", events, prefetch_days=7), events, 2)
    assert 1 <= len(seen) <= 4 and len(seen) == len(set(seen)), seen  # half of 500 KB


@pytest.mark.parametrize("answer", ["no", "bye"])
def test_a_body_the_server_will_not_give_is_skipped_quietly(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    """Review of #17: a NO re-ran the step 59,122 times in 3 s, each an error toast; a
    BYE (Dovecot, on a message file it cannot read) took the account offline for it
    again and again. Each body is tried once; the others still come."""
    from tui.core.errors import ConnectionLost
    from tui.core.net.imap import CommandFailed as ServerRefused

    user = bed.new_user()
    _recent_inbox(bed, user, 3)
    failure: Exception = (
        ServerRefused("Le serveur a refusé la commande.", detail="NO [SERVERBUG]")
        if answer == "no"
        else ConnectionLost("La connexion au serveur a été perdue.", detail="BYE")
    )
    seen = _fetches(monkeypatch, {1: failure})
    events = Events()
    worker = make_worker(
        bed, user, tmp_path / "c.sqlite", events, prefetch_days=7, backoff_start=0.05
    )
    _run_for(worker, events, 2)
    while not events.queue.empty():
        events.seen.append(events.queue.get())
    assert seen.count(1) == 1 and sorted(set(seen)) == [1, 2, 3], seen
    assert not any(isinstance(e, CommandFailed | Notice) for e in events.seen), events.seen
