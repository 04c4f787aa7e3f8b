"""What `[sync] prefetch_days` costs (issue 17): one run, a loopback Dovecot.

    python -m bench.prefetch [--messages 300] [--kib 20]

N messages dated within the last week (each about KIB KiB of text) are put in a fresh
inbox; a worker with prefetch_days=7 syncs, then fetches them ahead. Reported: the time
from the end of the sync to the last body cached, the bytes Dovecot sent for the whole
session against a worker without prefetch, and the cache's size on disk.
"""

from __future__ import annotations

import argparse
import queue
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from tests.conftest import bed_root, start_bed
from tests.mail_helpers import BedTrust, raw_client
from tui.core.account.contract import Event, Stopped, SyncDone
from tui.core.account.worker import AccountWorker
from tui.core.store.cache import Cache


def dated(n: int, when: datetime, kib: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"collegue{n}@ac-dijon.fr"
    msg["To"] = "prenom.nom@ac-dijon.fr"
    msg["Subject"] = f"Message récent {n}"
    msg["Date"] = format_datetime(when)
    msg.set_content(("Compte rendu de la réunion. " * 40 + "\n") * max(1, kib))
    return bytes(msg)


def run(bed, user, days: int, count: int) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    events: queue.Queue[Event] = queue.Queue()
    path = Path(tempfile.mkdtemp()) / "c.sqlite"
    worker = AccountWorker(
        host="localhost",
        port=bed.imap_port,
        username=user.username,
        password=user.password,
        trust=BedTrust(bed),
        cache_path=path,
        on_event=events.put,
        prefetch_days=days,
    )
    before = len(bed.dovecot.traffic(user.username))
    worker.start()
    while not isinstance(events.get(timeout=120), SyncDone):
        pass
    synced = time.monotonic()
    cache = Cache.open(path)
    while days and _cached(cache) < count:
        time.sleep(0.05)
    seconds = time.monotonic() - synced
    worker.stop()
    while not isinstance(events.get(timeout=30), Stopped):
        pass
    time.sleep(0.5)  # Dovecot writes its session counters at logout
    sessions = bed.dovecot.traffic(user.username)[before:]
    sent = sum(s.from_server for s in sessions)
    files = [path, path.with_name(path.name + "-wal")]
    return seconds, sent, sum(f.stat().st_size for f in files if f.exists())


def _cached(cache: Cache) -> int:
    return int(cache._db.execute("SELECT COUNT(*) FROM bodies").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--kib", type=int, default=20)
    args = parser.parse_args()
    bed = start_bed(bed_root("bench-prefetch"))
    try:
        user = bed.new_user()
        now = datetime.now(UTC)
        with raw_client(bed, user) as client:
            step = timedelta(days=6) / args.messages
            mails = [dated(n, now - step * n, args.kib) for n in range(args.messages)]
            for start in range(0, len(mails), 100):
                client.multiappend("INBOX", mails[start : start + 100])
        plain = run(bed, user, 0, args.messages)
        ahead = run(bed, user, 7, args.messages)
        print(f"{args.messages} messages of ~{args.kib} KiB dated within 6 days")
        for days, (seconds, sent, size) in ((0, plain), (7, ahead)):
            line = f"prefetch_days={days}: Dovecot sent {sent / 1024:,.0f} KiB"
            line += f"; cache {size / 1024:,.0f} KiB"
            if days:
                line += f"; all bodies cached {seconds:.1f} s after the sync"
            print(line)
    finally:
        bed.stop()


if __name__ == "__main__":
    main()
