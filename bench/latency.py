"""From a command to its event: how long a user action waits for the account service (#15).

Run by `python -m bench` for the largest size (skip with `--no-latency`). On the
CONDSTORE bed, with the real `AccountWorker`:

- a flag toggled on the UI side (`Account.flag_many`, what `!` does today: the UI's own
  connection writes, then the worker replays): the local feedback;
- a `SetFlags` Command submitted to a connected, idle worker until its `CacheChanged`
  Event comes back: the service applying an action and answering;
- the same Command while the worker is busy with a cold start's backfill (one window of
  history at a time): what a user pressing a key during the first sync waits for.

The undo window is an hour, so nothing reaches the server: only the local path is timed.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path
from typing import Any

SAMPLES = 15

ROWS: list[tuple[str, str, str, str]] = [
    ("latency_local_ms", "flag toggle, UI side: local feedback (ms)", "{:.1f}", ""),
    ("latency_idle_ms", "command → event, service idle (ms)", "{:.1f}", "< 50"),
    ("latency_backfill_ms", "command → event, during the backfill (ms)", "{:.0f}", ""),
]


class _Waiter:
    """Events from the worker's thread; wait for the next CacheChanged of a folder."""

    def __init__(self) -> None:
        self.changed = threading.Event()
        self.synced = threading.Event()
        self.failures: list[str] = []

    def __call__(self, event: Any) -> None:
        from tui.core.account import contract as c

        if isinstance(event, c.CacheChanged):
            self.changed.set()
        elif isinstance(event, c.FolderSynced):
            self.synced.set()
        elif isinstance(event, c.Offline | c.AuthFailed | c.CommandFailed):
            self.failures.append(repr(event)[:300])


def _worker(beds: Any, bed: Any, user: Any, cache_path: Path, waiter: _Waiter, sync: bool) -> Any:
    from tui.core.account.worker import AccountWorker
    from tui.core.net.trust import TrustStore

    return AccountWorker(
        host="127.0.0.1",
        port=bed.imap_port,
        username=user.username,
        password=user.password,
        trust=TrustStore(beds.tmp / "trust.toml", cafile=Path(bed.dovecot.cert)),
        cache_path=cache_path,
        on_event=waiter,
        undo_seconds=3600.0,
        sync_on_connect=sync,
    )


def _round_trips(worker: Any, waiter: _Waiter, uids: list[int], pause: float) -> list[float]:
    """Submit SetFlags on each uid in turn; milliseconds until its CacheChanged."""
    from tui.core.account.contract import SetFlags

    times: list[float] = []
    for index, uid in enumerate(uids):
        waiter.changed.clear()
        flag = ("\\Flagged",)
        command = (
            SetFlags("INBOX", (uid,), add=flag)
            if index % 2 == 0
            else SetFlags("INBOX", (uid,), remove=flag)
        )
        started = time.perf_counter()
        worker.submit(command)
        if not waiter.changed.wait(60):
            raise RuntimeError(f"latency: no CacheChanged ({waiter.failures})")
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(pause)
    return times


def latency_figures(beds: Any, size: int, results: Any, probe: Any) -> None:
    from tui.account import Account
    from tui.config import Config, defaults
    from tui.core.store.cache import Cache

    bed = beds.main
    user = beds.user(bed, size)
    work = beds.tmp / f"latency{size}"
    work.mkdir()
    cache_path = work / "cache.sqlite3"
    full = probe(beds, bed, size, cache_path, body_after=None)
    if full["cached"] != size:
        raise RuntimeError(f"latency: the fill cached {full['cached']} of {size}")

    cache = Cache.open(cache_path, check=False)
    try:
        account = Account(Config(work / "c.toml", defaults()), cache)
        uids = cache.uids("INBOX")[-SAMPLES:]
        for index, uid in enumerate(uids):
            started = time.perf_counter()
            account.flag_many([("INBOX", uid)], "\\Flagged", index % 2 == 0)
            results.add("latency_local_ms", size, (time.perf_counter() - started) * 1000)
    finally:
        cache.close()

    waiter = _Waiter()
    worker = _worker(beds, bed, user, cache_path, waiter, sync=False)
    worker.start()
    try:
        time.sleep(1.0)  # connected and idle
        for value in _round_trips(worker, waiter, uids, 0.05):
            results.add("latency_idle_ms", size, value)
    finally:
        worker.stop(timeout=60)

    # Cold: a new cache, the first sync's page, then keys pressed during the backfill.
    cold_path = work / "cold.sqlite3"
    waiter = _Waiter()
    worker = _worker(beds, bed, user, cold_path, waiter, sync=True)
    worker.start()
    try:
        if not waiter.synced.wait(120):
            raise RuntimeError(f"latency: no first page ({waiter.failures})")
        reader = Cache.open(cold_path, check=False)
        try:
            first = reader.uids("INBOX")[-SAMPLES:]
        finally:
            reader.close()
        times = _round_trips(worker, waiter, first, 0.3)
        for value in times:
            results.add("latency_backfill_ms", size, value)
        results.notes.append(
            f"latency at {size}: during the backfill, max {max(times):.0f} ms, "
            f"median {statistics.median(times):.0f} ms over {len(times)} commands"
        )
    finally:
        worker.stop(timeout=60)
