"""A real SMTP submission server for the test bed: implicit TLS, AUTH required.

Run as its own process (`python -m tests.bed.smtp_server CONFIG.json`). It accepts mail
only after a successful AUTH with a Dovecot user's credentials, delivers recipients
that are local users into their Dovecot INBOX over LMTP (so a message sent can be read
back over IMAP), keeps other recipients' copies as .eml files, refuses the addresses
listed in `refuse`, and records every event as a JSON line so tests can check, for
example, that no AUTH was attempted before a certificate decision.
"""

from __future__ import annotations

import asyncio
import json
import signal
import smtplib
import ssl
import sys
import time
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


class Recorder:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, event: str, **fields: Any) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"t": time.time(), "event": event, **fields}) + "\n")


def read_users(passwd_dir: Path) -> dict[str, str]:
    """Dovecot's passwd-files, read at each request so users added mid-run can send;
    less those Dovecot refuses for « smtp » (`Dovecot.deny`), as Postfix's SASL would."""
    users = {}
    denied = passwd_dir.parent / "deny" / "smtp"
    for path in passwd_dir.iterdir():
        if path.name.startswith(".") or (denied / path.name).exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = line.split(":")
            if len(fields) > 1 and fields[1].startswith("{PLAIN}"):
                users[fields[0]] = fields[1].removeprefix("{PLAIN}")
    return users


def read_faults(path: Path | None) -> dict[str, Any]:
    """The misbehaviour a test asked for (SubmissionServer.set_fault), read per use."""
    if path is None or not path.exists():
        return {}
    return dict(json.loads(path.read_text() or "{}"))


class Authenticator:
    def __init__(self, passwd: Path, record: Recorder, faults: Path | None = None) -> None:
        self.passwd = passwd
        self.record = record
        self.faults = faults

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        username = data.login.decode("utf-8", "replace")
        if read_faults(self.faults).get("auth_tempfail"):
            # Postfix's answer when its SASL check fails for a passing reason (RFC 4954).
            self.record("auth", username=username, mechanism=mechanism, success=False)
            return AuthResult(
                success=False, handled=False, message="454 4.7.0 Temporary authentication failure"
            )
        ok = read_users(self.passwd).get(username) == data.password.decode("utf-8", "replace")
        # Never record the password itself, only whether it matched.
        self.record("auth", username=username, mechanism=mechanism, success=ok)
        return AuthResult(success=ok, handled=False, auth_data=username if ok else None)


class Handler:
    def __init__(self, config: dict[str, Any], record: Recorder) -> None:
        self.passwd = Path(config["passwd"])
        self.domain = config["domain"]
        self.refuse = {address.lower() for address in config.get("refuse", [])}
        self.lmtp = config["lmtp"]
        self.outside = Path(config["outside"])
        self.faults = Path(config["faults"]) if config.get("faults") else None
        self.record = record

    def fault(self) -> dict[str, Any]:
        return read_faults(self.faults)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            self.record("rcpt_refused", address=address)
            return "550 5.1.1 Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        local, other = [], []
        local_users = read_users(self.passwd)
        for address in envelope.rcpt_tos:
            name, _, domain = address.rpartition("@")
            if domain.lower() == self.domain and name in local_users:
                local.append(name)
            else:
                other.append(address)
        if local:
            await asyncio.to_thread(self._deliver, envelope.mail_from or "", local, content)
        for address in other:
            self.outside.mkdir(parents=True, exist_ok=True)
            stamp = f"{time.time_ns()}-{address.replace('/', '_')}.eml"
            (self.outside / stamp).write_bytes(content)
        self.record(
            "delivered", mail_from=envelope.mail_from, rcpt=envelope.rcpt_tos, size=len(content)
        )
        fault = self.fault()
        if fault.get("reply_delay"):  # delivered, but the final reply comes late
            await asyncio.sleep(float(fault["reply_delay"]))
        if fault.get("drop_after_data"):  # delivered, then the connection is cut: no reply
            if server.transport is not None:
                server.transport.abort()
            return "421 4.4.2 gone"
        return "250 2.0.0 Message accepted"

    def _deliver(self, sender: str, users: list[str], content: bytes) -> None:
        # One transaction per user: LMTP answers DATA once per recipient, and smtplib
        # reads only one reply.
        with smtplib.LMTP(self.lmtp) as lmtp:
            for user in users:
                lmtp.sendmail(sender, [user], content)


class RecordingSMTP(SMTP):
    """Records each connection, so tests see a client that connected and then left."""

    def __init__(self, *args: Any, record: Recorder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._record = record

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._record("connect")
        super().connection_made(transport)


async def serve(config: dict[str, Any]) -> None:
    record = Recorder(Path(config["events"]))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config["cert"], config["key"])
    handler = Handler(config, record)
    faults = Path(config["faults"]) if config.get("faults") else None
    authenticator = Authenticator(Path(config["passwd"]), record, faults)

    def factory() -> SMTP:
        return RecordingSMTP(
            handler,
            record=record,
            hostname="smtp.test.invalid",
            authenticator=authenticator,
            auth_required=True,
            # The listener is implicit TLS only, so every byte is already encrypted;
            # aiosmtpd's own check only knows about STARTTLS.
            auth_require_tls=False,
            data_size_limit=config.get("size_limit", 20 * 1024 * 1024),
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", config["port"], ssl=context)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    record("ready", port=config["port"])
    await stop.wait()
    server.close()
    await server.wait_closed()


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text())
    asyncio.run(serve(config))


if __name__ == "__main__":
    main()
