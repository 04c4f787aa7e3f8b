"""Certificates as a person sees them: fingerprints, names, dates, and why one was not
trusted, in plain French; fetching a server's certificate to show it.

Decisions about them (pins, « accepter une fois ») are tui/core/net/trust.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.errors import CertificateError
from tui.core.i18n import _
from tui.core.mail.formatting import day_date
from tui.core.mail.sanitize import shorten

if TYPE_CHECKING:
    # cryptography (~8 MiB, ~45 ms) decodes a certificate only when one needs the
    # user's decision, and tomlkit writes the pin file only when one is accepted.
    from cryptography import x509


DEFAULT_TIMEOUT = 10.0


FINGERPRINT_RE = re.compile(r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")


# OpenSSL verify codes meaning "I do not know who signed this".
_UNKNOWN_ISSUER_CODES = {2, 19, 20, 21}


_SELF_SIGNED_CODE = 18


@dataclass(frozen=True)
class CertificateInfo:
    """What a person needs to decide about a certificate.

    Every text field comes from the server's certificate: hostile, already stripped of
    control characters here, and still to be shown as plain text (never markup).
    """

    host: str
    port: int
    subject: str
    dns_names: tuple[str, ...]
    issuer: str
    not_before: dt.datetime | None
    not_after: dt.datetime | None
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
    subject: str = ""
    not_after: str = ""  # ISO date, informative


def format_fingerprint(der: bytes) -> str:
    """SHA-256 of the DER bytes as `AB:CD:…`."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def normalize_fingerprint(text: str) -> str:
    """Accept `ab:cd…`, `ABCD…`, with spaces or a `SHA256:` prefix; return `AB:CD:…` or ""."""
    cleaned = re.sub(r"[^0-9A-Fa-f]", "", re.sub(r"(?i)^\s*sha-?256\s*[:=]?", "", text))
    if len(cleaned) != 64:
        return ""
    cleaned = cleaned.upper()
    return ":".join(cleaned[i : i + 2] for i in range(0, 64, 2))


_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_field(text: str, limit: int = 200) -> str:
    """Certificate text is attacker-chosen: no control or bidi characters, bounded length."""
    return shorten(_CONTROL_RE.sub("\ufffd", text), limit)


def _name_text(name: x509.Name) -> str:
    from cryptography.x509.oid import NameOID

    def first(oid: x509.ObjectIdentifier) -> str:
        values = name.get_attributes_for_oid(oid)
        value = values[0].value if values else ""
        return value if isinstance(value, str) else value.decode("utf-8", "replace")

    common, organization = first(NameOID.COMMON_NAME), first(NameOID.ORGANIZATION_NAME)
    if common and organization:
        return clean_field(f"{common} ({organization})")
    return clean_field(common or organization or name.rfc4514_string())


def _alt_names(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return (
        [str(n) for n in san.get_values_for_type(x509.DNSName)],
        [str(a) for a in san.get_values_for_type(x509.IPAddress)],
    )


def host_matches(host: str, dns_names: list[str], ip_names: list[str]) -> bool:
    """RFC 6125 matching: exact name, or one wildcard as the whole leftmost label."""
    host = host.rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        return any(ipaddress.ip_address(ip) == address for ip in ip_names)
    for name in dns_names:
        name = name.rstrip(".").lower()
        if name == host:
            return True
        if name.startswith("*.") and "." in host:
            label, rest = host.split(".", 1)
            if label and rest == name[2:] and "." in rest:
                return True
    return False


def french_date(moment: dt.datetime | dt.date) -> str:
    """`3 mars 2026` (or `3 March 2026` in English) — independent of the machine's locale."""
    return day_date(moment)


def french_date_text(iso: str) -> str:
    try:
        return french_date(dt.date.fromisoformat(iso[:10]))
    except ValueError:
        return clean_field(iso, 40)


def reason_for(
    cert: x509.Certificate,
    host: str,
    error: ssl.SSLCertVerificationError | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Every reason this certificate is not trusted, in plain French, most important first."""
    now = now or dt.datetime.now(dt.UTC)
    reasons: list[str] = []
    code = getattr(error, "verify_code", None)
    self_signed = cert.issuer == cert.subject
    # OpenSSL stops at the first error, chain first: with an error code, the authority is
    # only in question when that code says so (a trusted self-signed cert can be expired).
    authority_unknown = code in _UNKNOWN_ISSUER_CODES or code == _SELF_SIGNED_CODE
    if error is None:
        authority_unknown = self_signed
    if authority_unknown and (self_signed or code == _SELF_SIGNED_CODE):
        reasons.append(_("certificat auto-signé (aucune autorité de certification ne le garantit)"))
    elif authority_unknown:
        reasons.append(_("émis par une autorité inconnue de ce système"))
    if now > cert.not_valid_after_utc:
        reasons.append(
            _("expiré depuis le {date}").format(date=french_date(cert.not_valid_after_utc))
        )
    if now < cert.not_valid_before_utc:
        reasons.append(
            _("pas encore valide (il le sera le {date})").format(
                date=french_date(cert.not_valid_before_utc)
            )
        )
    dns_names, ip_names = _alt_names(cert)
    if not host_matches(host, dns_names, ip_names):
        shown = ", ".join(dns_names + ip_names) or _("aucun")
        reasons.append(
            _("nom ne correspondant pas à l'hôte : « {host} » n'est pas parmi ({names})").format(
                host=clean_field(host), names=clean_field(shown)
            )
        )
    if not reasons:
        detail = getattr(error, "verify_message", "") or str(error or "")
        reasons.append(
            _("vérification refusée par le système ({detail})").format(
                detail=clean_field(detail) or _("raison inconnue")
            )
        )
    return " ; ".join(reasons)


def describe_certificate(
    der: bytes,
    host: str,
    port: int,
    error: ssl.SSLCertVerificationError | None = None,
    now: dt.datetime | None = None,
    reason: str | None = None,
) -> CertificateInfo:
    """Decode a DER certificate into what the prompt shows."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    dns_names, _ips = _alt_names(cert)
    return CertificateInfo(
        host=host,
        port=port,
        subject=_name_text(cert.subject),
        dns_names=tuple(clean_field(n) for n in dns_names[:50]),
        issuer=_name_text(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=format_fingerprint(der),
        reason=reason if reason is not None else reason_for(cert, host, error, now),
        der=der,
    )


def fetch_peer_certificate(host: str, port: int, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The server's leaf certificate, read by an unverified handshake that sends nothing else.

    Only the TLS handshake happens (with SNI): no IMAP/SMTP command, no credential.
    """
    context = unverified_context()
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise CertificateError(
            _("{host}:{port} n'a présenté aucun certificat.").format(host=host, port=port)
        )
    return der


def unverified_context() -> ssl.SSLContext:
    """Modern TLS settings without chain or name checks: the pin check replaces them."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def describe_for_terminal(info: CertificateInfo, pinned: Pin | None = None) -> str:
    """The certificate and how to accept it, for runs that cannot prompt (doctor, tests)."""
    lines: list[str] = []
    if pinned is not None:
        lines += [
            _("ATTENTION : le certificat de {host}:{port} a changé depuis le {date}.").format(
                host=info.host, port=info.port, date=french_date_text(pinned.accepted_on)
            ),
            _("  Empreinte acceptée : {fp}").format(fp=pinned.sha256),
            _("  Empreinte actuelle : {fp}").format(fp=info.sha256 or "?"),
            change_explanation(),
            "",
        ]
    else:
        lines.append(
            _("Le certificat de {host}:{port} n'est pas vérifié : {reason}.").format(
                host=info.host, port=info.port, reason=info.reason
            )
        )
    unknown = _("inconnu")
    lines += [
        _("  Sujet       : {value}").format(value=info.subject or unknown),
        _("  Noms        : {value}").format(value=", ".join(info.dns_names) or unknown),
        _("  Émetteur    : {value}").format(value=info.issuer or unknown),
        _("  Valide du   : {value}").format(
            value=french_date(info.not_before) if info.not_before else unknown
        ),
        _("  au          : {value}").format(
            value=french_date(info.not_after) if info.not_after else unknown
        ),
        _("  SHA-256     : {value}").format(value=info.sha256 or unknown),
    ]
    if info.sha256:
        lines += [
            "",
            _(
                "Vérifiez cette empreinte auprès de l'assistance avant de l'accepter. "
                "Pour l'accepter définitivement :"
            ),
            f"    courriel doctor --accept-certificate {info.sha256.replace(':', '')}",
            _(
                "ou lancez courriel et choisissez « Accepter toujours » dans la fenêtre "
                "du certificat."
            ),
        ]
    return "\n".join(lines)


def change_explanation() -> str:
    """What a changed certificate can mean, in plain words."""
    return _(
        "Cela peut être normal : le serveur a renouvelé son certificat. Mais cela peut "
        "aussi signifier que quelqu'un intercepte la connexion pour lire votre mot de passe "
        "et votre courrier. En cas de doute, refusez et appelez l'assistance "
        "(03 80 44 88 09) ; n'acceptez le nouveau certificat que si l'on vous a confirmé "
        "son empreinte."
    )
