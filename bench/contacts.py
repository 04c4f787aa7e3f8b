"""Address completion at 5,000 and 50,000 contacts (#20): reading the book, cleaning
and indexing it (once per compose screen, in a thread with its own connection:
tui/widgets/address_input.py), and each keystroke's search (on the UI thread).

    .venv/bin/python -m bench.contacts [--sizes 5000,50000] [--runs 5]

No server: a store in a temporary folder, filled with seeded French names.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from tui.core.mail.addressbook import AddressIndex
from tui.core.store import contacts
from tui.core.store.cache import Cache

FIRST = ["Claire", "Élodie", "François", "Hélène", "Jérôme", "Zoé", "Œdipe", "Marc", "Anne"]
LAST = ["Petit", "Lefèvre", "Garçon", "Durand", "Moreau", "Roy", "Chevalier", "Bœuf"]
FRAGMENTS = ["pe", "petit", "clai", "eleve", "lef", "garc", "zz", "ac-dijon", "mar"]


def fill(cache: Cache, size: int) -> None:
    rng = random.Random(20)
    now = time.time()
    with cache.transaction() as db:
        for i in range(size):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}{i}"
            address = f"p{i}.{rng.choice(LAST).lower()}@ac-dijon.fr".replace("œ", "oe")
            db.execute(
                "INSERT INTO contacts (key, address, name, sent_count, last_sent, source, "
                "created) VALUES (?, ?, ?, ?, ?, 'sent', ?)",
                (address, address, name, rng.randint(0, 30), now - rng.random() * 4e7, now),
            )


def measure(size: int, runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        cache = Cache.open(Path(folder) / "cache.sqlite3")
        fill(cache, size)
        read, index, search = [], [], []
        for _ in range(runs):
            start = time.perf_counter()
            found = contacts.rows(cache)  # in a thread, on its own connection
            read.append(time.perf_counter() - start)
            start = time.perf_counter()
            book = AddressIndex(contacts.people(found))
            index.append(time.perf_counter() - start)
            start = time.perf_counter()
            for fragment in FRAGMENTS:
                book.search(fragment, 9)
            search.append((time.perf_counter() - start) / len(FRAGMENTS))
        cache.close()
    return {
        "read_ms": statistics.median(read) * 1000,
        "index_ms": statistics.median(index) * 1000,
        "search_ms": statistics.median(search) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="5000,50000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'contacts':>9}  {'read (ms)':>9}  {'index (ms)':>10}  {'search (ms)':>11}")
    for size in (int(s) for s in args.sizes.split(",")):
        figures = measure(size, args.runs)
        print(
            f"{size:>9,}  {figures['read_ms']:>9.1f}  {figures['index_ms']:>10.1f}"
            f"  {figures['search_ms']:>11.2f}"
        )


if __name__ == "__main__":
    main()
