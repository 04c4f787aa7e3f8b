"""Sync figures per server of issue 16's matrix: Dovecot full, Dovecot bare, Cyrus 3.6.

    python -m bench.servers                              # 1,000 and 10,000, 3 runs
    python -m bench.servers --sizes 1000 --runs 1        # a quick try
    python -m bench.servers --servers dovecot,bare --sizes 50000 --runs 3

Why: the main bench (`python -m bench`) measures the sync only on Dovecot with nearly
every extension, so it says nothing about what courriel costs on a server that offers
less. The academy's server is not Dovecot; issue 16 asks that the bench table have a
row per server of the matrix. On the bare profile (IMAP4rev1 + LITERAL+, namespace
« INBOX. », no CONDSTORE, ESEARCH or LIST-STATUS) the figures show what a minimal
server costs; Cyrus shows a second implementation with its own extensions.

For each server, one at a time (the machine is shared): the test bed's own helpers
start it (tests/conftest.py: `start_bed`, `start_bed(profile="bare")`,
`start_cyrus_bed`), a user per size is seeded with bench/generate.py's messages —
Maildir files written straight into `cur/` on Dovecot (as `bench.Beds.seed` does), one
MULTIAPPEND of 500 messages per command on Cyrus (LITERAL+: no round trip per message;
its spool cannot be written behind its back) — then the real `AccountWorker` runs in
`bench.probe`: a first page on an empty cache, a full first sync (first page and the
backfill), a no-change resync on the cache that sync filled. Server bytes come from
the bed's own counters: Dovecot's logout line (`out=`), Cyrus's telemetry log (the
bytes each session wrote after LOGIN). Medians of `--runs`. Every server started is
stopped and every folder removed, also on Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import contextlib
import imaplib
import os
import random
import re
import shutil
import signal
import ssl
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.__main__ import run_probe
from bench.generate import SEED, START, messages, write_maildir

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVERS = {
    "dovecot": "Dovecot 2.3, full (CONDSTORE, QRESYNC, ESEARCH, LIST-STATUS…)",
    "bare": "Dovecot 2.3, bare (IMAP4rev1 + LITERAL+, « INBOX. », « . »)",
    "cyrus": "Cyrus IMAP 3.6 (own defaults, « / »)",
}
# What the worker makes use of when offered: the difference between the rows.
WATCHED = ("CONDSTORE", "QRESYNC", "ENABLE", "ESEARCH", "LIST-STATUS", "SPECIAL-USE", "QUOTA")
BARE_LF = re.compile(rb"(?<!\r)\n")
APPEND_BATCH = 500  # messages per MULTIAPPEND command on Cyrus


def append(client: Any, batch: list[dict[str, Any]]) -> None:
    """One MULTIAPPEND; imapclient returns a NO rather than raising it."""
    answer = client.multiappend("INBOX", batch)
    if isinstance(answer, tuple) and answer and answer[0] != "OK":
        raise RuntimeError(f"MULTIAPPEND refused: {answer!r}")


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float | None:
    found = [v for v in values if v == v]
    return statistics.median(found) if found else None


# --- one server ---------------------------------------------------------------------------


@dataclass
class Server:
    """One bed of the matrix, started by the test bed's helpers, with a user per size."""

    name: str
    root: Path
    bed: Any = None
    users: dict[int, Any] = field(default_factory=dict)
    capabilities: list[str] = field(default_factory=list)
    seed_seconds: dict[int, float] = field(default_factory=dict)

    def start(self) -> None:
        sys.path.insert(0, str(REPO))
        from tests.conftest import start_bed, start_cyrus_bed

        if self.name == "cyrus":
            self.bed = start_cyrus_bed(self.root)
        else:
            self.bed = start_bed(self.root, profile="full" if self.name == "dovecot" else "bare")

    @property
    def imap(self) -> Any:
        """The Dovecot or Cyrus object (the bed calls both `dovecot`)."""
        return self.bed.dovecot

    def stop(self) -> None:
        if self.bed is not None:
            try:
                self.bed.stop(grace=5.0)
            except Exception as exc:  # the folder goes anyway
                log(f"{self.name}: stopping the bed: {exc}")
            self.bed = None
        shutil.rmtree(self.root, ignore_errors=True)

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.imap.cert))

    def seed(self, size: int) -> None:
        user = self.imap.add_user(f"bench{size}", f"Bench-{size}-Mot!")
        self.users[size] = user
        if self.name == "cyrus":
            seconds = self._append(user, size)
        else:
            home = self.imap.root / "mail" / user.username
            uid, gid, _name = self.imap._mail_owner()
            home.mkdir(parents=True, exist_ok=True)
            owner = (uid, gid) if os.geteuid() == 0 else None
            seconds = write_maildir(home / "Maildir", size, owner=owner)
            if owner is not None:
                os.chown(home, uid, gid)
        self.seed_seconds[size] = seconds
        started = time.perf_counter()
        self._warm(user, size)  # Dovecot builds its index on the first SELECT
        log(
            f"{self.name} {size}: seeded in {seconds:.1f} s, first SELECT "
            f"{time.perf_counter() - started:.1f} s"
        )

    def _append(self, user: Any, size: int) -> float:
        """MULTIAPPEND (RFC 3502) in batches, flags and dates as write_maildir gives them.
        The session is not logged: Cyrus writes telemetry only into a folder that exists,
        and its 1.7 KB a message would be re-read after every probe."""
        from imapclient import IMAPClient

        telemetry = self.imap.telemetry_dir / user.username
        shutil.rmtree(telemetry, ignore_errors=True)
        started = time.perf_counter()
        rng = random.Random(SEED + 1)  # the same \Seen draw as write_maildir
        client = IMAPClient("127.0.0.1", self.imap.port, ssl=True, ssl_context=self.context())
        done = False
        try:
            client.login(user.username, user.password)  # creates INBOX and the special folders
            batch: list[dict[str, Any]] = []
            for i, raw in enumerate(messages(size, SEED)):
                assert isinstance(raw, bytes)
                seen = rng.random() < 0.7 or i < size - 300
                batch.append(
                    {
                        # Cyrus refuses bare LF (RFC 3501 wants CRLF); Dovecot sends the
                        # Maildir files with CRLF too, so the wire bytes are the same.
                        "msg": BARE_LF.sub(b"\r\n", raw),
                        "flags": (b"\\Seen",) if seen else (),
                        "date": START + timedelta(seconds=i),
                    }
                )
                if len(batch) == APPEND_BATCH:
                    append(client, batch)
                    batch = []
            if batch:
                append(client, batch)
            client.logout()
            done = True
        finally:
            if not done:
                with contextlib.suppress(Exception):
                    client.shutdown()
        seconds = time.perf_counter() - started
        telemetry.mkdir(parents=True, exist_ok=True)
        self.imap._own(telemetry)
        return seconds

    def _warm(self, user: Any, size: int) -> None:
        with imaplib.IMAP4_SSL("127.0.0.1", self.imap.port, ssl_context=self.context()) as imap:
            imap.login(user.username, user.password)
            _typ, answer = imap.capability()  # after LOGIN: the full list
            self.capabilities = answer[0].decode().upper().split()
            _typ, data = imap.select("INBOX", readonly=True)
            if int(data[0] or 0) != size:
                raise RuntimeError(f"{self.name}: INBOX holds {data[0]!r}, not {size}")
            imap.logout()

    def server_bytes(self, username: str) -> tuple[int, int]:
        """(finished sessions, bytes the server sent in all of them)."""
        found = self.imap.traffic(username)
        return len(found), sum(t.from_server for t in found)

    def settled_bytes(self, username: str, sessions_before: int, wait: float = 5.0) -> int:
        """The server's byte total once a new session is counted and nothing moves (Cyrus
        writes telemetry as it goes; Dovecot logs a session when it ends)."""
        deadline = time.monotonic() + wait
        last = (-1, -1)
        while time.monotonic() < deadline:
            now = self.server_bytes(username)
            if now[0] > sessions_before and now == last:
                return now[1]
            last = now
            time.sleep(0.1)
        raise RuntimeError(f"{self.name}: the session's bytes were never logged")

    def mark(self, username: str) -> dict[Path, int]:
        """Where each command log of the user ends now (see `commands_since`)."""
        if self.name == "cyrus":
            folder, pattern = self.imap.telemetry_dir / username, "*"
        elif self.name == "bare":
            folder, pattern = self.imap.rawlog_dir / username, "*.in"
        else:
            return {}
        return {path: path.stat().st_size for path in folder.glob(pattern)}

    def commands_since(self, username: str, mark: dict[Path, int]) -> list[list[str]]:
        """The client's commands of each session logged after `mark` (bare: rawlog, a
        file a session; Cyrus: telemetry, a file a process, sessions appended); nothing
        on the full Dovecot, which logs no commands."""
        if self.name == "cyrus":
            from tests.bed.cyrus import parse_telemetry

            found = []
            for path, size in self.mark(username).items():
                if size > mark.get(path, 0):
                    with open(path, "rb") as handle:
                        handle.seek(mark.get(path, 0))
                        found += [s.commands() for s in parse_telemetry(handle.read())]
            return found
        if self.name == "bare":
            from tests.bed.commands import _commands_of, _stream

            return [
                [c.decode("utf-8", "replace") for c in _commands_of(_stream(path))]
                for path in sorted(self.mark(username))
                if path not in mark
            ]
        return []


def probe(server: Server, size: int, cache: Path, tmp: Path, **args: Any) -> dict[str, Any]:
    """One bench.probe process; its server bytes from the bed's counters."""
    user = server.users[size]
    sessions, before = server.server_bytes(user.username)
    payload = {
        "port": server.imap.port,
        "username": user.username,
        "password": user.password,
        "cafile": str(server.imap.cert),
        "cache": str(cache),
        "tmp": str(tmp),
        **args,
    }
    result = run_probe(payload)
    result["server_bytes"] = server.settled_bytes(user.username, sessions) - before
    return result


# --- the measures -------------------------------------------------------------------------


@dataclass
class Row:
    server: str
    size: int
    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, value: float | None) -> None:
        self.values.setdefault(key, []).append(float("nan") if value is None else value)

    def median(self, key: str) -> float | None:
        return median(self.values.get(key, []))


def measure(server: Server, size: int, runs: int, work: Path, show_commands: bool) -> Row:
    row = Row(server.name, size)
    user = server.users[size]
    for run in range(runs):
        log(f"{server.name} {size}: run {run + 1}/{runs}")
        first = probe(server, size, work / f"first{run}.sqlite3", work, stop_after_first=True)
        row.add("first_page_s", first["first_page"])
        row.add("first_page_kib", first["server_bytes"] / 1024)
        full_cache = work / f"full{run}.sqlite3"
        before_full = server.mark(user.username)
        full = probe(server, size, full_cache, work, body_after=None)
        if full["cached"] != size:
            raise RuntimeError(f"{server.name}: the backfill cached {full['cached']} of {size}")
        row.add("backfill_s", full["backfill"])
        row.add("first_sync_b_per_msg", full["server_bytes"] / size)
        logged = {"first sync": server.commands_since(user.username, before_full)}
        before_resync = server.mark(user.username)
        resync = probe(server, size, full_cache, work, mode="resync")
        row.add("resync_s", resync["sync_done"])
        row.add("resync_b", resync["server_bytes"])
        logged["resync"] = server.commands_since(user.username, before_resync)
        log(
            f"{server.name} {size}: first page {first['first_page']:.3f} s, backfill "
            f"{full['backfill']:.2f} s, resync {resync['sync_done']:.3f} s, "
            f"{resync['server_bytes']} B"
        )
        if show_commands and run == runs - 1:
            for what, sessions in logged.items():
                for session in sessions:
                    log(f"{server.name} {size}: {what}: {summary(session)}")
    return row


def summary(session: list[str]) -> str:
    """« 12× UID FETCH, 6× STATUS, … » for one session's commands, with the first one
    of the most frequent kind, so the difference between servers shows in one line."""
    kinds: Counter[str] = Counter()
    example: dict[str, str] = {}
    for text in session:
        words = text.split()
        kind = " ".join(words[1:3] if len(words) > 2 and words[1].upper() == "UID" else words[1:2])
        kinds[kind.upper()] += 1
        example.setdefault(kind.upper(), text[:110])
    parts = [f"{count}× {kind}" for kind, count in kinds.most_common()]
    top = kinds.most_common(1)
    return ", ".join(parts) + (f" — e.g. {example[top[0][0]]}" if top else "")


# --- the table ----------------------------------------------------------------------------

COLUMNS: list[tuple[str, str, str]] = [
    ("first_page_s", "first page (s)", "{:.3f}"),
    ("first_page_kib", "first page (KiB from server)", "{:.1f}"),
    ("backfill_s", "full backfill (s)", "{:.2f}"),
    ("first_sync_b_per_msg", "first sync, server B/message", "{:.0f}"),
    ("resync_s", "no-change resync (s)", "{:.3f}"),
    ("resync_b", "resync, server bytes", "{:.0f}"),
]


def table(rows: list[Row]) -> str:
    head = ["server", "messages", *(label for _key, label, _fmt in COLUMNS)]
    lines = [head]
    for row in rows:
        cells = [row.server, f"{row.size:,}"]
        for key, _label, fmt in COLUMNS:
            value = row.median(key)
            cells.append(fmt.format(value) if value is not None else "–")
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("| " + " | ".join(cells) + " |")
        if n == 0:
            out.append(
                "|"
                + "|".join(
                    ("-" * (w + 1) + ":") if i else "-" * (w + 2) for i, w in enumerate(widths)
                )
                + "|"
            )
    return "\n".join(out)


def servers_of(text: str) -> Iterator[str]:
    for name in text.split(","):
        if name.strip() not in SERVERS:
            raise SystemExit(f"unknown server {name!r}: {', '.join(SERVERS)}")
        yield name.strip()


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.servers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated message counts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--servers", default=",".join(SERVERS), help=f"among {', '.join(SERVERS)}")
    parser.add_argument(
        "--commands",
        action="store_true",
        help="log the commands of the last first sync and resync (bare: rawlog; Cyrus: telemetry)",
    )
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s})
    runs = max(1, args.runs)
    names = list(servers_of(args.servers))

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    sys.path.insert(0, str(REPO))
    started = time.perf_counter()
    rows: list[Row] = []
    notes: list[str] = []
    capabilities: dict[str, list[str]] = {}
    for name in names:
        if name == "cyrus":
            from tests.bed.cyrus import cyrus_problem

            problem = cyrus_problem()
            if problem is not None:
                notes.append(f"cyrus: not measured: {problem}")
                log(notes[-1])
                continue
        root = Path(tempfile.mkdtemp(prefix=f"courriel-bench-{name}-"))
        root.chmod(0o755)  # the servers' unprivileged processes traverse it
        server = Server(name, root / "bed")
        try:
            log(f"{name}: starting the bed in {root}")
            server.start()
            for size in sizes:
                server.seed(size)
                work = root / f"work{size}"
                work.mkdir()
                rows.append(measure(server, size, runs, work, args.commands))
                notes.append(
                    f"{name} {size:,}: seeded in {server.seed_seconds[size]:.1f} s"
                    + (" (MULTIAPPEND)" if name == "cyrus" else " (Maildir files)")
                )
            offered = [c for c in WATCHED if c in server.capabilities]
            capabilities[name] = offered
        except KeyboardInterrupt:
            log("interrupted: stopping the server")
            return 130
        finally:
            server.stop()
            shutil.rmtree(root, ignore_errors=True)
    elapsed = time.perf_counter() - started
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(
        f"courriel bench.servers — {stamp}, {os.cpu_count()} CPU, Python "
        f"{sys.version.split()[0]}, medians of {runs}, whole run {elapsed:.0f} s"
    )
    print(table(rows))
    for name, offered in capabilities.items():
        print(
            f"- {name}: {SERVERS[name]}; of {', '.join(WATCHED)} "
            f"offers: {', '.join(offered) or 'none'}"
        )
    for note in notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
