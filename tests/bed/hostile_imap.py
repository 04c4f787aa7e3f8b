"""Starts and stops the hostile IMAP server (tests/bed/hostile_imap_server.py)."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bed.certs import make_self_signed
from tests.bed.dovecot import free_port, wait_for_port
from tests.bed.hostile_imap_server import MODES

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class HostileImap:
    """A misbehaving IMAP server on 127.0.0.1 with a throwaway certificate."""

    root: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    cert: Path = Path()
    key: Path = Path()

    @property
    def events_path(self) -> Path:
        return self.root / "events.jsonl"

    @property
    def mode_path(self) -> Path:
        return self.root / "mode.txt"

    def set_mode(self, mode: str) -> None:
        """Misbehave this way from the next connection on (see MODES)."""
        if mode not in MODES:
            raise ValueError(mode)
        self.root.mkdir(parents=True, exist_ok=True)
        self.mode_path.write_text(mode)

    def trusting_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=str(self.cert))
        return context

    def start(self, mode: str = "normal") -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.set_mode(mode)
        if not self.port:
            self.port = free_port()
        if not self.cert.name:
            self.cert, self.key = make_self_signed(self.root / "tls", stem="hostile")
        config = {
            "port": self.port,
            "cert": str(self.cert),
            "key": str(self.key),
            "events": str(self.events_path),
            "mode": str(self.mode_path),
        }
        config_path = self.root / "hostile.json"
        config_path.write_text(json.dumps(config))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.bed.hostile_imap_server", str(config_path)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "hostile.stderr", "ab"),  # noqa: SIM115
        )
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise RuntimeError(
                "hostile IMAP server did not start: "
                + (self.root / "hostile.stderr").read_text()[-2000:]
            ) from None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        if not self.events_path.exists():
            return []
        rows = [json.loads(line) for line in self.events_path.read_text().splitlines() if line]
        return [row for row in rows if kind is None or row["event"] == kind]

    def commands(self, verb: str) -> int:
        """How many commands of this verb (« UID FETCH », « LIST »…) the server received."""
        return sum(1 for row in self.events("command") if row["verb"] == verb)

    def connections(self) -> int:
        """Connections accepted (wait_for_port's own probe excluded: it never sends TLS)."""
        return sum(1 for row in self.events("command") if row["verb"] == "LOGIN")
