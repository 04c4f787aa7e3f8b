"""Where the backfill and the launch spend their CPU, without a server.

    python -m bench.cpu 50000

Prints one JSON line: µs per message to parse a summary (`parse_summary`, on the same
header fields the server sends) and to store it (`put_summaries`, 500 per transaction,
like a backfill step); then, on a cache of `size` rows, the milliseconds of what a
launch and a cursor move do: `Cache.open`, `count`, the first page, a page at the end,
`index_of` for the oldest message, `unread`.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from bench.generate import messages
from tui.core.mail.summary import HEADER_FIELDS, parse_summary
from tui.core.store.cache import Cache

SAMPLE = 5000


def _fields(raw: bytes) -> bytes:
    """The header fields Dovecot returns for BODY.PEEK[HEADER.FIELDS (...)]."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    wanted = {name.encode().lower() for name in HEADER_FIELDS.split()}
    lines = [
        m.group(0)
        for m in re.finditer(rb"^([^\s:]+):.*(?:\r\n[ \t].*)*", head, flags=re.M)
        if m.group(1).lower() in wanted
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    sample = min(size, SAMPLE)
    now = datetime.now(UTC)
    data = [
        (
            uid,
            {
                b"FLAGS": (b"\\Seen",),
                b"INTERNALDATE": now,
                b"RFC822.SIZE": len(raw),
                f"BODY[HEADER.FIELDS ({HEADER_FIELDS})]".encode(): _fields(raw),  # type: ignore[arg-type]
            },
        )
        for uid, raw in enumerate(messages(sample), 1)
    ]
    started = time.perf_counter()
    summaries = [parse_summary("INBOX", uid, d) for uid, d in data]
    parse_us = (time.perf_counter() - started) / sample * 1e6

    folder = Path(tempfile.mkdtemp(prefix="courriel-bench-cpu-"))
    cache = Cache.open(folder / "cache.sqlite3")
    rows = [replace(summaries[i % sample], uid=i + 1) for i in range(size)]
    started = time.perf_counter()
    for start in range(0, size, 500):
        with cache.transaction():
            cache.put_summaries(rows[start : start + 500])
    insert_us = (time.perf_counter() - started) / size * 1e6
    cache.close()

    def ms(fn: Callable[[], object]) -> float:
        started = time.perf_counter()
        fn()
        return (time.perf_counter() - started) * 1000

    figures: dict[str, list[float]] = {}
    for _ in range(3):
        started = time.perf_counter()
        c = Cache.open(folder / "cache.sqlite3")
        figures.setdefault("open_ms", []).append((time.perf_counter() - started) * 1000)
        figures.setdefault("count_ms", []).append(ms(partial(c.count, "INBOX")))
        figures.setdefault("page_first_ms", []).append(ms(partial(c.page, "INBOX", 0, 200)))
        figures.setdefault("page_last_ms", []).append(
            ms(partial(c.page, "INBOX", max(0, size - 200), 200))
        )
        figures.setdefault("index_of_ms", []).append(ms(partial(c.index_of, "INBOX", 1)))
        figures.setdefault("unread_ms", []).append(ms(partial(c.unread, "INBOX")))
        c.close()
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    out = {"parse_us": parse_us, "insert_us": insert_us}
    out.update({k: sorted(v)[1] for k, v in figures.items()})
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
