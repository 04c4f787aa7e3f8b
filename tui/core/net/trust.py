"""Certificate trust: system store first, then the user's explicit decisions.

How a connection uses it (`tui.core.net.tls` does exactly this for IMAP and SMTP):

    context = trust.tls_context(host, port)
    try:
        sock = connect_with(context)            # nothing else sent yet
    except ssl.SSLCertVerificationError as exc:
        raise trust.needs_decision(host, port, exc) from None
    trust.check_peer(host, port, der_bytes_of_the_peer_leaf)   # before any AUTH/LOGIN

Policy:
- Without a decision, the default context verifies against the system store (so
  `SSL_CERT_FILE` works) with hostname checking on.
- With a decision (accepted once, or pinned), the context does not check the chain —
  the certificate may be self-signed — and `check_peer` is the gate: the leaf's SHA-256
  must be the accepted one, checked before any credential leaves.
- A pinned host that now presents another certificate: if that certificate verifies
  against the system store for this host name, it is accepted (the server moved to a
  real certificate) and the stale pin is retired and reported in `retired`; otherwise
  it is refused with `CertificateChanged`.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
import tempfile
import threading
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.errors import CertificateError, ConfigError
from tui.core.i18n import _
from tui.core.userfiles import UserFileError, read_limited

if TYPE_CHECKING:
    # cryptography (~8 MiB, ~45 ms) decodes a certificate only when one needs the
    # user's decision, and tomlkit writes the pin file only when one is accepted.
    pass

from tui.core.net.certificates import (
    DEFAULT_TIMEOUT,
    FINGERPRINT_RE,
    CertificateInfo,
    Pin,
    change_explanation,
    clean_field,
    describe_certificate,
    fetch_peer_certificate,
    format_fingerprint,
    french_date_text,
    normalize_fingerprint,
    unverified_context,
)


class CertificateNeedsDecision(CertificateError):
    """Verification failed: the user must reject, accept once, or accept always."""

    def __init__(self, info: CertificateInfo) -> None:
        super().__init__(
            _("Certificat non vérifié pour {host}:{port} : {reason}").format(
                host=info.host, port=info.port, reason=info.reason
            )
        )
        self.info = info


class CertificateChanged(CertificateError):
    """A pinned certificate was replaced by another one: refused, loudly."""

    @property
    def title(self) -> str:
        return _("Certificat modifié")

    def __init__(self, info: CertificateInfo, pinned: Pin) -> None:
        super().__init__(
            _(
                "Le certificat de {host}:{port} a changé depuis que vous l'avez accepté "
                "le {date}. La connexion est refusée."
            ).format(host=info.host, port=info.port, date=french_date_text(pinned.accepted_on)),
            detail=change_explanation(),
        )
        self.info = info
        self.pinned = pinned

    @property
    def old_sha256(self) -> str:
        return self.pinned.sha256

    @property
    def new_sha256(self) -> str:
        return self.info.sha256

    @property
    def explanation(self) -> str:
        return change_explanation()


def _key(host: str, port: int) -> str:
    return f"{host.rstrip('.').lower()}:{port}"


MAX_TRUST_BYTES = 1024 * 1024  # one pin is about 300 bytes


class TrustStore:
    """The user's certificate decisions, persisted in `path` (tui.config.trust_path():
    a file beside config.toml). Thread-safe: the IMAP threads and the asyncio SMTP
    worker share one store.
    """

    def __init__(self, path: Path, *, cafile: Path | None = None) -> None:
        self.path = path
        self.cafile = cafile
        self.retired: list[Pin] = []  # stale pins replaced by a system-verified certificate
        self._lock = threading.RLock()
        self._once: dict[str, Pin] = {}
        self._pins: dict[str, Pin] = self._load()

    # reading and writing the pin file

    def _load(self) -> dict[str, Pin]:
        try:
            raw = read_limited(self.path, MAX_TRUST_BYTES)
        except FileNotFoundError:
            return {}
        except UserFileError as exc:
            raise ConfigError(str(exc)) from None
        except OSError as exc:
            raise ConfigError(
                _("Fichier {path} : lecture impossible ({reason}).").format(
                    path=self.path, reason=exc.strerror or exc
                )
            ) from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            raise ConfigError(
                _(
                    "Fichier {path} : ce n'est pas un fichier de certificats valide. "
                    "Corrigez-le ou supprimez-le (les certificats seront redemandés)."
                ).format(path=self.path)
            ) from None
        pins: dict[str, Pin] = {}
        for key, entry in data.items():
            host, _sep, port_text = key.rpartition(":")
            fingerprint = entry.get("sha256", "") if isinstance(entry, dict) else ""
            if (
                not host
                or not port_text.isdigit()
                or not isinstance(fingerprint, str)
                or not FINGERPRINT_RE.match(fingerprint)
            ):
                raise ConfigError(
                    _(
                        "Fichier {path} : entrée « {key} » invalide (attendu : "
                        '["hôte:port"] avec sha256 = "AB:CD:…").'
                    ).format(path=self.path, key=clean_field(key, 80))
                )
            pins[_key(host, int(port_text))] = Pin(
                host=host,
                port=int(port_text),
                sha256=fingerprint,
                accepted_on=str(entry.get("accepted_on", "")),
                subject=str(entry.get("subject", "")),
                not_after=str(entry.get("not_after", "")),
            )
        return pins

    def _save(self) -> None:
        import tomlkit

        document = tomlkit.document()
        document.add(
            tomlkit.comment(
                "Certificats acceptés « toujours » par courriel : un par serveur et port."
            )
        )
        document.add(tomlkit.comment("Supprimer une entrée fait redemander le certificat."))
        for key, pin in sorted(self._pins.items()):
            table = tomlkit.table()
            table["sha256"] = pin.sha256
            table["accepted_on"] = pin.accepted_on
            if pin.subject:
                table["subject"] = pin.subject
            if pin.not_after:
                table["not_after"] = pin.not_after
            document[key] = table
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".trust-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(tomlkit.dumps(document))
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # queries

    def pins(self) -> list[Pin]:
        with self._lock:
            return sorted(self._pins.values(), key=lambda p: (p.host, p.port))

    def pin_for(self, host: str, port: int) -> Pin | None:
        with self._lock:
            return self._pins.get(_key(host, port))

    def decision(self, host: str, port: int) -> Pin | None:
        """The accepted certificate for host:port (this run's or the pinned one), if any."""
        with self._lock:
            key = _key(host, port)
            return self._once.get(key) or self._pins.get(key)

    # the connection contract

    def tls_context(self, host: str, port: int) -> ssl.SSLContext:
        """The context to connect with: the default verifying one unless a decision applies."""
        if self.decision(host, port) is not None:
            return unverified_context()
        return self._verifying_context()

    def _verifying_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()  # honours SSL_CERT_FILE; check_hostname on
        if self.cafile is not None:
            context.load_verify_locations(cafile=str(self.cafile))
        return context

    def check_peer(
        self, host: str, port: int, der: bytes | None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Called after the handshake and before any credential: raise if a pin is broken."""
        accepted = self.decision(host, port)
        if accepted is None:
            return  # the handshake verified the chain and the name
        if not der:
            raise CertificateError(
                _("{host}:{port} n'a présenté aucun certificat.").format(host=host, port=port)
            )
        fingerprint = format_fingerprint(der)
        if fingerprint == accepted.sha256:
            return
        if self._system_verifies(host, port, fingerprint, timeout):
            with self._lock:
                key = _key(host, port)
                self._once.pop(key, None)
                self._pins = self._load()  # keep what other processes pinned meanwhile
                if self._pins.pop(key, None) is not None:
                    self._save()
                self.retired.append(accepted)
            return
        info = describe_certificate(
            der, host, port, reason=_("certificat différent de celui que vous aviez accepté")
        )
        raise CertificateChanged(info, accepted)

    def _system_verifies(self, host: str, port: int, fingerprint: str, timeout: float) -> bool:
        """Does the server's certificate (this exact one) verify with the system store?"""
        context = self._verifying_context()
        try:
            with (
                socket.create_connection((host, port), timeout=timeout) as raw,
                context.wrap_socket(raw, server_hostname=host) as tls,
            ):
                der = tls.getpeercert(binary_form=True)
        except (OSError, ssl.SSLError):
            return False  # fail closed: unverifiable means refused
        return der is not None and format_fingerprint(der) == fingerprint

    def needs_decision(
        self,
        host: str,
        port: int,
        error: ssl.SSLCertVerificationError,
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> CertificateNeedsDecision:
        """Describe the certificate that failed verification, for the prompt.

        Re-reads the leaf with a separate handshake (the failed one gives no certificate
        to Python). If that fails too, the info has no fingerprint and cannot be accepted.
        """
        try:
            der = fetch_peer_certificate(host, port, timeout)
            info = describe_certificate(der, host, port, error)
        except (OSError, ssl.SSLError, CertificateError, ValueError) as exc:
            reason = _("{error} (le certificat n'a pas pu être relu : {why})").format(
                error=clean_field(str(getattr(error, "verify_message", "") or error)),
                why=clean_field(str(exc)) or _("erreur inattendue"),
            )
            info = CertificateInfo(host, port, "", (), "", None, None, "", reason)
        return CertificateNeedsDecision(info)

    def accept_once(self, info: CertificateInfo) -> None:
        """Trust this exact certificate for this host and port until the process ends."""
        pin = self._pin_from(info)
        with self._lock:
            self._once[_key(info.host, info.port)] = pin

    def accept_always(self, info: CertificateInfo) -> None:
        """Pin this exact certificate for this host and port, with today's date."""
        pin = self._pin_from(info)
        with self._lock:
            self._pins = self._load()  # another process may have pinned meanwhile
            key = _key(info.host, info.port)
            self._pins[key] = pin
            self._once.pop(key, None)
            self._save()

    def accept_fingerprint(
        self, host: str, port: int, sha256: str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> CertificateInfo:
        """Pin the server's current certificate if its fingerprint is `sha256` (doctor)."""
        wanted = normalize_fingerprint(sha256)
        if not wanted:
            raise CertificateError(
                _("Empreinte SHA-256 invalide : 64 chiffres hexadécimaux attendus.")
            )
        der = fetch_peer_certificate(host, port, timeout)
        info = describe_certificate(der, host, port)
        if info.sha256 != wanted:
            raise CertificateError(
                _(
                    "{host}:{port} présente un autre certificat que celui indiqué "
                    "(empreinte actuelle : {fp}). Rien n'a été accepté."
                ).format(host=host, port=port, fp=info.sha256)
            )
        self.accept_always(info)
        return info

    def forget(self, host: str, port: int) -> None:
        """Drop any decision for host:port: the next connection verifies or asks again."""
        with self._lock:
            key = _key(host, port)
            self._once.pop(key, None)
            self._pins = self._load()
            if self._pins.pop(key, None) is not None:
                self._save()

    @staticmethod
    def _pin_from(info: CertificateInfo) -> Pin:
        if not FINGERPRINT_RE.match(info.sha256):
            raise CertificateError(
                _("Ce certificat n'a pas d'empreinte lisible : il ne peut pas être accepté.")
            )
        pin = Pin(
            host=info.host,
            port=info.port,
            sha256=info.sha256,
            accepted_on=dt.date.today().isoformat(),
            subject=info.subject,
            not_after=info.not_after.date().isoformat() if info.not_after else "",
        )
        return replace(pin, host=info.host.rstrip(".").lower())
