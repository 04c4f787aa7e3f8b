"""The bounded IMAP reader: every answer a server sends is read within limits.

A literal is read as long as announced and no longer, a line and a whole answer are
capped in bytes, and the answer must arrive within a deadline that grows with what was
received (issue #18). `ImapConnection` (tui/core/net/imap.py) opens a `Budget` around each
command; `guarded_client` gives the same reader to clients made elsewhere (doctor).
"""

from __future__ import annotations

import errno
import io
import socket
import ssl
import time
from typing import Any

from imapclient import IMAPClient, tls

from tui.core.errors import ServerMisbehaved, ServerTooSlow
from tui.core.i18n import _
from tui.core.mail.formatting import size_short

# Limits on what one server answer may cost (issue #18; docs/architecture.md, Limits).
RESPONSE_SECONDS = 60.0  # a whole answer must arrive within this…
RESPONSE_BYTES_PER_SECOND = 4096  # …plus one second per this many bytes received
MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # one answer; a 20 MB message in base64 fits
MAX_LINE_BYTES = 1_000_000  # one line of an answer (imaplib's own limit)


class Budget:
    """What the answer being read may still cost: a deadline and a byte count.

    The connection opens it around each command; the socket reader (`GuardedIO`)
    spends it on every read, so a trickle or a flood ends the command, not the user's
    patience or memory.
    """

    def __init__(self, seconds: float, read_timeout: float) -> None:
        self.seconds = seconds
        self.read_timeout = read_timeout
        self.started: float | None = None  # time.monotonic() of the command in flight
        self.last_read = 0.0  # time.monotonic() of the last bytes received for it
        self.received = 0

    def open(self) -> None:
        self.started = self.last_read = time.monotonic()
        self.received = 0

    def silent_since(self) -> float | None:
        """Since when the command in flight has received nothing; None between commands."""
        started = self.started  # read once: the worker thread may close it meanwhile
        return None if started is None else max(started, self.last_read)

    def close(self) -> None:
        self.started = None

    def remaining(self) -> float | None:
        """Seconds left for the answer (slow links get one more per 4 KiB received)."""
        if self.started is None:
            return None
        allowed = self.seconds + self.received / RESPONSE_BYTES_PER_SECOND
        return self.started + allowed - time.monotonic()

    def too_slow(self) -> ServerTooSlow:
        return ServerTooSlow(
            _("Le serveur répond trop lentement : pas de réponse complète en {seconds} s.").format(
                seconds=int(time.monotonic() - (self.started or time.monotonic()))
            )
        )

    def spend(self, count: int) -> None:
        self.received += count
        self.last_read = time.monotonic()
        if self.started is not None and self.received > MAX_RESPONSE_BYTES:
            raise ServerMisbehaved(
                _("Le serveur a envoyé une réponse de plus de {size} ; elle a été refusée.").format(
                    size=size_short(MAX_RESPONSE_BYTES)
                )
            )


_WOULD_BLOCK = {errno.EAGAIN, errno.EWOULDBLOCK}


class GuardedIO(io.RawIOBase):
    """The socket as imaplib reads it (what `makefile` gives), checking the budget."""

    def __init__(self, sock: socket.socket, budget: Budget) -> None:
        super().__init__()
        self._sock = sock
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        budget = self._budget
        remaining = budget.remaining()
        if remaining is not None:
            if remaining <= 0:
                raise budget.too_slow()
            if self._sock.gettimeout() != 0.0:  # IDLE polls without blocking: left alone
                self._sock.settimeout(max(0.01, min(budget.read_timeout, remaining)))
        try:
            count = self._sock.recv_into(buffer)
        except TimeoutError:
            left = budget.remaining()
            if left is not None and left <= 0:
                raise budget.too_slow() from None
            raise
        except OSError as exc:
            if exc.errno in _WOULD_BLOCK:
                return None
            raise
        budget.spend(count)
        return count


class GuardedIMAP4(tls.IMAP4_TLS):  # type: ignore[misc]
    """imaplib over implicit TLS, reading through `GuardedIO`, and refusing a literal
    larger than an answer may be or shorter than announced (a truncated literal)."""

    def __init__(
        self,
        budget: Budget,
        host: str,
        port: int,
        ssl_context: ssl.SSLContext | None,
        timeout: float | None,
    ) -> None:
        self.budget = budget
        super().__init__(host, port, ssl_context, timeout)

    def open(self, host: str = "", port: int = 993, timeout: float | None = None) -> None:
        self.host = host
        self.port = port
        self.sock = self._create_socket(timeout)
        self.file = io.BufferedReader(GuardedIO(self.sock, self.budget))

    def read(self, size: int) -> bytes:
        if size > MAX_RESPONSE_BYTES:
            raise ServerMisbehaved(
                _("Le serveur annonce un bloc de {size} ; la limite est {limit}.").format(
                    size=size_short(size), limit=size_short(MAX_RESPONSE_BYTES)
                )
            )
        data = self.file.read(size) or b""
        if len(data) < size:
            raise ServerMisbehaved(
                _(
                    "Le serveur a coupé une réponse en cours : {got} octets reçus sur "
                    "{size} annoncés."
                ).format(got=len(data), size=size)
            )
        return data

    def readline(self) -> bytes:
        line = self.file.readline(MAX_LINE_BYTES + 1)
        if len(line) > MAX_LINE_BYTES:
            raise ServerMisbehaved(
                _("Le serveur a envoyé une ligne de plus de {size}.").format(
                    size=size_short(MAX_LINE_BYTES)
                )
            )
        return line


class GuardedClient(IMAPClient):  # type: ignore[misc]
    """IMAPClient whose imaplib object is `GuardedIMAP4` (imapclient 4.1.0 creates it
    in `_create_IMAP4`, the one private method overridden here)."""

    def __init__(self, budget: Budget, host: str, **kwargs: Any) -> None:
        self._budget = budget
        super().__init__(host, **kwargs)

    def _create_IMAP4(self) -> GuardedIMAP4:
        return GuardedIMAP4(
            self._budget,
            self.host,
            self.port,
            self.ssl_context,
            getattr(self._timeout, "connect", None),
        )


def guarded_client(
    host: str, port: int, ssl_context: ssl.SSLContext | None, timeout: float
) -> IMAPClient:
    """An IMAPClient over implicit TLS that reads within this module's limits (a
    literal as long as announced, lines and answers bounded); `ImapConnection.adopt`
    adds the whole-answer deadline. For clients made outside ImapConnection (doctor)."""
    # A whole answer gets at most twice the caller's timeout (doctor's is short):
    # the worker's 60 s deadline made a trickling server hold the doctor for minutes.
    return GuardedClient(
        Budget(min(RESPONSE_SECONDS, max(2 * timeout, 5.0)), timeout),
        host,
        port=port,
        ssl=True,
        ssl_context=ssl_context,
        timeout=timeout,
    )
