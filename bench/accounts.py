"""Several accounts (issue 20): launch time and memory with two accounts of N messages
each, against one account of N, on the same bed and the same machine.

    python -m bench.accounts                 # 50,000 messages each, 3 warm launches each
    python -m bench.accounts --size 2000 --runs 1

One Dovecot (CONDSTORE), two users seeded with the deterministic generator. The one-
account config reads user 1; the two-account config reads user 1 and, as [[accounts]],
user 2, each in its own XDG folders. A first launch of each fills the caches (the
backfill; its peak RSS is noted), then each config is launched `runs` times warm:
time until the newest subject is on screen, and the peak RSS (VmHWM) once both
workers have connected and checked for news. The target (#20): two accounts no worse
than twice one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from bench.__main__ import (
    MARKER,
    PYTHON,
    REPO,
    Beds,
    compile_package,
    launch,
    log,
    median,
    terminal_env,
)
from bench.generate import write_maildir

# This checkout's courriel (PYTHONPATH below), not whatever `courriel` is installed.
COURRIEL = [PYTHON, "-m", "tui"]


def _account(user: Any, bed: Any, label: str) -> str:
    return (
        f'label = "{label}"\n'
        f'username = "{user.username}"\n'
        f'email = "{user.email}"\n'
        'imap_host = "127.0.0.1"\n'
        f"imap_port = {bed.imap_port}\n"
        'smtp_host = "127.0.0.1"\n'
        f"smtp_port = {bed.smtp_port}\n"
        f'password_command = "echo {user.password}"\n'
    )


def environment(home: Path, bed: Any, users: list[Any]) -> dict[str, str]:
    config = home / "config" / "courriel" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    text = "[account]\n" + _account(users[0], bed, "Un")
    for n, user in enumerate(users[1:], 2):
        text += "\n[[accounts]]\n" + _account(user, bed, f"Compte {n}")
    config.write_text(text)
    env = terminal_env(home, bed.dovecot.cert)
    env["PYTHONPATH"] = str(REPO)
    return env


def counts(home: Path) -> list[int]:
    """INBOX rows in each cache file of this home (read from outside: WAL allows it)."""
    found = []
    for path in sorted((home / "cache").rglob("*.sqlite3")):
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
            try:
                row = db.execute("SELECT COUNT(*) FROM messages WHERE folder='INBOX'").fetchone()
            finally:
                db.close()
            found.append(int(row[0]))
        except sqlite3.Error:
            found.append(0)
    return found


def fill(env: dict[str, str], home: Path, accounts: int, size: int) -> float | None:
    """The first launch: until every account's cache holds every message; peak RSS."""
    term = launch(COURRIEL, env)
    try:
        term.wait_for(MARKER, timeout=300)
        deadline = time.monotonic() + 1200
        while time.monotonic() < deadline:
            found = counts(home)
            if len(found) >= accounts and all(n >= size for n in found):
                break
            term.drain(quiet=0.5, limit=2.0)
        term.drain(quiet=0.5, limit=3.0)
        rss = term.peak_rss_kib()
        return rss / 1024 if rss else None
    finally:
        term.close()


def warm(env: dict[str, str]) -> tuple[float | None, float | None]:
    """A warm launch: seconds to the newest subject, and the peak RSS once the workers
    have connected and resynced (a few seconds of quiet)."""
    term = launch(COURRIEL, env)
    try:
        seconds = term.wait_for(MARKER, timeout=120)
        term.drain(quiet=1.5, limit=15.0)
        rss = term.peak_rss_kib()
        return seconds, (rss / 1024 if rss else None)
    finally:
        term.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    beds = Beds([])
    try:
        bed = beds.main
        users = [bed.dovecot.add_user(f"comptes{n}", f"Comptes-{n}-Mot!") for n in (1, 2)]
        uid, gid, _name = bed.dovecot._mail_owner()
        owner = (uid, gid) if os.geteuid() == 0 else None
        for user in users:
            home = bed.dovecot.root / "mail" / user.username
            home.mkdir(parents=True, exist_ok=True)
            log(f"seeding {user.username}: {args.size} messages")
            write_maildir(home / "Maildir", args.size, owner=owner)
            if owner is not None:
                os.chown(home, uid, gid)
            beds.warm(bed, user)
        compile_package()
        figures: dict[str, Any] = {}
        envs = {}
        for name, chosen in (("one", users[:1]), ("two", users)):
            home = beds.tmp / name
            envs[name] = environment(home, bed, chosen)
            log(f"{name}: first launch, backfill of {len(chosen)} × {args.size}")
            figures[f"{name}_fill_rss"] = fill(envs[name], home, len(chosen), args.size)
        # Interleaved, so that a busy moment of a shared machine weighs on both alike.
        launches: dict[str, list[float | None]] = {"one": [], "two": []}
        rss: dict[str, list[float | None]] = {"one": [], "two": []}
        for run in range(args.runs):
            for name, env in envs.items():
                log(f"{name}: warm launch {run + 1}/{args.runs}")
                seconds, peak = warm(env)
                launches[name].append(seconds)
                rss[name].append(peak)
        for name in envs:
            figures[f"{name}_launch"] = median(launches[name])
            figures[f"{name}_rss"] = median(rss[name])
        print(f"two accounts of {args.size:,} messages vs one (medians of {args.runs}):")
        for label, key, unit in (
            ("warm launch → newest subject", "launch", "s"),
            ("peak RSS, warm, workers connected", "rss", "MiB"),
            ("peak RSS, first launch with backfill", "fill_rss", "MiB"),
        ):
            one, two = figures[f"one_{key}"], figures[f"two_{key}"]
            ratio = f"×{two / one:.2f}" if one and two else "–"
            print(f"  {label:40} one {one or 0:8.2f} {unit}   two {two or 0:8.2f} {unit}   {ratio}")
        return 0
    finally:
        beds.stop()
        shutil.rmtree(beds.tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
