"""Runs the whole app headless against a server and reports what it cost, as JSON.

`python -m tests.bed.run_app CONFIG.toml SECONDS` starts courriel on that config, lets
it work for SECONDS, measures the CPU it uses over the last two of them, presses `q`
and prints {"quit_seconds", "peak_rss_mib", "cpu_share", "status", "notices"}. Its own
process, so that its peak memory (VmHWM) is the app's, not the test runner's; the
caller sets XDG_* and SSL_CERT_FILE.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from tui.app import CourrielApp
from tui.config import load_config
from tui.screens.mailbox import MailboxScreen

CPU_WINDOW = 2.0


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def main() -> None:
    config = load_config(Path(sys.argv[1]))
    seconds = float(sys.argv[2])
    app = CourrielApp.for_account(config)
    report: dict[str, Any] = {"notices": []}
    original_notify = app.notify

    def notify(message: str, **kwargs: Any) -> None:
        report["notices"].append(message)
        original_notify(message, **kwargs)

    app.notify = notify  # type: ignore[method-assign]

    async def pilot_run(pilot: Any) -> None:
        await pilot.pause(max(0.0, seconds - CPU_WINDOW))
        before, started = cpu_seconds(), time.monotonic()
        await pilot.pause(CPU_WINDOW)
        report["cpu_share"] = (cpu_seconds() - before) / (time.monotonic() - started)
        screen = app.screen
        if isinstance(screen, MailboxScreen):
            report["status"] = screen.status.render().plain
        report["screen"] = type(screen).__name__
        report["pressed"] = time.monotonic()
        await pilot.press("q")

    app.run(headless=True, size=(100, 30), auto_pilot=pilot_run)
    app.close_account()
    report["quit_seconds"] = time.monotonic() - report.pop("pressed", time.monotonic())
    report["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
