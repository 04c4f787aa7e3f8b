"""A small ManageSieve client (RFC 5804): put the user's rules on the server (#19).

ManageSieve speaks in clear on port 4190 until STARTTLS; this client refuses a server
that does not offer it, and sends nothing but STARTTLS before the certificate has been
checked (the same trust decisions as IMAP: a certificate that does not verify is
accepted only if it is the very one already accepted for the account's IMAP server).
It never replaces a script it did not write: when another is active (a vacation reply
set in the webmail), installing is refused with its name. Answers are bounded.
"""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import ssl
import time

from tui.core.errors import AuthError, CertificateError, ConnectionLost, MailError
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line
from tui.core.mail.sieve import SCRIPT_NAME, other_script_active
from tui.core.net.certificates import format_fingerprint
from tui.core.net.tls import peer_der
from tui.core.net.trust import TrustStore

MAX_LINE = 64 * 1024
MAX_LITERAL = 1024 * 1024
MAX_LINES = 1000
MAX_RESPONSE = 4 * 1024 * 1024  # bytes of one whole answer, literals included
_LITERAL = re.compile(rb"\{(\d{1,9})\+?\}\r?\n?$")


class SieveRefused(MailError):
    """The server said NO (or BYE): its words, cleaned, in `detail`."""


class ManageSieve:
    """One session: connect() (greeting, STARTTLS, certificate), login(), commands."""

    def __init__(
        self,
        host: str,
        port: int,
        trust: TrustStore,
        *,
        imap_port: int,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.imap_port = host, port, imap_port
        self.trust, self.timeout = trust, timeout
        self.capabilities: dict[str, str] = {}
        self._sock: socket.socket | None = None
        self._buffer = b""
        # The whole session's: the worker waits on it, and IMAP with it.
        self._deadline = time.monotonic() + 4 * timeout

    # --- the session -------------------------------------------------------------

    def connect(self) -> None:
        try:
            raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise ConnectionLost(
                _("Le service de filtrage {host}:{port} ne répond pas.").format(
                    host=self.host, port=self.port
                ),
                detail=str(exc)[:200],
            ) from None
        self._use(raw)
        self.capabilities = self._capabilities(self._response())
        if "STARTTLS" not in self.capabilities:
            self.close()
            raise MailError(
                _("Le service de filtrage ne propose pas de chiffrement : courriel refuse.")
            )
        self._send(b"STARTTLS\r\n")
        self._response()
        self._use(self._tls(raw))
        # RFC 5804: the capabilities again, now that nobody can have altered them.
        self.capabilities = self._capabilities(self._response())

    def _tls(self, raw: socket.socket) -> ssl.SSLSocket:
        """The TLS layer, its certificate checked before anything else is sent: verified
        (or pinned) for this port, or else the very certificate the user accepted for
        the account's IMAP server (same host), compared by fingerprint."""
        try:
            tls = self.trust.tls_context(self.host, self.port).wrap_socket(
                raw, server_hostname=self.host
            )
        except ssl.SSLCertVerificationError:
            return self._tls_as_imap()
        except (OSError, ssl.SSLError) as exc:
            raise ConnectionLost(_("La négociation TLS a échoué."), detail=str(exc)) from None
        self.trust.check_peer(self.host, self.port, peer_der(tls))
        return tls

    def _tls_as_imap(self) -> ssl.SSLSocket:
        accepted = self.trust.decision(self.host, self.imap_port)
        if accepted is not None:
            raw = self._reconnect_for_tls()  # a failed handshake leaves nothing usable
            try:
                tls = self.trust.tls_context(self.host, self.imap_port).wrap_socket(
                    raw, server_hostname=self.host
                )
            except (OSError, ssl.SSLError) as exc:
                raise ConnectionLost(_("La négociation TLS a échoué."), detail=str(exc)) from None
            if format_fingerprint(peer_der(tls)) == accepted.sha256:
                return tls
        self.close()
        raise CertificateError(
            _(
                "Le certificat du service de filtrage ({host}:{port}) n'est pas vérifiable "
                "et n'est pas celui que vous avez accepté pour la messagerie : refusé."
            ).format(host=self.host, port=self.port)
        )

    def _reconnect_for_tls(self) -> socket.socket:
        """A new connection up to STARTTLS, for a second handshake attempt."""
        self.close()
        try:
            raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise ConnectionLost(
                _("Le service de filtrage a coupé la connexion."), detail=str(exc)
            ) from None
        self._use(raw)
        self._response()
        self._send(b"STARTTLS\r\n")
        self._response()
        return raw

    def login(self, username: str, password: str) -> None:
        if "PLAIN" not in self.capabilities.get("SASL", "").upper().split():
            raise MailError(_("Le service de filtrage n'accepte pas l'identification PLAIN."))
        token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
        try:
            self._command(f'AUTHENTICATE "PLAIN" "{token}"')
        except SieveRefused:
            raise AuthError(
                _("Le service de filtrage a refusé l'identifiant ou le mot de passe.")
            ) from None

    def scripts(self) -> list[tuple[str, bool]]:
        """(name, active) of the user's scripts on the server."""
        found = []
        for line in self._command("LISTSCRIPTS"):
            name, rest = _string(line)
            if name is not None:
                found.append((name, rest.strip().upper() == b"ACTIVE"))
        return found

    def put(self, name: str, script: str) -> None:
        data = script.encode("utf-8")
        self._command(f"PUTSCRIPT {_quote(name)} {{{len(data)}+}}", literal=data)

    def activate(self, name: str) -> None:
        """`name` becomes the active script ("" deactivates every script)."""
        self._command(f"SETACTIVE {_quote(name)}")

    def delete(self, name: str) -> None:
        self._command(f"DELETESCRIPT {_quote(name)}")

    def logout(self) -> None:
        with contextlib.suppress(MailError, OSError):
            self._command("LOGOUT")
        self.close()

    def close(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        self._sock = None

    def set_courriel_script(self, username: str, password: str, script: str | None) -> None:
        """One whole session: `script` becomes courriel's active script, or (None)
        courriel's script is taken off. A script of the user's that is active (a
        vacation reply set in the webmail) is never replaced: MailError with its name."""
        try:
            self.connect()
            self.login(username, password)
            scripts = self.scripts()
            ours = [active for name, active in scripts if name == SCRIPT_NAME]
            if script is not None:
                other = [name for name, active in scripts if active and name != SCRIPT_NAME]
                if other:
                    raise MailError(other_script_active(other[0]))
                self.put(SCRIPT_NAME, script)
                self.activate(SCRIPT_NAME)
            else:
                if any(ours):
                    self.activate("")
                if ours:
                    self.delete(SCRIPT_NAME)
            self.logout()
        finally:
            self.close()

    # --- the wire ----------------------------------------------------------------

    def _use(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""  # what was read ahead in clear is never read after STARTTLS

    def _send(self, data: bytes) -> None:
        assert self._sock is not None
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise ConnectionLost(
                _("Le service de filtrage a coupé la connexion."), detail=str(exc)
            ) from None

    def _command(self, text: str, literal: bytes | None = None) -> list[bytes]:
        line = text.encode("utf-8") + b"\r\n"
        self._send(line + (literal + b"\r\n" if literal is not None else b""))
        return self._response()

    def _fill(self) -> None:
        """Read what has come, within the session's deadline: a server that sends a
        byte every few seconds does not hold the worker (and IMAP with it) for long."""
        assert self._sock is not None
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise ConnectionLost(_("Le service de filtrage ne répond plus."))
        try:
            self._sock.settimeout(min(left, self.timeout))
            data = self._sock.recv(65536)
        except OSError as exc:
            raise ConnectionLost(
                _("Le service de filtrage ne répond plus."), detail=str(exc)
            ) from None
        if not data:
            raise ConnectionLost(_("Le service de filtrage a coupé la connexion."))
        self._buffer += data

    def _readline(self) -> bytes:
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE:
                raise MailError(_("Le service de filtrage a répondu une ligne démesurée."))
            self._fill()
        line, _sep, self._buffer = self._buffer.partition(b"\n")
        if len(line) > MAX_LINE:
            raise MailError(_("Le service de filtrage a répondu une ligne démesurée."))
        return line + b"\n"

    def _read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _line(self) -> bytes:
        """One logical line: a line, with the literals it announces read in."""
        parts: list[bytes] = []
        while True:
            chunk = self._readline()
            found = _LITERAL.search(chunk)
            if found is None:
                parts.append(chunk.rstrip(b"\r\n"))
                return b"".join(parts)
            size = int(found.group(1))
            if size > MAX_LITERAL or sum(map(len, parts)) + size > MAX_RESPONSE:
                raise MailError(_("Le service de filtrage a répondu un bloc démesuré."))
            parts.append(chunk[: found.start()] + b'"' + self._read(size) + b'"')

    def _response(self) -> list[bytes]:
        """The data lines before OK; SieveRefused on NO or BYE."""
        lines: list[bytes] = []
        size = 0
        while len(lines) < MAX_LINES:
            line = self._line()
            size += len(line)
            if size > MAX_RESPONSE:
                raise MailError(_("Le service de filtrage a répondu un bloc démesuré."))
            word = line.split(b" ", 1)[0].upper()
            if word == b"OK":
                return lines
            if word in (b"NO", b"BYE"):
                said = clean_line(line.decode("utf-8", "replace"))[:300]
                raise SieveRefused(
                    _("Le service de filtrage a refusé : {reason}").format(reason=said)
                )
            lines.append(line)
        raise MailError(_("Le service de filtrage a répondu trop de lignes."))

    @staticmethod
    def _capabilities(lines: list[bytes]) -> dict[str, str]:
        found: dict[str, str] = {}
        for line in lines:
            name, rest = _string(line)
            if name is not None:
                value, _rest = _string(rest.strip())
                found[name.upper()] = value or ""
        return found


def _quote(text: str) -> str:
    if any(c in text for c in '\r\n"\\\0'):
        raise ValueError("unsafe ManageSieve string")
    return f'"{text}"'


def _string(line: bytes) -> tuple[str | None, bytes]:
    """The quoted string at the start of `line` and what follows it."""
    line = line.lstrip()
    if not line.startswith(b'"'):
        return None, line
    out = bytearray()
    index = 1
    while index < len(line):
        byte = line[index]
        if byte == 0x5C and index + 1 < len(line):  # backslash
            out.append(line[index + 1])
            index += 2
            continue
        if byte == 0x22:
            return out.decode("utf-8", "replace"), line[index + 1 :]
        out.append(byte)
        index += 1
    return out.decode("utf-8", "replace"), b""
