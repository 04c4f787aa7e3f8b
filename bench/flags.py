"""Memory after a flag changed on the server, and how many search results show (#22).

Run by `python -m bench` for each size (skip with `--no-flags`; `--no-sync --no-app`
runs these figures alone). For each bed (with CONDSTORE and without):

- one full sync fills a cache (not measured here: the sync figures do it);
- then, per run, a no-change resync and a resync after another client toggled `\\Seen`
  on one message, each in a fresh `bench.probe` process: the peak RSS (VmHWM) of each.
  With CONDSTORE the flag change moves HIGHESTMODSEQ (the incremental sync compares what
  changed); without it the worker's first sync is thorough: a FLAGS pass over the folder.
  The two peaks should be flat across sizes, and close to each other;
- the number of rows the app's search shows for a few words of the generated corpus
  (a search used to stop at 500), and the time to its first page on the filled cache.
"""

from __future__ import annotations

import imaplib
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Words of the generated corpus: one topic of 15, and a word in most subjects.
SEARCH_WORDS = ("brevet", "conseil classe", "dijon")

Probe = Callable[..., dict[str, Any]]

ROWS: list[tuple[str, str, str, str]] = [
    ("flags_same_rss_mib", "no-change resync, CONDSTORE: peak RSS (MiB)", "{:.1f}", "flat"),
    ("flags_changed_rss_mib", "  after a remote flag change: peak RSS (MiB)", "{:.1f}", "flat"),
    ("flags_plain_rss_mib", "no CONDSTORE, remote \\Seen change: peak RSS (MiB)", "{:.1f}", "flat"),
    *[
        row
        for word in SEARCH_WORDS
        for row in (
            (f"search_{word}_count", f"search « {word} »: rows shown", "{:.0f}", "all"),
            (f"search_{word}_ms", "  search → first page of 200 (ms)", "{:.1f}", ""),
        )
    ],
]


def toggle_seen(bed: Any, user: Any, uid: int = 1) -> None:
    """Another client toggles \\Seen on one message (the unseen count moves too)."""
    context = ssl.create_default_context(cafile=str(bed.dovecot.cert))
    with imaplib.IMAP4_SSL("127.0.0.1", bed.imap_port, ssl_context=context) as imap:
        imap.login(user.username, user.password)
        imap.select("INBOX")
        _status, data = imap.uid("FETCH", str(uid), "(FLAGS)")
        seen = any(b"\\Seen" in (d if isinstance(d, bytes) else b"") for d in data)
        imap.uid("STORE", str(uid), "-FLAGS" if seen else "+FLAGS", "(\\Seen)")
        imap.logout()


def search_counts(cache_path: Path, size: int, results: Any) -> None:
    """Rows the mailbox's search would list, and the query's time."""
    from tui.core.store.cache import Cache

    cache = Cache.open(cache_path, check=False)
    try:
        for word in SEARCH_WORDS:
            started = time.perf_counter()
            if hasattr(cache, "start_results"):  # the list pages through every result
                cache.start_results(word)
                shown = cache.result_count()
                cache.result_page(0, 200)  # the first page the list draws
            else:  # before #22: the list held `search`'s first 500
                shown = len(cache.search(word))
            results.add(f"search_{word}_ms", size, (time.perf_counter() - started) * 1000)
            results.add(f"search_{word}_count", size, shown)
    finally:
        cache.close()


def flag_figures(beds: Any, size: int, runs: int, results: Any, probe: Probe) -> None:
    """Peak RSS of a resync with and without a remote flag change, both beds."""
    work = beds.tmp / f"flags{size}"
    work.mkdir()
    for bed, tag in ((beds.main, "condstore"), (beds.plain, "plain")):
        user = beds.user(bed, size)
        cache = work / f"{tag}.sqlite3"
        full = probe(beds, bed, size, cache, body_after=None)
        if full["cached"] != size:
            raise RuntimeError(f"flags: the fill cached {full['cached']} of {size}")
        if tag == "condstore":
            search_counts(cache, size, results)
        for _run in range(runs):
            if tag == "condstore":
                same = probe(beds, bed, size, cache, mode="resync")
                results.add("flags_same_rss_mib", size, same["rss_peak_kib"] / 1024)
            toggle_seen(bed, user)
            changed = probe(beds, bed, size, cache, mode="resync")
            key = "flags_changed_rss_mib" if tag == "condstore" else "flags_plain_rss_mib"
            results.add(key, size, changed["rss_peak_kib"] / 1024)
