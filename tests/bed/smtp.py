"""Starts and stops the test bed's SMTP submission server (tests/bed/smtp_server.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bed.certs import make_self_signed
from tests.bed.dovecot import Dovecot, free_port, wait_for_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SubmissionServer:
    root: Path
    dovecot: Dovecot
    port: int = 0
    refuse: list[str] = field(default_factory=list)
    size_limit: int = 20 * 1024 * 1024
    process: subprocess.Popen[bytes] | None = None
    cert: Path = Path()
    key: Path = Path()

    @property
    def events_path(self) -> Path:
        return self.root / "events.jsonl"

    @property
    def outside(self) -> Path:
        """Where mail for recipients outside the test domain lands, one .eml per copy."""
        return self.root / "outside"

    @property
    def faults_path(self) -> Path:
        return self.root / "faults.json"

    def set_fault(self, **faults: Any) -> None:
        """Misbehave from the next message on: reply_delay=seconds before the final
        reply, drop_after_data=True to deliver and then cut the connection unanswered,
        auth_tempfail=True to answer AUTH « 454 4.7.0 » as Postfix does when its
        password check fails for a passing reason (the bed's Postfix and Dovecot
        cannot be made to). No argument: behave again."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.faults_path.write_text(json.dumps(faults))

    def regenerate_certificate(self) -> None:
        self.cert, self.key = make_self_signed(self.root / "tls", stem="smtp")

    def start(self) -> None:
        if not self.port:
            self.port = free_port()
        if not self.cert.name:
            self.regenerate_certificate()
        self.root.mkdir(parents=True, exist_ok=True)
        config = {
            "port": self.port,
            "cert": str(self.cert),
            "key": str(self.key),
            "passwd": str(self.dovecot.passwd_dir),
            "domain": "ac-dijon.fr",
            "refuse": self.refuse,
            "lmtp": str(self.dovecot.lmtp_socket),
            "outside": str(self.outside),
            "events": str(self.events_path),
            "size_limit": self.size_limit,
            "faults": str(self.faults_path),
        }
        config_path = self.root / "smtp.json"
        config_path.write_text(json.dumps(config))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.bed.smtp_server", str(config_path)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "smtp.stderr", "ab"),  # noqa: SIM115
        )
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise RuntimeError(
                "SMTP server did not start: " + (self.root / "smtp.stderr").read_text()[-2000:]
            ) from None

    def stop(self, grace: float = 10.0) -> None:
        """Terminate, then kill after `grace` seconds (Dovecot waits for connected
        clients: a manual run stops on Ctrl-C with a short grace)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def settle(self) -> None:
        """Nothing to wait for: this server delivers before it answers the final dot
        (Postfix.settle waits for its queue)."""

    def restart(self) -> None:
        self.stop()
        self.start()

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        if not self.events_path.exists():
            return []
        rows = [json.loads(line) for line in self.events_path.read_text().splitlines() if line]
        return [row for row in rows if kind is None or row["event"] == kind]
