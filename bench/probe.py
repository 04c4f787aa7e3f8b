"""One measured sync, in a process of its own (clean RSS, nothing shared between runs).

    python -m bench.probe '{"mode": "first", "port": ..., ...}'

Runs the real `AccountWorker` (the thread the app uses) against the bed and prints one
JSON line of timings (seconds from the worker's start) and RSS (KiB):

- mode "first": empty cache; `first_page` when INBOX's newest page is committed;
  with `stop_after_first` the session ends there (LOGOUT), so the server's byte counter
  is what the first page cost; otherwise it waits for INBOX's backfill to finish, and
  `body_after` seconds after the first page asks for the oldest message's body
  (FetchBody), timing the answer while the backfill runs.
- mode "resync": the cache is there; one SyncAll (LIST, quota, every folder), then stop.
"""

from __future__ import annotations

import itertools
import json
import resource
import sys
import threading
import time
from pathlib import Path


def rss_kib() -> int:
    """Peak RSS of this process (VmHWM). Not getrusage's ru_maxrss: Linux carries that
    over exec from the forked parent, so a child of a big parent reads the parent's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    args = {"mode": "first", **json.loads(sys.argv[1])}
    from tui.core.account import contract
    from tui.core.account import worker as w
    from tui.core.net.trust import TrustStore
    from tui.core.store.cache import Cache

    base_rss = rss_kib()
    marks: dict[str, float] = {}
    chunks: list[float] = []
    done = threading.Event()
    first = threading.Event()
    body = threading.Event()
    errors: list[str] = []
    holder: dict[str, w.AccountWorker] = {}
    started = time.perf_counter()

    def on_event(event: contract.Event) -> None:
        now = time.perf_counter() - started
        if isinstance(event, contract.Connected):
            marks.setdefault("connected", now)
        elif isinstance(event, contract.FolderSynced) and event.result.folder == "INBOX":
            marks.setdefault("first_page", now)
            if args.get("stop_after_first"):
                holder["worker"].submit(contract.Stop())
            first.set()
        elif (
            isinstance(event, contract.Progress)
            and event.folder == "INBOX"
            and "first_page" in marks
        ):
            chunks.append(now)
        elif isinstance(event, contract.BackfillDone) and event.folder == "INBOX":
            marks["backfill"] = now
            if args["mode"] == "first":
                done.set()
        elif isinstance(event, contract.SyncDone):
            marks["sync_done"] = now
            if args["mode"] == "resync":
                done.set()
        elif isinstance(event, contract.BodyReady):
            marks["body_ready"] = now
            if event.raw is None:
                errors.append("body not found")
            body.set()
        elif isinstance(
            event, (contract.Offline, contract.AuthFailed, contract.CertificateDecisionNeeded)
        ):
            errors.append(type(event).__name__ + ": " + repr(event)[:300])
            done.set()
            first.set()
        elif isinstance(event, contract.CommandFailed):
            errors.append(repr(event)[:300])

    tmp = Path(args["tmp"])
    worker = w.AccountWorker(
        host="127.0.0.1",
        port=args["port"],
        username=args["username"],
        password=args["password"],
        trust=TrustStore(tmp / "trust.toml", cafile=Path(args["cafile"])),
        cache_path=Path(args["cache"]),
        on_event=on_event,
    )
    holder["worker"] = worker
    worker.start()
    timeout = args.get("timeout", 600)
    first.wait(timeout)
    if args["mode"] == "first" and not args.get("stop_after_first"):
        delay = args.get("body_after")
        if delay is not None and not done.wait(delay):
            asked = time.perf_counter() - started
            worker.submit(contract.FetchBody("INBOX", 1))
            body.wait(timeout)
            marks["body_latency"] = marks.get("body_ready", float("nan")) - asked
        done.wait(timeout)
    elif args["mode"] == "resync":
        done.wait(timeout)
    worker.stop(timeout=60)
    marks["stopped"] = time.perf_counter() - started
    peak = rss_kib()
    cache = Cache.open(Path(args["cache"]))
    cached = cache.count("INBOX")
    cache.close()
    gaps = [b - a for a, b in itertools.pairwise(chunks)]
    print(
        json.dumps(
            {
                **marks,
                "cached": cached,
                "rss_base_kib": base_rss,
                "rss_peak_kib": peak,
                "chunk_max": max(gaps) if gaps else None,
                "chunk_median": sorted(gaps)[len(gaps) // 2] if gaps else None,
                "errors": errors,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
