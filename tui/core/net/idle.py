"""IMAP IDLE on INBOX, so new mail shows without waiting for the next periodic sync.

A connection of its own on a thread of its own (PITFALLS: a command sent during IDLE
kills the connection, so the sync worker's connection never idles). It fetches
nothing: when the server announces a change it calls `on_change`, and the sync worker
does the (cheap, incremental) work. IDLE is renewed every RENEW_SECONDS, below the
ten minutes after which some servers and NAT boxes drop a silent connection.
Password and certificate problems end it quietly: the sync worker asks the user.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tui.core.errors import AuthError, CertificateError, MailError
from tui.core.net.imap import ImapConnection

RENEW_SECONDS = 9 * 60
SETTLE_SECONDS = 1.0  # a burst of deliveries becomes one sync
POLL_SECONDS = 1.0  # how fast stop() is noticed while idling


class IdleWatcher:
    """Watches one folder (INBOX) and calls `on_change` when the server reports changes."""

    def __init__(
        self,
        conn: ImapConnection,
        on_change: Callable[[], None],
        *,
        folder: str = "INBOX",
        backoff_start: float = 1.0,
        backoff_max: float = 300.0,
        renew_seconds: float = RENEW_SECONDS,
    ) -> None:
        """`conn` is a connection of its own, not yet connected, used only here."""
        self.folder = folder
        self.on_change = on_change
        self.renew_seconds = renew_seconds
        self.backoff_start, self.backoff_max = backoff_start, backoff_max
        self._conn = conn
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"idle-{conn.username}", daemon=True)
        self.idling = threading.Event()  # set while an IDLE is open (tests wait on it)
        self.ended: str | None = None  # why it gave up for good, if it did
        self._sessions = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def join(self, timeout: float) -> None:
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        backoff = self.backoff_start
        try:
            while not self._stop.is_set():
                try:
                    self._session()
                    backoff = self.backoff_start
                except (AuthError, CertificateError) as exc:
                    self.ended = exc.message
                    return
                except MailError:
                    pass  # offline or refused: try again later, as the worker does
                if self._stop.wait(backoff):
                    return
                backoff = min(backoff * 2, self.backoff_max)
        finally:
            self.idling.clear()

    def _session(self) -> None:
        try:
            self._watch(self._conn)
        finally:
            self.idling.clear()
            self._conn.close()

    def _watch(self, conn: ImapConnection) -> None:
        conn.connect()
        if not conn.has("IDLE"):
            self.ended = "IDLE"
            self._stop.set()
            return
        conn.examine(self.folder)
        self._sessions += 1
        if self._sessions > 1:
            # Mail may have come while this connection was down: IDLE reports only
            # what happens from now on, so the folder is synced once (issue #24).
            self.on_change()
        while not self._stop.is_set():
            conn.idle_start()
            self.idling.set()
            changed = False
            renew_at = time.monotonic() + self.renew_seconds
            while not self._stop.is_set() and time.monotonic() < renew_at:
                if conn.idle_wait(POLL_SECONDS):
                    changed = True
                    break
            if changed:
                self._stop.wait(SETTLE_SECONDS)
            self.idling.clear()
            conn.idle_done()
            if changed and not self._stop.is_set():
                self.on_change()
