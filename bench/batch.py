"""Acting on many messages, and sorting a big folder (#19).

Run by `python -m bench` for each size of at least BATCH messages, after the other
figures (it deletes messages from that size's user; skip with `--no-batch`). On the
CONDSTORE bed, from a cache filled by one full sync:

- sorting the folder by size and by sender: the order computed and the first page the
  list draws (`SortedSource`, what the list reads on the first frame after `S`);
- marking the BATCH oldest messages by pattern (« plus ancien que » the date that
  picks them out: the query and the comparison of every candidate);
- deleting them: the time to local feedback (cache updated, operations queued, as
  after `d`), then the time until the server agrees (the real `AccountWorker`
  replaying the queue, INBOX on the server down by BATCH).
"""

from __future__ import annotations

import imaplib
import shutil
import ssl
import threading
import time
from pathlib import Path
from typing import Any

BATCH = 10_000
FIRST_PAGE = 40  # rows on a large terminal

ROWS: list[tuple[str, str, str, str]] = [
    ("sort_size_ms", "sort by size: order + first page (ms)", "{:.0f}", ""),
    ("sort_sender_ms", "sort by sender: order + first page (ms)", "{:.0f}", ""),
    ("batch_mark_ms", f"mark {BATCH:,} oldest by pattern (ms)", "{:.0f}", ""),
    ("batch_local_ms", f"delete {BATCH:,} marked: local feedback (ms)", "{:.0f}", ""),
    ("batch_server_s", "  until the server agrees (s)", "{:.1f}", ""),
]


def server_count(bed: Any, user: Any) -> int:
    context = ssl.create_default_context(cafile=str(bed.dovecot.cert))
    with imaplib.IMAP4_SSL("127.0.0.1", bed.imap_port, ssl_context=context) as imap:
        imap.login(user.username, user.password)
        _status, data = imap.status("INBOX", "(MESSAGES)")
        imap.logout()
    text = data[0].decode() if isinstance(data[0], bytes) else str(data[0])
    return int(text.rsplit("MESSAGES", 1)[1].strip(" )"))


def sort_figures(cache_path: Path, size: int, runs: int, results: Any) -> None:
    from tui.core.store.cache import Cache
    from tui.core.store.sorting import Sort
    from tui.widgets.sorted_source import SortedSource

    cache = Cache.open(cache_path, check=False)
    try:
        for _run in range(runs):
            for key in ("size", "sender"):
                started = time.perf_counter()
                source = SortedSource(cache, Sort(key))
                source.count("INBOX")
                source.page("INBOX", 0, FIRST_PAGE)
                results.add(f"sort_{key}_ms", size, (time.perf_counter() - started) * 1000)
    finally:
        cache.close()


def batch_figures(beds: Any, size: int, runs: int, results: Any, probe: Any) -> None:
    """Sort figures each run; the batch delete once (it changes the server)."""
    if size < BATCH:
        return
    bed = beds.main
    user = beds.user(bed, size)
    work = beds.tmp / f"batch{size}"
    work.mkdir()
    cache_path = work / "cache.sqlite3"
    full = probe(beds, bed, size, cache_path, body_after=None)
    if full["cached"] != size:
        raise RuntimeError(f"batch: the fill cached {full['cached']} of {size}")
    sort_figures(cache_path, size, runs, results)
    shutil.copy(cache_path, work / "filled.sqlite3")
    delete_figures(beds, bed, user, cache_path, size, results)


def delete_figures(
    beds: Any, bed: Any, user: Any, cache_path: Path, size: int, results: Any
) -> None:
    from datetime import UTC, datetime

    from tui.account import Account
    from tui.config import Config, defaults
    from tui.core.account import contract
    from tui.core.account import worker as w
    from tui.core.mail.patterns import Pattern, matches
    from tui.core.net.trust import TrustStore
    from tui.core.store.cache import Cache

    cache = Cache.open(cache_path, check=False)
    try:
        dates = sorted(row[1] for row in cache.sort_rows("INBOX", "date"))
        # The BATCH oldest are before it (all of them when the folder holds no more).
        stamp = dates[BATCH] if len(dates) > BATCH else dates[-1] + 1
        cutoff = datetime.fromtimestamp(stamp, UTC)
        pattern = Pattern(before=cutoff)
        started = time.perf_counter()
        keys = [
            ("INBOX", uid)
            for uid, name, address, subject in cache.candidates("INBOX", pattern.before)
            if matches(pattern, name, address, subject)
        ]
        results.add("batch_mark_ms", size, (time.perf_counter() - started) * 1000)
        account = Account(Config(work_file(cache_path, "c.toml"), defaults()), cache)
        started = time.perf_counter()
        account.delete(keys)
        results.add("batch_local_ms", size, (time.perf_counter() - started) * 1000)
        if len(keys) != BATCH:
            results.notes.append(f"batch at {size}: {len(keys)} marked, not {BATCH}")
        before = server_count(bed, user)
    finally:
        cache.close()

    done = threading.Event()
    failures: list[str] = []

    def on_event(event: Any) -> None:
        if isinstance(
            event,
            (contract.Offline, contract.AuthFailed, contract.CommandFailed, contract.Conflicts),
        ):
            failures.append(repr(event)[:300])
            done.set()

    worker = w.AccountWorker(
        host="127.0.0.1",
        port=bed.imap_port,
        username=user.username,
        password=user.password,
        trust=TrustStore(beds.tmp / "trust.toml", cafile=Path(bed.dovecot.cert)),
        cache_path=cache_path,
        on_event=on_event,
        undo_seconds=0.0,
        sync_on_connect=False,
    )
    started = time.perf_counter()
    worker.start()
    try:
        while server_count(bed, user) > before - len(keys) and not done.is_set():
            if time.perf_counter() - started > 600:
                raise RuntimeError("batch: the server never agreed")
            time.sleep(0.2)
        results.add("batch_server_s", size, time.perf_counter() - started)
    finally:
        worker.stop(timeout=60)
    if failures:
        raise RuntimeError(f"batch: {failures}")


def work_file(cache_path: Path, name: str) -> Path:
    return cache_path.with_name(name)
