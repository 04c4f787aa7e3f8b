"""courriel's benchmark: sync engine, cache and the app against a real local Dovecot.

    python -m bench                      # 1,000 / 10,000 / 50,000 messages, 3 runs each
    python -m bench --quick              # 1,000 messages, 1 run: a try in under a minute
    python -m bench --sizes 1000,10000 --runs 5 --json out.json

Starts the test bed (tests/conftest.py) on 127.0.0.1 — a Dovecot with CONDSTORE/QRESYNC
and one without — seeds one user per size with the deterministic generator, then
measures each figure in a fresh process and prints medians. Everything started is
stopped at the end, also on Ctrl-C. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import imaplib
import json
import os
import shutil
import signal
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import batch, flags, latency
from bench.generate import NEWEST_SUBJECT, write_maildir
from bench.relay import Relay
from bench.terminal import Terminal

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MARKER = NEWEST_SUBJECT[:12]  # "Rentrée 2026": fits the narrowest subject column


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def median(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None and v == v]
    return statistics.median(found) if found else None


@dataclass
class Results:
    """Figure name → per size → the value of each run."""

    values: dict[str, dict[int, list[Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, size: int, value: Any) -> None:
        self.values.setdefault(name, {}).setdefault(size, []).append(value)

    def median(self, name: str, size: int) -> float | None:
        return median(self.values.get(name, {}).get(size, []))


# --- the bed ---------------------------------------------------------------------------


class Beds:
    """Two beds (with and without CONDSTORE), one seeded user per size on each."""

    def __init__(self, sizes: list[int]) -> None:
        sys.path.insert(0, str(REPO))
        from tests.conftest import bed_root, start_bed

        self.root = bed_root("bench")
        self.tmp = Path(tempfile.mkdtemp(prefix="courriel-bench-work-"))
        self.beds: list[Any] = []
        log(f"starting the test beds in {self.root}")
        self.main = start_bed(self.root / "condstore")
        self.beds.append(self.main)
        self.plain = start_bed(self.root / "plain", condstore=False)
        self.beds.append(self.plain)
        self.users: dict[tuple[int, int], Any] = {}
        for bed in self.beds:
            for size in sizes:
                self.users[(id(bed), size)] = bed.dovecot.add_user(
                    f"bench{size}", f"Bench-{size}-Mot!"
                )
        self.seed_seconds: dict[int, float] = {}
        self.index_seconds: dict[int, float] = {}

    def user(self, bed: Any, size: int) -> Any:
        return self.users[(id(bed), size)]

    def seed(self, size: int) -> None:
        for bed in self.beds:
            user = self.user(bed, size)
            home = bed.dovecot.root / "mail" / user.username
            uid, gid, _name = bed.dovecot._mail_owner()
            home.mkdir(parents=True, exist_ok=True)
            owner = (uid, gid) if os.geteuid() == 0 else None
            seconds = write_maildir(home / "Maildir", size, owner=owner)
            if owner is not None:
                os.chown(home, uid, gid)
            started = time.perf_counter()
            self.warm(bed, user)  # Dovecot builds its index on the first SELECT
            if bed is self.main:
                self.seed_seconds[size] = seconds
                self.index_seconds[size] = time.perf_counter() - started

    def warm(self, bed: Any, user: Any) -> None:
        context = ssl.create_default_context(cafile=str(bed.dovecot.cert))
        with imaplib.IMAP4_SSL("127.0.0.1", bed.imap_port, ssl_context=context) as imap:
            imap.login(user.username, user.password)
            imap.select("INBOX", readonly=True)
            imap.logout()

    def traffic_after(self, bed: Any, user: Any, before: int, wait: float = 5.0) -> list[Any]:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            found = bed.dovecot.traffic(user.username)
            if len(found) > before:
                time.sleep(0.05)
                return list(bed.dovecot.traffic(user.username)[before:])
            time.sleep(0.05)
        return []

    def stop(self) -> None:
        for bed in self.beds:
            try:
                bed.stop()
            except Exception as exc:  # keep stopping the others
                log(f"stopping a bed: {exc}")
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- sync figures (issue 3) --------------------------------------------------------------


def run_probe(payload: dict[str, Any]) -> dict[str, Any]:
    """One `bench.probe` in a process of its own; its JSON line, or why it failed."""
    proc = subprocess.Popen(
        [PYTHON, "-m", "bench.probe", json.dumps(payload)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0 or not out.strip():
        raise RuntimeError(f"probe failed ({proc.returncode}): {err[-2000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if result["errors"]:
        raise RuntimeError(f"probe errors: {result['errors']}")
    return result


def probe(
    beds: Beds, bed: Any, size: int, cache: Path, *, port: int | None = None, **args: Any
) -> dict[str, Any]:
    user = beds.user(bed, size)
    before = len(bed.dovecot.traffic(user.username))
    payload = {
        "port": port or bed.imap_port,
        "username": user.username,
        "password": user.password,
        "cafile": str(bed.dovecot.cert),
        "cache": str(cache),
        "tmp": str(beds.tmp),
        **args,
    }
    result = run_probe(payload)
    sessions = beds.traffic_after(bed, user, before)
    result["server_bytes"] = sum(t.from_server for t in sessions)
    result["client_bytes"] = sum(t.from_client for t in sessions)
    result["sessions"] = len(sessions)
    return result


def sync_figures(beds: Beds, size: int, runs: int, delay: float, results: Results) -> None:
    work = beds.tmp / f"sync{size}"
    work.mkdir()
    main = beds.main
    for run in range(runs):
        log(f"{size}: sync run {run + 1}/{runs}")
        first = probe(beds, main, size, work / f"first{run}.sqlite3", stop_after_first=True)
        results.add("first_page_s", size, first["first_page"])
        results.add("first_page_kib", size, first["server_bytes"] / 1024)
        full_cache = work / f"full{run}.sqlite3"
        full = probe(beds, main, size, full_cache, body_after=0.05)
        if full["cached"] != size:
            raise RuntimeError(f"backfill cached {full['cached']} of {size}")
        results.add("backfill_s", size, full["backfill"])
        results.add("full_kib", size, full["server_bytes"] / 1024)
        backfilled = max(size - 100, 1)
        per_message = (full["server_bytes"] - first["server_bytes"]) / backfilled
        results.add("backfill_b_per_msg", size, per_message)
        results.add("body_latency_s", size, full.get("body_latency"))
        results.add("chunk_max_s", size, full.get("chunk_max"))
        results.add("rss_growth_mib", size, (full["rss_peak_kib"] - full["rss_base_kib"]) / 1024)
        results.add("rss_peak_mib", size, full["rss_peak_kib"] / 1024)
        resync = probe(beds, main, size, full_cache, mode="resync")
        results.add("resync_b", size, resync["server_bytes"])
        results.add("resync_s", size, resync["sync_done"])
        # The same through the latency relay: round trips count.
        with Relay(main.imap_port, delay=delay) as relay:
            slow = probe(
                beds, main, size, work / f"slow{run}.sqlite3", port=relay.port,
                stop_after_first=True,
            )  # fmt: skip
            results.add("relay_first_page_s", size, slow["first_page"])
            results.add("relay_first_turns", size, sum(link.turns for link in relay.links))
            relay.reset()
            slow = probe(beds, main, size, full_cache, port=relay.port, mode="resync")
            results.add("relay_resync_s", size, slow["sync_done"])
            results.add("relay_resync_turns", size, sum(link.turns for link in relay.links))
        cpu = subprocess.run(
            [PYTHON, "-m", "bench.cpu", str(size)],
            cwd=REPO, capture_output=True, text=True, timeout=600, check=True,
        )  # fmt: skip
        for key, value in json.loads(cpu.stdout.strip().splitlines()[-1]).items():
            results.add(f"cpu_{key}", size, value)
    # Without CONDSTORE: one full sync to fill a cache, then the no-change resyncs.
    plain = beds.plain
    plain_cache = work / "plain.sqlite3"
    full = probe(beds, plain, size, plain_cache, body_after=None)
    results.add("plain_backfill_s", size, full["backfill"])
    for _run in range(runs):
        resync = probe(beds, plain, size, plain_cache, mode="resync")
        results.add("plain_resync_b", size, resync["server_bytes"])
        results.add("plain_resync_s", size, resync["sync_done"])


# --- app figures (issue 5) ----------------------------------------------------------------


def app_env(beds: Beds, size: int, home: Path, port: int) -> dict[str, str]:
    user = beds.user(beds.main, size)
    config = home / "config" / "courriel" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "[account]\n"
        f'username = "{user.username}"\n'
        'display_name = "Prénom Nom"\n'
        f'email = "{user.email}"\n'
        'imap_host = "127.0.0.1"\n'
        f"imap_port = {port}\n"
        'smtp_host = "127.0.0.1"\n'
        f"smtp_port = {beds.main.smtp_port}\n"
        f'password_command = "echo {user.password}"\n'
    )
    return terminal_env(home, beds.main.dovecot.cert)


def terminal_env(home: Path, cert: Path) -> dict[str, str]:
    """The app's environment: a 256-colour terminal, its own XDG folders under `home`,
    the bed's certificate trusted."""
    # PYTHONDONTWRITEBYTECODE would make every launch compile courriel's modules again
    # (~50 ms); an installed wheel has them compiled (see compile_package).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEXTUAL", "XDG_", "NO_COLOR", "PYTHONDONTWRITEBYTECODE"))
    }
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG="C.UTF-8",
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_DATA_HOME=str(home / "data"),
        SSL_CERT_FILE=str(cert),
    )
    return env


def cached_count(home: Path) -> int:
    """INBOX rows in the app's cache, read from another process (WAL allows it)."""
    for path in (home / "cache").rglob("*.sqlite3"):
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
            try:
                row = db.execute("SELECT COUNT(*) FROM messages WHERE folder='INBOX'").fetchone()
            finally:
                db.close()
            return int(row[0])
        except sqlite3.Error:
            return 0
    return 0


def compile_package() -> None:
    """Byte-compile courriel as `pip install` does for a wheel, so that an editable
    install is measured as a user's installed copy runs, not compiling on each launch."""
    import compileall

    import tui

    compileall.compile_dir(str(Path(tui.__file__).parent), quiet=1)


def launch(argv: list[str], env: dict[str, str], cols: int = 120, rows: int = 40) -> Terminal:
    return Terminal(argv, env, cols=cols, rows=rows)


def app_figures(beds: Beds, size: int, runs: int, delay: float, results: Results) -> None:
    home = beds.tmp / f"app{size}"
    env = app_env(beds, size, home, beds.main.imap_port)
    courriel = [str(Path(PYTHON).parent / "courriel")]
    bare = [PYTHON, "-m", "bench.bare_app", NEWEST_SUBJECT]
    bare_env = dict(env, PYTHONPATH=str(REPO))

    def timed(
        argv: list[str],
        environment: dict[str, str],
        after: Callable[[Terminal], None] | None = None,
    ) -> tuple[float | None, float | None, int | None]:
        term = launch(argv, environment)
        try:
            seconds = term.wait_for(MARKER, timeout=120)
            cpu = term.cpu_seconds()
            if seconds is not None and after is not None:
                after(term)
            return seconds, cpu, term.peak_rss_kib()
        finally:
            term.close()

    compile_package()

    for run in range(runs):
        log(f"{size}: app run {run + 1}/{runs}")
        seconds, cpu, rss = timed(bare, bare_env)
        results.add("bare_launch_s", size, seconds)
        results.add("bare_launch_cpu_s", size, cpu)
        results.add("bare_rss_mib", size, rss / 1024 if rss else None)
        shutil.rmtree(home / "cache", ignore_errors=True)
        shutil.rmtree(home / "config" / "courriel" / "trust.toml", ignore_errors=True)

        def backfilled(term: Terminal) -> None:
            started, ui_before = time.monotonic(), term.cpu_seconds(main_thread=True)
            deadline = started + 600
            while cached_count(home) < size and time.monotonic() < deadline:
                term.drain(quiet=0.5, limit=1.0)
            wall, ui_after = time.monotonic() - started, term.cpu_seconds(main_thread=True)
            term.drain(quiet=0.5, limit=3.0)
            rss = term.peak_rss_kib()
            results.add("app_rss_backfill_mib", size, rss / 1024 if rss else None)
            if cached_count(home) >= size:
                # #21: the whole cold open until idle, and the UI thread's part of it.
                results.add("app_cold_idle_cpu_s", size, term.cpu_seconds())
                if ui_before is not None and ui_after is not None and wall > 0:
                    results.add("app_backfill_ui_pct", size, 100 * (ui_after - ui_before) / wall)

        seconds, cpu, rss = timed(courriel, env, backfilled if run == 0 else None)
        results.add("app_cold_s", size, seconds)
        if run == 0 and cached_count(home) < size:
            # The backfill was cut short: finish it so the warm runs have the whole cache.
            timed(courriel, env, backfilled)
        seconds, cpu, rss = timed(courriel, env)
        results.add("app_warm_s", size, seconds)
        results.add("app_warm_cpu_s", size, cpu)
        results.add("app_warm_rss_mib", size, rss / 1024 if rss else None)
        with Relay(beds.main.imap_port, delay=delay) as relay:
            slow_env = app_env(beds, size, home, relay.port)
            seconds, _cpu, _rss = timed(courriel, slow_env)
            results.add("app_warm_relay_s", size, seconds)
        app_env(beds, size, home, beds.main.imap_port)

    # Keypresses at 120x40 (three panes: a move also opens the message) and 80x24 (list).
    for cols, rows, name in ((120, 40, "wide"), (80, 24, "narrow")):
        term = launch(courriel, env, cols, rows)
        try:
            if term.wait_for(MARKER, timeout=120) is None:
                results.notes.append(f"app at {cols}x{rows}: the newest subject never showed")
                continue
            term.drain(quiet=1.0, limit=10.0)  # the connection and resync settle
            for key in (b"j", b"k") * 10 * max(1, runs // 3):
                reply = term.key(key)
                results.add(f"key_{name}_ms", size, reply.last_byte and reply.last_byte * 1000)
                results.add(
                    f"key_{name}_first_ms", size, reply.first_byte and reply.first_byte * 1000
                )
                results.add(f"key_{name}_bytes", size, reply.size)
            # Holding j: 30 presses a second, as a keyboard repeats; the preview waits
            # for the cursor to rest, so each move repaints list lines only.
            term.drain(quiet=0.5, limit=5.0)
            delays, written = term.hold(b"j", 30)
            for delay in delays:
                results.add(f"hold_{name}_ms", size, delay * 1000)
            results.add(f"hold_{name}_bytes", size, written / 30)
            read_figures(term, name, size, runs, results)
        finally:
            term.close()


# Reading (#21): open the message under the cursor, the next one with J, back with Échap.
READING_KEYS = ((b"\r", "open"), (b"J", "next"), (b"\x1b", "back"))


def read_figures(term: Terminal, name: str, size: int, runs: int, results: Results) -> None:
    """Last byte and bytes written for each reading key, the bodies already fetched (a
    first pass fetches them), as a person reads the newest mail."""
    term.key(b"g")
    for key in (b"\r", b"J", b"J", b"\x1b", b"g"):  # the first pass: bodies fetched
        term.key(key, limit=5.0)
        term.drain(quiet=0.5, limit=5.0)
    for _round in range(max(5, runs)):
        for key, label in READING_KEYS:
            reply = term.key(key)
            results.add(f"read_{label}_{name}_ms", size, reply.last_byte and reply.last_byte * 1000)
            results.add(f"read_{label}_{name}_bytes", size, reply.size)
            term.drain(quiet=0.3, limit=3.0)  # a deferred mark-as-read repaint is not counted
        term.key(b"k")
        term.drain(quiet=0.3, limit=3.0)


# --- the table --------------------------------------------------------------------------------


ROWS: list[tuple[str, str, str, str]] = [
    # key, label, format, target/peer
    ("first_page_s", "empty cache → newest 100 in cache (s)", "{:.3f}", "≤ 0.3"),
    ("first_page_kib", "  server bytes before they are there (KiB)", "{:.1f}", "≤ 60; aerc 640"),
    ("backfill_s", "empty cache → full backfill (s)", "{:.2f}", "≤ 10 at 50k"),
    ("full_kib", "  server bytes, whole first sync (KiB)", "{:.0f}", "neomutt 36 MiB"),
    ("backfill_b_per_msg", "  server bytes per backfilled message", "{:.0f}", "≤ 512; neomutt 758"),
    ("body_latency_s", "FetchBody asked during backfill → answer (s)", "{:.3f}", "≤ 0.3"),
    ("chunk_max_s", "  longest backfill step (worst wait) (s)", "{:.3f}", ""),
    ("rss_growth_mib", "peak RSS growth, worker process (MiB)", "{:.1f}", "≤ 20"),
    ("rss_peak_mib", "  peak RSS, worker process after imports+backfill (MiB)", "{:.1f}", ""),
    ("cpu_parse_us", "CPU: parse_summary per message (µs)", "{:.0f}", ""),
    ("cpu_insert_us", "CPU: put_summaries per message (µs)", "{:.0f}", ""),
    ("cpu_open_ms", "CPU: Cache.open (ms)", "{:.1f}", ""),
    ("cpu_count_ms", "CPU: count (ms)", "{:.1f}", ""),
    ("cpu_page_last_ms", "CPU: page of 200 at the end (ms)", "{:.1f}", ""),
    ("cpu_index_of_ms", "CPU: index_of oldest (ms)", "{:.1f}", ""),
    ("cpu_unread_ms", "CPU: unread count (ms)", "{:.1f}", ""),
    ("resync_b", "no-change resync, CONDSTORE (server bytes)", "{:.0f}", "≤ 1536; neomutt 1.5 KiB"),
    ("resync_s", "  time (s)", "{:.3f}", ""),
    ("plain_resync_b", "no-change resync, no CONDSTORE (server bytes)", "{:.0f}", "≪ O(n)"),
    ("plain_resync_s", "  time (s)", "{:.3f}", ""),
    ("plain_backfill_s", "full first sync, no CONDSTORE (s, 1 run)", "{:.2f}", ""),
    ("relay_first_page_s", "+{ms} ms each way: newest 100 in cache (s)", "{:.3f}", ""),
    ("relay_first_turns", "  round trips (incl. TLS)", "{:.0f}", ""),
    ("relay_resync_s", "+{ms} ms each way: no-change resync (s)", "{:.3f}", ""),
    ("relay_resync_turns", "  round trips (incl. TLS)", "{:.0f}", ""),
    ("bare_launch_s", "bare Textual app: launch → text on screen (s)", "{:.3f}", "0.2–0.35"),
    ("bare_launch_cpu_s", "  CPU time it used by then (s)", "{:.2f}", ""),
    (
        "app_cold_s",
        "courriel, empty cache: launch → newest subject (s)",
        "{:.3f}",
        "≤ 0.7; aerc 0.86",
    ),
    (
        "app_warm_s",
        "courriel, warm cache: launch → newest subject (s)",
        "{:.3f}",
        "≤ 0.4; neomutt 0.49",
    ),
    ("app_warm_cpu_s", "  CPU time it used by then (s)", "{:.2f}", ""),
    ("app_warm_relay_s", "  warm, +{ms} ms each way (s)", "{:.3f}", "≤ 0.45; neomutt 0.80"),
    ("key_wide_ms", "one keypress, 120x40: list + message preview (ms)", "{:.1f}", "—"),
    ("key_wide_bytes", "  bytes written (the reader pane redrawn)", "{:.0f}", "—"),
    ("hold_wide_ms", "  holding j (30/s), 120x40: press → first byte (ms)", "{:.1f}", "≤ 30"),
    ("hold_wide_bytes", "    bytes written per move", "{:.0f}", "≤ 300"),
    ("key_narrow_ms", "keypress → repaint done, 80x24, list (ms)", "{:.1f}", "≤ 30"),
    ("key_narrow_first_ms", "  keypress → first byte (ms)", "{:.1f}", ""),
    ("key_narrow_bytes", "  bytes written per cursor move", "{:.0f}", "≤ 300"),
    ("hold_narrow_ms", "  holding j (30/s), 80x24: press → first byte (ms)", "{:.1f}", "≤ 30"),
    ("hold_narrow_bytes", "    bytes written per move", "{:.0f}", "≤ 300"),
    (
        "app_cold_idle_cpu_s",
        "cold open → backfill done: CPU, all threads (s)",
        "{:.2f}",
        "≤ 3; neomutt 3.3",
    ),
    ("app_backfill_ui_pct", "  the UI thread meanwhile (% of one core)", "{:.1f}", "≤ 10"),
    ("read_open_narrow_ms", "read, 80x24: Entrée → last byte (ms)", "{:.1f}", "≤ 40; neomutt 8"),
    ("read_open_narrow_bytes", "  bytes written", "{:.0f}", "≤ 4096; neomutt 1427"),
    ("read_next_narrow_ms", "  J (next message) → last byte (ms)", "{:.1f}", "≤ 40"),
    ("read_next_narrow_bytes", "    bytes written", "{:.0f}", "≤ 4096"),
    ("read_back_narrow_ms", "  Échap (back) → last byte (ms, escape delay incl.)", "{:.1f}", ""),
    ("read_back_narrow_bytes", "    bytes written", "{:.0f}", "≤ 4096"),
    ("read_open_wide_ms", "read, 120x40: Entrée → last byte (ms)", "{:.1f}", "≤ 40"),
    ("read_open_wide_bytes", "  bytes written", "{:.0f}", ""),
    ("read_next_wide_ms", "  J (next message) → last byte (ms)", "{:.1f}", "≤ 40"),
    ("read_next_wide_bytes", "    bytes written", "{:.0f}", ""),
    ("read_back_wide_ms", "  Échap (back) → last byte (ms, escape delay incl.)", "{:.1f}", ""),
    ("read_back_wide_bytes", "    bytes written", "{:.0f}", ""),
    (
        "app_rss_backfill_mib",
        "peak RSS of the app, backfill included (MiB)",
        "{:.1f}",
        "≤ 60; aerc 42",
    ),
    ("app_warm_rss_mib", "  warm start, no backfill (MiB)", "{:.1f}", ""),
    ("bare_rss_mib", "  bare Textual app (MiB)", "{:.1f}", "34"),
]
RATIOS = [
    ("app_cold_s", "bare_launch_s", "empty-cache launch ÷ bare Textual app"),
    ("app_warm_s", "bare_launch_s", "warm launch ÷ bare Textual app"),
    ("app_warm_cpu_s", "bare_launch_cpu_s", "warm launch CPU ÷ bare Textual app CPU"),
    ("app_warm_relay_s", "bare_launch_s", "warm launch +latency ÷ bare Textual app"),
]


def table(results: Results, sizes: list[int], runs: int, delay: float) -> str:
    ms = f"{delay * 1000:g}"
    head = [
        f"figure (median of {runs})",
        *[f"{s:,}".replace(",", " ") for s in sizes],
        "target / peers",
    ]
    lines = [head]
    for key, label, fmt, target in ROWS + flags.ROWS + latency.ROWS + batch.ROWS:
        if key not in results.values:
            continue
        cells = []
        for size in sizes:
            value = results.median(key, size)
            cells.append(fmt.format(value) if value is not None else "–")
        lines.append([label.format(ms=ms), *cells, target])
    for top, bottom, label in RATIOS:
        if top not in results.values:
            continue
        cells = []
        for size in sizes:
            pairs = [
                a / b
                for a, b in zip(
                    results.values[top].get(size, []),
                    results.values[bottom].get(size, []),
                    strict=False,
                )
                if a and b
            ]
            cells.append(f"×{statistics.median(pairs):.2f}" if pairs else "–")
        lines.append([label, *cells, ""])
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = []
    for n, row in enumerate(lines):
        out.append(
            "| "
            + " | ".join(
                c.ljust(w) if i == 0 or i == len(row) - 1 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", default="1000,10000,50000", help="comma-separated message counts"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 messages, 1 run")
    parser.add_argument("--delay", type=float, default=0.025, help="relay latency each way (s)")
    parser.add_argument("--app-size", type=int, help="size for the app figures (default: largest)")
    parser.add_argument("--no-app", action="store_true", help="sync figures only")
    parser.add_argument("--no-sync", action="store_true", help="app figures only")
    parser.add_argument("--no-flags", action="store_true", help="no flag-change/search figures")
    parser.add_argument("--no-batch", action="store_true", help="no sort/batch-delete figures")
    parser.add_argument(
        "--no-latency", action="store_true", help="no command-to-event figures (largest size)"
    )
    parser.add_argument("--json", type=Path, help="also write every run's values here")
    args = parser.parse_args()
    sizes = [1000] if args.quick else sorted({int(s) for s in args.sizes.split(",") if s})
    runs = 1 if args.quick else max(1, args.runs)
    app_size = args.app_size or max(sizes)

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started = time.perf_counter()
    results = Results()
    beds = Beds(sizes)
    try:
        for size in sizes:
            log(f"{size}: seeding")
            beds.seed(size)
            log(
                f"{size}: written in {beds.seed_seconds[size]:.1f} s, "
                f"indexed by Dovecot in {beds.index_seconds[size]:.1f} s"
            )
            if not args.no_sync:
                sync_figures(beds, size, runs, args.delay, results)
            if not args.no_flags:
                flags.flag_figures(beds, size, runs, results, probe)
            if not args.no_app and size == app_size:
                app_figures(beds, size, runs, args.delay, results)
            if not args.no_latency and size == max(sizes):
                latency.latency_figures(beds, size, results, probe)
            if not args.no_batch:  # last: it deletes messages of this size's user
                batch.batch_figures(beds, size, runs, results, probe)
    except KeyboardInterrupt:
        log("interrupted: stopping the servers")
        return 130
    finally:
        beds.stop()
    elapsed = time.perf_counter() - started
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    cpus = os.cpu_count()
    print(
        f"courriel bench — {stamp}, {cpus} CPU, Python {sys.version.split()[0]}, "
        f"runs={runs}, whole run {elapsed:.0f} s"
    )
    print(table(results, sizes, runs, args.delay))
    for note in results.notes:
        print(f"note: {note}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "date": stamp,
                    "runs": runs,
                    "values": {
                        k: {str(s): v for s, v in d.items()} for k, d in results.values.items()
                    },
                    "notes": results.notes,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
