"""What the threaded view costs on a cache of N messages, without a server.

    python -m bench.threads 50000

Stores N generated messages (`generate.py`: ~30% replies with In-Reply-To and
References) through the sync's own `parse_summary`, then prints one JSON line of
medians over `RUNS` runs, in milliseconds: `signature_ms` (the check done at every
reload), `read_ms` (`Cache.thread_rows`), `thread_ms` (`thread_order` on those rows),
`first_page_ms` (`Cache.summaries` for the first 200 rows of the order).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.cpu import _fields
from bench.generate import messages
from tui.core.mail.summary import HEADER_FIELDS, parse_summary
from tui.core.mail.threads import thread_order
from tui.core.store.cache import Cache

RUNS = 7


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    now = datetime.now(UTC)
    key = f"BODY[HEADER.FIELDS ({HEADER_FIELDS})]".encode()
    folder = Path(tempfile.mkdtemp(prefix="courriel-bench-threads-"))
    cache = Cache.open(folder / "cache.sqlite3")
    batch = []
    for uid, raw in enumerate(messages(size), 1):
        assert isinstance(raw, bytes)
        data = {b"FLAGS": (), b"INTERNALDATE": now, b"RFC822.SIZE": len(raw), key: _fields(raw)}
        batch.append(parse_summary("INBOX", uid, data))
        if len(batch) == 500:
            cache.put_summaries(batch)
            batch = []
    cache.put_summaries(batch)

    figures: dict[str, list[float]] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = fn()
        figures.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return result

    for _ in range(RUNS):
        timed("signature_ms", lambda: cache.thread_signature("INBOX"))
        rows = timed("read_ms", lambda: cache.thread_rows("INBOX"))
        order = timed("thread_ms", lambda rows=rows: thread_order(rows))
        timed("first_page_ms", lambda order=order: cache.summaries("INBOX", order.uids[:200]))
    threads = order.depths.count(0)
    cache.close()
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    out: dict[str, float] = {"messages": size, "threads": threads}
    out.update({k: round(statistics.median(v), 1) for k, v in figures.items()})
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
