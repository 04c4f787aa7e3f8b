"""Certificate trust: system store first, then the user's explicit decisions.

INTERFACE STUB — the contract IMAP and SMTP code against. The full implementation
(certificate inspection, pin file, changed-certificate detection) replaces the bodies,
not the signatures.

How a connection uses it:

    context = trust.tls_context(host, port)
    try:
        sock = connect_with(context)            # nothing else sent yet
    except ssl.SSLCertVerificationError as exc:
        raise trust.needs_decision(host, port, exc) from None
    trust.check_peer(host, port, der_bytes_of_the_peer_leaf)   # before any AUTH/LOGIN
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tui.core.errors import CertificateError


@dataclass(frozen=True)
class CertificateInfo:
    """What a person needs to decide about a certificate."""

    host: str
    port: int
    subject: str
    dns_names: tuple[str, ...]
    issuer: str
    not_before: datetime | None
    not_after: datetime | None
    sha256: str  # "AB:CD:…"
    reason: str  # plain words: self-signed, unknown authority, expired…
    der: bytes = b""


@dataclass(frozen=True)
class Pin:
    """A certificate the user accepted permanently for one host and port."""

    host: str
    port: int
    sha256: str
    accepted_on: str  # ISO date


class CertificateNeedsDecision(CertificateError):
    """Verification failed: the user must reject, accept once, or accept always."""

    def __init__(self, info: CertificateInfo) -> None:
        super().__init__(f"{info.host}:{info.port} — {info.reason}")
        self.info = info


class CertificateChanged(CertificateError):
    """A pinned certificate was replaced by another one: refused, loudly."""

    def __init__(self, info: CertificateInfo, pinned: Pin) -> None:
        super().__init__(f"{info.host}:{info.port} — certificate changed")
        self.info = info
        self.pinned = pinned


class TrustStore:
    """The user's certificate decisions, persisted in `path` (a file in the config folder)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path

    def tls_context(self, host: str, port: int) -> ssl.SSLContext:
        """The context to connect with: the default verifying one unless a decision applies."""
        return ssl.create_default_context()

    def check_peer(self, host: str, port: int, der: bytes | None) -> None:
        """Called after the handshake and before any credential: raise if a pin is broken."""

    def needs_decision(
        self, host: str, port: int, error: ssl.SSLCertVerificationError
    ) -> CertificateNeedsDecision:
        """Describe the certificate that failed verification, for the prompt."""
        info = CertificateInfo(
            host=host,
            port=port,
            subject="",
            dns_names=(),
            issuer="",
            not_before=None,
            not_after=None,
            sha256="",
            reason=str(error.verify_message or error),
        )
        return CertificateNeedsDecision(info)

    def accept_once(self, info: CertificateInfo) -> None:
        """Trust this exact certificate for this host and port until the process ends."""

    def accept_always(self, info: CertificateInfo) -> None:
        """Pin this exact certificate for this host and port, with today's date."""
