"""What kind of failure an exception is (network, TLS, certificate, login, quota…), and
why a connection failed in a short clause of the user's language.

Light on purpose: the network modules import `plain_reason` from here for their own
messages; the full diagnoses with the academy's hints are tui/core/diagnose/diagnose.py.
"""

from __future__ import annotations

import errno
import socket
import ssl
from collections.abc import Iterator

from tui.core.diagnose.replies import (
    NOT_THE_PASSWORD,
    is_smtp_auth_refusal,
    response_code,
    server_words,
)
from tui.core.errors import (
    AuthError,
    CertificateError,
    ConfigError,
    ConnectionLost,
    ServerMisbehaved,
    ServerTooSlow,
)
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line
from tui.core.secrets import SecretError

# Share of the quota from which the mailbox is reported as nearly full, and as full:
# the same points as the status bar's colours and notice (tui/quota_notice.py).
# What OpenSSL says when the other side does not speak TLS at all (a plaintext port).
_PLAINTEXT_REASONS = ("WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "HTTP_REQUEST", "RECORD_LAYER")


def technical_text(exc: BaseException) -> str:
    parts: list[str] = []
    for item in exception_chain(exc):
        text = server_words(str(item))  # imapclient's « b'…' » decoded
        parts.append(f"{type(item).__name__}: {text}" if text else type(item).__name__)
    return clean_line(" ← ".join(parts))[:400]


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and its causes, including context hidden by `raise … from None`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _is_plaintext_tls_failure(exc: BaseException) -> bool:
    if isinstance(exc, ssl.SSLError) and not isinstance(exc, ssl.SSLCertVerificationError):
        reason = str(getattr(exc, "reason", None) or exc).upper().replace(" ", "_")
        return any(marker in reason for marker in _PLAINTEXT_REASONS)
    return False


def classify(exc: BaseException) -> str:
    """The kind of failure, looking through wrapped causes for the most telling one."""
    from tui.core.net.trust import CertificateChanged

    chain = list(exception_chain(exc))
    for item in chain:
        if isinstance(item, CertificateChanged):
            return "certificate_changed"
    for item in chain:
        if isinstance(item, CertificateError | ssl.SSLCertVerificationError):
            return "certificate"
    for item in chain:
        if _is_auth(item):
            return "auth"
        if login_refusal_code(item) in NOT_THE_PASSWORD:
            return "unavailable"
        if is_smtp_auth_refusal(item, temporary=True):  # « 454 4.7.0 »: not the password
            return "unavailable"
    for item in chain:
        if _is_plaintext_tls_failure(item) or _is_protocol_mismatch(item):
            return "wrong_port"
    if any(isinstance(item, ServerMisbehaved | ServerTooSlow) for item in chain):
        return "misbehaving"
    for item in chain:
        kind = _network_kind(item)
        if kind:
            return kind
    first = chain[0]
    if isinstance(first, ConfigError):
        return "config"
    if isinstance(first, SecretError):
        return "password"
    if isinstance(first, ConnectionLost):
        return "network"
    return "unknown"


def _is_protocol_mismatch(exc: BaseException) -> bool:
    """TLS worked but the other side does not speak the expected protocol."""
    if isinstance(exc, ProtocolMismatch):
        return True
    # aiosmtplib reads an IMAP greeting (« * OK … ») as a malformed line, code -1.
    return (
        type(exc).__module__.startswith("aiosmtplib")
        and getattr(exc, "code", None) == -1
        and "malformed" in str(exc).lower()
    )


def login_refusal_code(exc: BaseException) -> str | None:
    """The response code of imapclient's LoginError (« » if none); None for other errors."""
    if type(exc).__name__ == "LoginError" and type(exc).__module__.startswith("imapclient"):
        return response_code(server_words(str(exc)))
    return None


def _is_auth(exc: BaseException) -> bool:
    if isinstance(exc, AuthError):
        return True
    code = login_refusal_code(exc)
    if code is not None:
        # « [UNAVAILABLE] » at login is maintenance, not a wrong password.
        return code not in NOT_THE_PASSWORD
    if is_smtp_auth_refusal(exc, temporary=False):
        return True
    return type(exc).__name__ == "SMTPResponseException" and getattr(exc, "code", 0) == 535


def _network_kind(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror):
        return "dns"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "network"
    if isinstance(exc, ConnectionError | EOFError):
        return "network"
    if type(exc).__name__ in ("IMAPClientAbortError", "SMTPServerDisconnected", "abort"):
        return "network"
    return ""


def plain_reason(exc: BaseException) -> str:
    """Why a connection failed, as a short clause in the UI's language, for a sentence
    such as « Impossible de joindre {host}:{port} : {why}. » Never the exception's class
    name (« ConnectionResetError ») nor the system's English (« Connection reset by
    peer »): those stay in `diagnose(...).technical` for the help desk."""
    for item in exception_chain(exc):
        if isinstance(item, socket.gaierror):
            return _("nom de serveur inconnu")
        if isinstance(item, TimeoutError | socket.timeout):
            return _("le serveur ne répond pas (délai dépassé)")
        if isinstance(item, ConnectionRefusedError):
            return _("connexion refusée")
        if isinstance(item, ssl.SSLError):
            return _("la connexion chiffrée (SSL/TLS) n'a pas pu s'établir")
        if isinstance(item, OSError) and item.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return _("réseau inaccessible (cet ordinateur semble hors ligne)")
        if isinstance(item, ConnectionError | EOFError) or _network_kind(item) == "network":
            return _("la connexion a été coupée, par le serveur ou par le réseau")
    if any(isinstance(item, OSError) for item in exception_chain(exc)):
        return _("problème de réseau")
    return _("erreur inattendue")


class ProtocolMismatch(ConnectionLost):
    """TLS worked but the server greeted in another protocol: this port is not IMAP/SMTP."""

    @property
    def title(self) -> str:
        return _("Mauvais port")
