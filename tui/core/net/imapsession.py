"""One IMAP session over implicit TLS: connect with the trust decisions applied, every
call bounded in time and size (tui/core/net/imapguard.py), capabilities read after login
and used only when offered, SELECT, and IDLE.

The commands on folders and messages are tui/core/net/imap.py's `ImapConnection`, built
on this class.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Callable
from typing import TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError, ProtocolError

from tui.core.diagnose.replies import login_refused
from tui.core.errors import ConnectionLost, MailError, ServerMisbehaved
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line
from tui.core.net.imapguard import RESPONSE_SECONDS, Budget, GuardedClient
from tui.core.net.imapreplies import MailboxStatus, flag_names, text_of
from tui.core.net.trust import TrustStore

T = TypeVar("T")

# The extensions courriel uses when a server offers them, and does without otherwise
# (docs/compatibility.md); `courriel doctor` names the missing ones.
KNOWN_CAPABILITIES = (
    "CONDSTORE",
    "ENABLE",
    "ESEARCH",
    "IDLE",
    "LIST-STATUS",
    "MOVE",
    "QUOTA",
    "SPECIAL-USE",
    "UIDPLUS",
    "UNSELECT",
)


class CommandFailed(MailError):
    """The server answered NO or BAD to a command."""

    @property
    def title(self) -> str:
        return _("Commande refusée")


class ImapSession:
    """One authenticated IMAP session; every call from the one thread that owns it."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        trust: TrustStore,
        *,
        timeout: float = 30.0,
        response_seconds: float = RESPONSE_SECONDS,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.trust = trust
        self.timeout = timeout
        self._budget = Budget(response_seconds, timeout)
        self.folders_announced = 0  # LIST answers of the last folder list (capped)
        self.client: IMAPClient | None = None
        self.capabilities: frozenset[str] = frozenset()
        self.selected: str | None = None
        self.condstore_enabled = False  # ENABLE CONDSTORE done in this session
        self._condstore_refused = False

    # --- session ------------------------------------------------------------------

    def set_password(self, password: str) -> None:
        """A new password for the next `connect` (the user typed it again)."""
        self._password = password

    def connect(self) -> None:
        """TLS, certificate checks, then LOGIN; raises AuthError/ConnectionLost/Certificate*."""
        context = self.trust.tls_context(self.host, self.port)
        self._budget.open()  # the greeting and LOGIN have a deadline too
        try:
            client = GuardedClient(
                self._budget,
                self.host,
                port=self.port,
                ssl=True,
                ssl_context=context,
                timeout=self.timeout,
            )
        except ssl.SSLCertVerificationError as exc:
            self._budget.close()
            raise self.trust.needs_decision(self.host, self.port, exc) from None
        except ConnectionLost:
            self._budget.close()
            raise
        except (OSError, IMAPClientError) as exc:
            self._budget.close()
            raise ConnectionLost(
                _("Impossible de joindre {host}:{port}.").format(host=self.host, port=self.port),
                detail=str(exc),
            ) from None
        try:
            sock = client.socket()
            der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
            self.trust.check_peer(self.host, self.port, der)
            client.normalise_times = False
            try:
                client.login(self.username, self._password)
            except LoginError as exc:
                raise login_refused(self.username, str(exc)) from None
            self.capabilities = frozenset(text_of(c).upper() for c in client.capabilities())
        except (IMAPClientAbortError, OSError, EOFError) as exc:
            self._drop(client)
            raise ConnectionLost(
                _("La connexion au serveur a été perdue."), detail=str(exc)
            ) from None
        except BaseException:
            self._drop(client)
            raise
        finally:
            self._budget.close()
        self.client = client
        self.selected = None
        self.condstore_enabled = False

    @staticmethod
    def _drop(client: IMAPClient) -> None:
        with contextlib.suppress(Exception):  # already broken: nothing to report
            client.shutdown()

    def close(self) -> None:
        """LOGOUT politely; a dead connection is simply dropped."""
        client, self.client = self.client, None
        self.selected = None
        if client is None:
            return
        self._budget.open()
        try:
            client.logout()
        except Exception:
            self._drop(client)
        finally:
            self._budget.close()

    def adopt(self, client: IMAPClient) -> None:
        """Use a client logged in elsewhere (doctor's), with its deadline if guarded."""
        self.client = client
        self.selected = None
        self.capabilities = frozenset(text_of(c).upper() for c in client.capabilities())
        if isinstance(client, GuardedClient):
            self._budget = client._budget

    @property
    def busy_since(self) -> float | None:
        """time.monotonic() when the command in flight began; None between commands.
        Read from other threads (a float), so the status bar can say a server is slow."""
        return self._budget.started

    @property
    def silent_since(self) -> float | None:
        """Since when the command in flight has received nothing: a 20 MB body arriving
        is a slow answer, not a silent server. None between commands."""
        return self._budget.silent_since()

    @property
    def connected(self) -> bool:
        return self.client is not None

    def has(self, capability: str) -> bool:
        return capability.upper() in self.capabilities

    def offered(self) -> dict[str, bool]:
        return {name: self.has(name) for name in KNOWN_CAPABILITIES}

    def _call(self, fn: Callable[[IMAPClient], T]) -> T:
        """Run one command; network failures become ConnectionLost, NO/BAD CommandFailed."""
        if self.client is None:
            raise ConnectionLost(_("Pas de connexion au serveur."))
        self._budget.open()
        try:
            return fn(self.client)
        except ConnectionLost:  # a limit crossed while reading (Budget, GuardedIMAP4)
            self._lose()
            raise
        except RecursionError:
            self._lose()
            raise ServerMisbehaved(
                _("Le serveur a décrit un message d'une structure trop profonde pour être lue.")
            ) from None
        except (ProtocolError, ValueError) as exc:
            # An answer that does not parse: what came after it cannot be trusted either.
            self._lose()
            raise ServerMisbehaved(
                _("Le serveur a envoyé une réponse illisible ({detail}).").format(
                    detail=clean_line(str(exc))[:120]
                ),
                detail=clean_line(str(exc))[:300],
            ) from None
        except (IMAPClientAbortError, OSError, EOFError) as exc:
            self._lose()
            raise ConnectionLost(
                _("La connexion au serveur a été perdue."), detail=str(exc)
            ) from None
        except IMAPClientError as exc:
            text = str(exc)
            if "abort" in type(exc).__name__.lower() or "socket error" in text.lower():
                client, self.client = self.client, None
                if client is not None:
                    self._drop(client)
                raise ConnectionLost(
                    _("La connexion au serveur a été perdue."), detail=text
                ) from None
            raise CommandFailed(_("Le serveur a refusé la commande."), detail=text) from None
        finally:
            self._budget.close()

    def _lose(self) -> None:
        """Drop the connection: the answer in progress left it in an unknown state."""
        client, self.client = self.client, None
        self.selected = None
        if client is not None:
            self._drop(client)

    @property
    def condstore(self) -> bool:
        """CONDSTORE offered (and not refused): STATUS and SELECT report HIGHESTMODSEQ.
        Only with ENABLE too: that is how courriel turns it on, and a server that did
        not announce ENABLE must not receive it (issue #16); it is synced without."""
        return self.has("CONDSTORE") and self.has("ENABLE") and not self._condstore_refused

    def _enable_condstore(self) -> None:
        """ENABLE only before the first SELECT: a no-change sync never selects, so it
        never pays this round trip. Makes SELECT report HIGHESTMODSEQ and FETCH accept
        CHANGEDSINCE."""
        if self.condstore_enabled or not self.condstore:
            return
        try:
            self._call(lambda c: c.enable("CONDSTORE"))
        except CommandFailed:
            self._condstore_refused = True
            return
        self.condstore_enabled = True

    def select(self, folder: str, readonly: bool = False) -> MailboxStatus:
        """SELECT (EXAMINE when `readonly`: nothing the session does can change flags)."""
        self._enable_condstore()
        data = self._call(lambda c: c.select_folder(folder, readonly=readonly))
        self.selected = folder
        modseq = data.get(b"HIGHESTMODSEQ")
        return MailboxStatus(
            uidvalidity=int(data.get(b"UIDVALIDITY", 0)),
            uidnext=int(data.get(b"UIDNEXT", 0)),
            messages=int(data.get(b"EXISTS", 0)),
            # Only once ENABLEd: an older server reports it in every SELECT while STATUS
            # is not asked for it, and every quiet folder would look changed.
            highestmodseq=int(modseq) if modseq is not None and self.condstore else None,
            permanent=flag_names(data.get(b"PERMANENTFLAGS")),
        )

    def unselect(self) -> bool:
        """Leave the selected folder without expunging; False when UNSELECT is not offered."""
        if self.selected is None:
            return True
        if not self.has("UNSELECT"):
            return False
        self._call(lambda c: c.unselect_folder())
        self.selected = None
        return True

    def ensure_selected(self, folder: str) -> None:
        if self.selected != folder:
            self.select(folder)

    def _leave(self, folder: str) -> None:
        """Not in `folder` when it is renamed or deleted (Dovecot refuses to delete the
        selected folder); without UNSELECT, INBOX is selected instead."""
        if self.selected == folder and not self.unselect():
            self.select("INBOX", readonly=True)
            self.selected = None  # EXAMINEd: the next SELECT of INBOX must not be skipped

    def noop(self) -> None:
        self._call(lambda c: c.noop())

    # --- IDLE (only on a connection of its own: any other command would kill it) ------

    def examine(self, folder: str) -> None:
        """Select read-only: the IDLE connection must never change a flag."""
        self._call(lambda c: c.select_folder(folder, readonly=True))
        self.selected = folder

    def idle_start(self) -> None:
        self._call(lambda c: c.idle())

    def idle_wait(self, timeout: float) -> bool:
        """True when the server announced new, expunged or changed messages.

        imapclient's idle_check swallows an EOF and returns [] at once, so a connection
        the server closed looked like a quiet one polled in a tight loop (99 % CPU for
        minutes, no reconnection): an early empty answer is checked against the socket.
        """
        started = time.monotonic()
        responses = self._call(lambda c: c.idle_check(timeout=timeout))
        if not responses and time.monotonic() - started < timeout / 2 and self._peer_closed():
            raise ConnectionLost(_("Le serveur a fermé la connexion d'attente (IDLE)."))
        return any(
            isinstance(r, tuple) and len(r) >= 2 and r[1] in (b"EXISTS", b"EXPUNGE", b"FETCH")
            for r in responses
        )

    def _peer_closed(self) -> bool:
        """Has the server closed the TCP connection? Peeks at the raw socket under TLS
        (an empty read is a FIN), without consuming anything."""
        client = self.client
        if client is None:
            return True
        try:
            sock = client.socket()
            data = socket.socket.recv(sock, 1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        return data == b""

    def idle_done(self) -> None:
        self._call(lambda c: c.idle_done())
