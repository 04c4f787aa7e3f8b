"""Connecting with the trust decisions applied: certificate checked before any credential.

IMAP (imapclient, blocking) and SMTP (aiosmtplib, asyncio) both go through here, so the
rule "verify or ask, then compare the pin, then and only then log in" lives in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import TYPE_CHECKING, Any

from tui.core.diagnose.classify import plain_reason
from tui.core.diagnose.replies import smtp_auth_refused
from tui.core.errors import CertificateError, ConnectionLost
from tui.core.i18n import _
from tui.core.net.trust import TrustStore

if TYPE_CHECKING:
    import aiosmtplib
    from imapclient import IMAPClient

DEFAULT_TIMEOUT = 30.0


def peer_der(sock: Any) -> bytes:
    """The DER bytes of the peer's leaf certificate from an `ssl.SSLSocket` or SSLObject."""
    der = sock.getpeercert(binary_form=True) if sock is not None else None
    if not der:
        raise CertificateError(_("Le serveur n'a présenté aucun certificat."))
    return bytes(der)


def _unreachable(host: str, port: int, exc: BaseException) -> ConnectionLost:
    reason = getattr(exc, "reason", None) if isinstance(exc, ssl.SSLError) else None
    if reason:  # OpenSSL's own code (WRONG_VERSION_NUMBER…), for the help desk
        why = _("la négociation TLS a échoué ({reason})").format(reason=reason)
    else:  # never the class name nor the system's English (« Connection reset by peer »)
        why = plain_reason(exc)
    return ConnectionLost(
        _("Impossible de joindre {host}:{port} : {why}.").format(host=host, port=port, why=why)
    )


def imap_connect(
    host: str, port: int, trust: TrustStore, timeout: float = DEFAULT_TIMEOUT
) -> IMAPClient:
    """An IMAPClient over implicit TLS, its certificate checked, NOT logged in.

    Raises `CertificateNeedsDecision`, `CertificateChanged` or `ConnectionLost`; in each
    case no command carrying a credential has been sent. (imaplib itself sends CAPABILITY
    right after the greeting, before the pin is compared: it carries nothing secret.)
    """
    from tui.core.net.imapguard import guarded_client

    context = trust.tls_context(host, port)
    try:
        client = guarded_client(host, port, context, timeout)
    except ssl.SSLCertVerificationError as exc:
        raise trust.needs_decision(host, port, exc, timeout=timeout) from None
    except (OSError, ssl.SSLError) as exc:
        raise _unreachable(host, port, exc) from None
    try:
        trust.check_peer(host, port, peer_der(client.socket()), timeout=timeout)
    except BaseException:
        _close_quietly(client)
        raise
    return client


def _close_quietly(client: IMAPClient) -> None:
    # Already failing: the original error is what matters. No LOGOUT, just drop it.
    with contextlib.suppress(Exception):
        client.shutdown()


async def smtp_connect(
    host: str,
    port: int,
    trust: TrustStore,
    username: str,
    password: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> aiosmtplib.SMTP:
    """An aiosmtplib.SMTP over implicit TLS, trust checked, THEN logged in.

    aiosmtplib's `connect()` logs in by itself when given credentials, so it is given
    none; the pin is compared on the live TLS object, and only then does AUTH go out.
    Raises `CertificateNeedsDecision`, `CertificateChanged`, `ConnectionLost`, `AuthError`.
    """
    import aiosmtplib

    context = trust.tls_context(host, port)
    smtp = aiosmtplib.SMTP(
        hostname=host,
        port=port,
        use_tls=True,  # implicit TLS (465)
        start_tls=False,  # never the "maybe" default
        tls_context=context,
        timeout=timeout,
    )
    try:
        await smtp.connect()
    except aiosmtplib.SMTPConnectError as exc:
        cause = exc.__cause__
        if isinstance(cause, ssl.SSLCertVerificationError):
            raise await asyncio.to_thread(
                trust.needs_decision, host, port, cause, timeout=timeout
            ) from None
        raise _unreachable(host, port, cause or exc) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise _unreachable(host, port, exc) from None
    try:
        der = peer_der(smtp.get_transport_info("ssl_object"))
        # check_peer may probe the server (changed pin): keep the event loop free.
        await asyncio.to_thread(trust.check_peer, host, port, der, timeout=timeout)
    except BaseException:
        smtp.close()
        raise
    try:
        await _authenticate(smtp, username, password)
    except aiosmtplib.SMTPAuthenticationError as exc:
        smtp.close()
        raise smtp_auth_refused(host, exc.code, exc.message) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        smtp.close()
        raise _unreachable(host, port, exc) from None
    return smtp


async def _authenticate(smtp: aiosmtplib.SMTP, username: str, password: str) -> None:
    """One AUTH, PLAIN where offered (the connection is already encrypted), else LOGIN.

    aiosmtplib's `login()` tries every mechanism the server offers after a refusal: one
    wrong password cost two failures at the server (Postfix logs « auth=0/2 »), bringing
    an account twice as fast to a lockout, and a temporary « 454 » was tried again."""
    if smtp.is_ehlo_or_helo_needed:
        await smtp.ehlo()
    offered = smtp.supported_auth_methods
    if "plain" in offered:
        await smtp.auth_plain(username, password)
    elif "login" in offered:
        await smtp.auth_login(username, password)
    else:  # only a mechanism courriel does not prefer (CRAM-MD5…): aiosmtplib's choice
        await smtp.login(username, password)
