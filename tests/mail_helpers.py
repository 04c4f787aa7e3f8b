"""Helpers for the cache/sync/worker server tests: trust for the bed, seeding, snapshots."""

from __future__ import annotations

import ssl
from pathlib import Path

from imapclient import IMAPClient

from tests.bed.commands import OBSERVER_MARK
from tests.bed.dovecot import User
from tests.conftest import Bed
from tui.core.account.sync import SyncEngine
from tui.core.net.imap import ImapConnection
from tui.core.net.trust import TrustStore
from tui.core.store.cache import Cache


class BedTrust(TrustStore):
    """Trusts the bed's throwaway certificate, and records the peer it was shown."""

    def __init__(self, bed: Bed) -> None:
        super().__init__(bed.dovecot.root / "trust.toml")  # never written: nothing to decide
        self.bed = bed
        self.peers: list[bytes | None] = []

    def tls_context(self, host: str, port: int) -> ssl.SSLContext:
        return self.bed.trusting_context()

    def check_peer(self, host: str, port: int, der: bytes | None) -> None:
        self.peers.append(der)


def message(n: int, subject: str | None = None, *, attachment: bool = False) -> bytes:
    """A small academy message; day and minute grow with n so date order is uid order."""
    day, minute = 1 + (n // 1440) % 28, n % 1440
    head = (
        f"From: Expéditeur {n} <exp{n}@ac-dijon.fr>\r\nTo: prenom.nom@ac-dijon.fr\r\n"
        f"Subject: {subject or f'Message {n}'}\r\nMessage-ID: <m{n}@ac-dijon.fr>\r\n"
        f"Date: Mon, {day:02d} Mar 2026 {minute // 60:02d}:{minute % 60:02d}:00 +0100\r\n"
    )
    if attachment:
        return (
            head + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain\r\n\r\nVoir la pièce jointe.\r\n"
            "--b\r\nContent-Type: application/pdf; name=a.pdf\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
        ).encode()
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\nCorps du message.\r\n").encode()


def raw_client(bed: Bed, user: User) -> IMAPClient:
    """A second client (webmail, phone…) acting on the same account."""
    client = IMAPClient(
        "localhost", port=bed.imap_port, ssl=True, ssl_context=bed.trusting_context(), timeout=30
    )
    client.login(user.username, user.password)
    if bed.dovecot.profile == "bare":  # not one of courriel's sessions (tests/bed/commands.py)
        client.list_sub_folders("", OBSERVER_MARK)
    return client


def seed(bed: Bed, user: User, count: int, folder: str = "INBOX", start: int = 1) -> None:
    """APPEND `count` messages in MULTIAPPEND batches (fast, and in uid order)."""
    with raw_client(bed, user) as client:
        for first in range(start, start + count, 500):
            last = min(start + count, first + 500)
            client.multiappend(folder, [message(n) for n in range(first, last)])


def connection(bed: Bed, user: User) -> ImapConnection:
    conn = ImapConnection("localhost", bed.imap_port, user.username, user.password, BedTrust(bed))
    conn.connect()
    return conn


def engine(bed: Bed, user: User, path: Path, **kw: int) -> SyncEngine:
    return SyncEngine(connection(bed, user), Cache.open(path), **kw)  # type: ignore[arg-type]


def snapshot(cache: Cache, folder: str = "INBOX") -> list[tuple[int, str, tuple[str, ...]]]:
    rows = cache.page(folder, 0, 100_000)
    return sorted((s.uid, s.subject, tuple(sorted(s.flags - {"\\Recent"}))) for s in rows)


def server_snapshot(
    bed: Bed, user: User, folder: str = "INBOX"
) -> list[tuple[int, str, tuple[str, ...]]]:
    with raw_client(bed, user) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        found = []
        for uid, data in client.fetch(
            uids, ["FLAGS", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]
        ).items():
            subject = data[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().split(":", 1)[1].strip()
            flags = tuple(sorted(f.decode() for f in data[b"FLAGS"] if f != b"\\Recent"))
            found.append((uid, subject, flags))
        return sorted(found)
