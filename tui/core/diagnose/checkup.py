"""The step-by-step connection test of the setup screen and `courriel doctor`.

name resolution → TCP connect → TLS → IMAP login → SMTP login → folders and quota.
`run_checkup` yields one `StepResult` per step as soon as it is known, so a UI can tick
steps live from a thread worker, and stops at the first failure (a second wrong login
would only bring the account closer to being locked). Every step has a timeout, and the
password is read only after the certificate has been verified or accepted: an
unverified certificate stops at the TLS step with the `CertificateNeedsDecision`
attached, for the prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.header import decode_header, make_header
from typing import TYPE_CHECKING, Any, TypeVar

from tui.core.diagnose.classify import ProtocolMismatch, classify, plain_reason
from tui.core.diagnose.diagnose import Diagnosis, diagnose, sending_refused_diagnosis
from tui.core.diagnose.quota import quota_diagnosis
from tui.core.diagnose.replies import explain_reply
from tui.core.errors import CertificateError, ConnectionLost, MailError
from tui.core.i18n import _, ngettext
from tui.core.mail.sanitize import clean_line, shorten
from tui.core.net.trust import TrustStore
from tui.presets import DIJON

if TYPE_CHECKING:
    from imapclient import IMAPClient

DEFAULT_TIMEOUT = 15.0
STEPS = ("resolve", "tcp", "tls", "imap_login", "smtp_login", "folders")
BIGGEST_SCAN_LIMIT = 5000  # messages looked at to name the biggest ones
BIGGEST_MIN_SIZE = 100_000  # bytes: smaller messages never free much room

T = TypeVar("T")
Password = str | Callable[[], str | None]


def step_label(name: str) -> str:
    """The step's name as the user reads it."""
    labels = {
        "resolve": _("Résolution du nom"),
        "tcp": _("Connexion au serveur"),
        "tls": _("Chiffrement SSL/TLS"),
        "imap_login": _("Identification (réception)"),
        "smtp_login": _("Identification (envoi)"),
        "folders": _("Dossiers et espace"),
    }
    return labels.get(name, name)


@dataclass(frozen=True)
class Target:
    """Where and as whom to connect."""

    username: str
    imap_host: str = DIJON.imap_host
    imap_port: int = DIJON.imap_port
    smtp_host: str = DIJON.smtp_host
    smtp_port: int = DIJON.smtp_port

    @classmethod
    def from_account(cls, account: Mapping[str, Any]) -> Target:
        """From the `[account]` section of the config (defaults filled in)."""
        return cls(
            username=str(account.get("username", "")),
            imap_host=str(account.get("imap_host") or DIJON.imap_host),
            imap_port=int(account.get("imap_port") or DIJON.imap_port),
            smtp_host=str(account.get("smtp_host") or DIJON.smtp_host),
            smtp_port=int(account.get("smtp_port") or DIJON.smtp_port),
        )


@dataclass(frozen=True)
class StepResult:
    """One step of the test: passed or not, how long it took, and what to do about it.

    `diagnosis` is set on failure, and on a passing step that still warrants a warning
    (a nearly full mailbox). `certificate` carries the `CertificateNeedsDecision` (or
    `CertificateChanged`) a TLS failure needs for the certificate prompt.
    """

    name: str
    ok: bool
    seconds: float
    detail: str = ""
    diagnosis: Diagnosis | None = None
    certificate: CertificateError | None = None

    @property
    def label(self) -> str:
        return step_label(self.name)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
            "diagnosis": self.diagnosis.as_dict() if self.diagnosis else None,
        }


class _Failed(Exception):
    """A step failed with this diagnosis (and maybe a certificate to decide on)."""

    def __init__(
        self, diagnosis: Diagnosis, detail: str = "", certificate: CertificateError | None = None
    ) -> None:
        super().__init__(diagnosis.title)
        self.diagnosis = diagnosis
        self.detail = detail
        self.certificate = certificate


def _in_thread(function: Callable[[], T], timeout: float, what: str) -> T:
    """Run a call that has no timeout of its own (getaddrinfo) in a daemon thread."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = function()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=run, name=f"courriel-checkup-{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(_("pas de réponse après {seconds} s").format(seconds=f"{timeout:g}"))
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def run_checkup(
    target: Target,
    password: Password,
    trust: TrustStore,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> Iterator[StepResult]:
    """Yield each step's result as it completes; stop after the first failure.

    `password` may be a callable: it is called only once TLS is trusted (so a prompt
    comes after the certificate question, never before). Closing the generator early
    closes any open connection.
    """
    checker = _Checkup(target, password, trust, timeout)
    try:
        for name in STEPS:
            result = checker.run_step(name)
            yield result
            if not result.ok:
                return
    finally:
        checker.close()


def check_all(
    target: Target, password: Password, trust: TrustStore, *, timeout: float = DEFAULT_TIMEOUT
) -> list[StepResult]:
    """The whole test at once (for callers that do not tick steps live)."""
    return list(run_checkup(target, password, trust, timeout=timeout))


class _Checkup:
    def __init__(self, target: Target, password: Password, trust: TrustStore, timeout: float):
        self.target = target
        self.password = password
        self.trust = trust
        self.timeout = timeout
        self.client: IMAPClient | None = None
        self._password_value: str | None = None

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            try:
                client.logout()
            except Exception:
                with contextlib.suppress(Exception):
                    client.shutdown()

    def run_step(self, name: str) -> StepResult:
        step: Callable[[], tuple[str, Diagnosis | None]] = getattr(self, f"_step_{name}")
        start = time.monotonic()
        try:
            detail, warning = step()
        except _Failed as failure:
            return StepResult(
                name,
                False,
                time.monotonic() - start,
                failure.detail or failure.diagnosis.title,
                failure.diagnosis,
                failure.certificate,
            )
        except Exception as exc:  # any other failure still becomes a diagnosis, not a crash
            return StepResult(
                name, False, time.monotonic() - start, _short(exc), self._diagnose(exc, name)
            )
        ok = warning is None or warning.kind != "quota_full"
        return StepResult(name, ok, time.monotonic() - start, detail, warning)

    # --- helpers ---------------------------------------------------------------------

    def _protocol(self, step: str) -> tuple[str, str, int]:
        if step == "smtp_login":
            return "smtp", self.target.smtp_host, self.target.smtp_port
        return "imap", self.target.imap_host, self.target.imap_port

    def _diagnose(self, exc: BaseException, step: str) -> Diagnosis:
        protocol, host, port = self._protocol(step)
        return diagnose(
            exc,
            step=step,
            host=host,
            port=port,
            protocol=protocol,
            username=self.target.username,
        )

    def _fail(self, exc: BaseException, step: str) -> _Failed:
        certificate = exc if isinstance(exc, CertificateError) else None
        return _Failed(self._diagnose(exc, step), _short(exc), certificate)

    def _get_password(self, step: str) -> str:
        if self._password_value is None:
            try:
                value = self.password() if callable(self.password) else self.password
            except Exception as exc:
                raise self._fail(exc, step) from None
            if not value:
                from tui.core.diagnose.diagnose import password_diagnosis

                raise _Failed(password_diagnosis(), _("aucun mot de passe"))
            self._password_value = value
        return self._password_value

    # --- the steps ---------------------------------------------------------------------

    def _step_resolve(self) -> tuple[str, Diagnosis | None]:
        host, port = self.target.imap_host, self.target.imap_port
        try:
            infos = _in_thread(
                lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM),
                self.timeout,
                "resolve",
            )
        except (OSError, TimeoutError) as exc:
            raise self._fail(exc, "resolve") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        return ", ".join(addresses[:3]), None

    def _step_tcp(self) -> tuple[str, Diagnosis | None]:
        host, port = self.target.imap_host, self.target.imap_port
        try:
            with socket.create_connection((host, port), timeout=self.timeout) as sock:
                peer = sock.getpeername()
        except OSError as exc:
            raise self._fail(exc, "tcp") from None
        return _("connecté à {address} port {port}").format(address=peer[0], port=port), None

    def _step_tls(self) -> tuple[str, Diagnosis | None]:
        host, port = self.target.imap_host, self.target.imap_port
        context = self.trust.tls_context(host, port)
        try:
            with (
                socket.create_connection((host, port), timeout=self.timeout) as raw,
                context.wrap_socket(raw, server_hostname=host) as tls,
            ):
                der = tls.getpeercert(binary_form=True)
                version = tls.version() or "TLS"
        except ssl.SSLCertVerificationError as exc:
            decision = self.trust.needs_decision(host, port, exc, timeout=self.timeout)
            raise self._fail(decision, "tls") from None
        except OSError as exc:  # ssl.SSLError is an OSError
            raise self._fail(exc, "tls") from None
        try:
            self.trust.check_peer(host, port, der, timeout=self.timeout)
        except CertificateError as exc:
            raise self._fail(exc, "tls") from None
        if self.trust.decision(host, port) is not None:
            return _("{version}, certificat accepté par vous").format(version=version), None
        return _("{version}, certificat vérifié").format(version=version), None

    def _step_imap_login(self) -> tuple[str, Diagnosis | None]:
        from tui.core.net.tls import imap_connect

        host, port = self.target.imap_host, self.target.imap_port
        try:
            client = imap_connect(host, port, self.trust, self.timeout)
        except imaplib.IMAP4.error as exc:
            # TLS worked but the greeting was not IMAP: another service on this port.
            mismatch = ProtocolMismatch(
                _("{host}:{port} ne répond pas comme un serveur IMAP.").format(
                    host=host, port=port
                ),
                detail=clean_line(str(exc))[:200],
            )
            raise self._fail(mismatch, "imap_login") from None
        except Exception as exc:
            raise self._fail(exc, "imap_login") from None
        try:
            password = self._get_password("imap_login")
            client.login(self.target.username, password)
        except BaseException as exc:
            with contextlib.suppress(Exception):
                client.shutdown()
            if isinstance(exc, _Failed) or not isinstance(exc, Exception):
                raise
            raise self._fail(exc, "imap_login") from None
        self.client = client
        connected = _("connecté en tant que « {user} »").format(user=self.target.username)
        server = server_name(client)
        return (f"{connected} · {server}" if server else connected), None

    def _step_smtp_login(self) -> tuple[str, Diagnosis | None]:
        host, port = self.target.smtp_host, self.target.smtp_port
        password = self._get_password("smtp_login")

        async def attempt() -> None:
            from tui.core.net.tls import smtp_connect

            smtp = await smtp_connect(
                host, port, self.trust, self.target.username, password, self.timeout
            )
            try:
                await smtp.quit()
            except Exception:
                smtp.close()

        def run() -> None:
            asyncio.run(asyncio.wait_for(attempt(), self.timeout * 2))

        try:
            # A thread of its own: the caller may already be inside an event loop.
            _in_thread(run, self.timeout * 2 + 5, "smtp")
        except Exception as exc:
            if self.client is not None and classify(exc) == "auth":
                # IMAP took this very password a moment ago: it is not the password.
                found = self._diagnose(exc, "smtp_login")
                refused = sending_refused_diagnosis(self.target.username, found.technical)
                raise _Failed(refused, _short(exc)) from None
            raise self._fail(exc, "smtp_login") from None
        return _("connecté à {host} port {port}").format(host=host, port=port), None

    def _step_folders(self) -> tuple[str, Diagnosis | None]:
        from tui.core.mail.formatting import size_short
        from tui.core.net.imap import ImapConnection

        if self.client is None:
            raise self._fail(ConnectionLost(_("Pas de connexion au serveur.")), "folders")
        connection = ImapConnection(
            self.target.imap_host, self.target.imap_port, self.target.username, "", self.trust
        )
        connection.adopt(self.client)
        try:
            folders = connection.list_folders()
            quota = connection.quota()
            _read_newest(connection)
        except Exception as exc:
            raise self._fail(exc, "folders") from None
        detail = ngettext("{count} dossier", "{count} dossiers", len(folders)).format(
            count=len(folders)
        )
        offered = connection.offered().items()
        missing = [name for name, there in offered if not there and name != "QUOTA"]
        if missing:  # for the help desk: what courriel does without on this server
            detail += " ; " + _("sans {extensions}").format(extensions=", ".join(missing))
        if quota is None and connection.has("QUOTA"):  # Cyrus: QUOTA, no limit set here
            return detail + " ; " + _("pas de limite de taille sur cette boîte"), None
        if quota is None:
            return detail + " ; " + _("le serveur n'annonce pas de quota"), None
        used, limit = quota
        percent = int(used * 100 / limit) if limit else 0
        detail += " ; " + _("{used} utilisés sur {limit} ({percent} %)").format(
            used=size_short(used * 1024), limit=size_short(limit * 1024), percent=percent
        )
        warning = quota_diagnosis(used, limit)
        if warning is not None:
            try:
                biggest = biggest_messages(self.client)
            except Exception:
                biggest = []  # naming them is a bonus; the quota itself is the news
            warning = quota_diagnosis(used, limit, biggest)
        return detail, warning


def _read_newest(connection: Any, count: int = 20) -> None:
    """Read the newest messages' summaries as a sync does, read-only: a server that
    answers a FETCH badly (truncated, malformed, absurdly deep) shows here, with the
    worker's words, instead of only as « hors ligne » in the app (issue #18)."""
    from tui.core.mail.summary import SUMMARY_ITEMS

    status = connection.select("INBOX", readonly=True)
    if status.uidnext > 1:  # 0: not announced; the folder list was the check then
        connection.fetch_uid_range(
            max(1, status.uidnext - count), status.uidnext - 1, SUMMARY_ITEMS
        )


def biggest_messages(
    client: IMAPClient, folder: str = "INBOX", count: int = 5
) -> list[tuple[str, int]]:
    """(subject, size in bytes) of the largest messages of `folder`, largest first.

    Read-only select, BODY.PEEK: nothing is marked read. At most BIGGEST_SCAN_LIMIT
    messages over BIGGEST_MIN_SIZE are looked at, in explicit-UID batches.
    """
    client.select_folder(folder, readonly=True)
    uids = list(client.search(["LARGER", BIGGEST_MIN_SIZE]))[-BIGGEST_SCAN_LIMIT:]
    sizes: list[tuple[int, int]] = []
    for start in range(0, len(uids), 500):
        batch = uids[start : start + 500]
        for uid, data in client.fetch(batch, ["RFC822.SIZE"]).items():
            sizes.append((int(data.get(b"RFC822.SIZE", 0)), int(uid)))
    top = sorted(sizes, reverse=True)[:count]
    if not top:
        return []
    header_key = b"BODY[HEADER.FIELDS (SUBJECT)]"
    headers = client.fetch([uid for _size, uid in top], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    found: list[tuple[str, int]] = []
    for size, uid in top:
        raw = headers.get(uid, {}).get(header_key, b"")
        found.append((_subject(raw if isinstance(raw, bytes) else b""), size))
    return found


def _subject(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    _name, _sep, value = text.partition(":")
    value = " ".join(value.split())
    with contextlib.suppress(ValueError, LookupError, UnicodeError):
        value = str(make_header(decode_header(value)))
    return clean_line(value)[:200]


def server_name(client: Any) -> str:
    """Which server answered, for the help desk: its ID (RFC 2971) when it gives one,
    else its greeting without the capability list. Hostile text: sanitised, bounded."""
    with contextlib.suppress(Exception):
        if client.has_capability("ID"):
            info = _id_fields(client.id_())
            named = " ".join(info[key] for key in ("name", "version") if key in info)
            if named:
                return shorten(clean_line(named), 80)
    with contextlib.suppress(Exception):
        greeting = _text(client.welcome or b"")
        greeting = re.sub(r"^\s*\*?\s*OK\s*", "", greeting)
        return shorten(clean_line(re.sub(r"^\[[^\]]*\]\s*", "", greeting)), 80)
    return ""


def _id_fields(answer: object) -> dict[str, str]:
    """imapclient gives the ID answer as parsed, ``((b'name', b'Dovecot', …),)``: keys
    and values alternate inside the first list; NIL or anything else gives nothing."""
    fields: object = answer
    while isinstance(fields, tuple | list) and len(fields) == 1:
        fields = fields[0]
    if not isinstance(fields, tuple | list):
        return {}
    pairs = zip(fields[0::2], fields[1::2], strict=False)
    return {_text(key).lower(): _text(value) for key, value in pairs if value is not None}


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _short(exc: BaseException) -> str:
    """One line naming what failed, for the step's detail column, in the UI's language:
    never the system's English (« [Errno 111] Connection refused ») nor a bytes repr."""
    if isinstance(exc, MailError):
        return shorten(clean_line(exc.message), 160)
    if classify(exc) in ("dns", "refused", "timeout", "network", "tls", "wrong_port"):
        return plain_reason(exc)
    return explain_reply(str(getattr(exc, "message", "") or exc)) or plain_reason(exc)


def summary(results: Sequence[StepResult]) -> tuple[bool, Diagnosis | None]:
    """Whether every step passed, and the diagnosis to show (the failure, else a warning)."""
    ok = len(results) == len(STEPS) and all(r.ok for r in results)
    failed = next((r.diagnosis for r in results if not r.ok), None)
    warning = next((r.diagnosis for r in results if r.ok and r.diagnosis), None)
    return ok, failed or warning
