"""One serial IMAP thread per account: typed requests in, typed events out (aerc's model).

imapclient is blocking and not thread-safe, so every command of an account runs on this
thread. The app submits requests (`submit`, `sync_now`, `stop`) from any thread and gets
events through the `on_event` callback it provides (it wraps it in `call_from_thread` or
`post_message`); the callback runs on the worker thread.

Priorities, checked between every chunk of work: user requests first, then the folder
syncs a SyncAll expanded into, then backfill windows — so opening a message during a
40,000-message backfill waits for one window at most. A lost connection is retried with
backoff (1 s doubling to 5 min); an authentication or certificate problem waits for the
user (`resume`) instead of retrying in a loop.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from tui.core import logs
from tui.core.account.contract import (
    ActionsSent,
    AuthFailed,
    CacheRebuilt,
    CertificateDecisionNeeded,
    CertificateRefused,
    Command,
    CommandFailed,
    Conflicts,
    Connected,
    Event,
    FetchBody,
    FileSent,
    FolderCommand,
    Notice,
    Offline,
    Progress,
    Replay,
    ServerFault,
    Stop,
    Stopped,
    SyncAll,
)
from tui.core.account.jobs import WorkerJobs
from tui.core.account.steps import (
    BACKOFF_MAX,
    BACKOFF_START,
    LOCAL_ACTIONS,
    BackfillStep,
    ListStep,
    PrefetchStep,
    WorkerState,
    discard,
    step_key,
    step_name,
)
from tui.core.account.sync import SyncEngine
from tui.core.errors import AuthError, CertificateError, ConnectionLost, MailError
from tui.core.i18n import _
from tui.core.mail.rules import Rule
from tui.core.net.imap import (
    ImapConnection,
    ServerMisbehaved,
    ServerTooSlow,
)
from tui.core.net.imapguard import RESPONSE_SECONDS
from tui.core.net.trust import CertificateNeedsDecision, TrustStore
from tui.core.store import claims, outbox, replay_lock
from tui.core.store.cache import Cache

# A step the server answers badly this many times in a row is set aside for an hour:
# retrying the same poison reconnected once a second forever (issue #24).
POISON_ATTEMPTS = 3
POISON_HOLD_SECONDS = 3600.0
LOCKED_RETRY_SECONDS = 10.0  # another courriel replays this account's actions


class AccountWorker(WorkerJobs):
    """The thread that owns one account's IMAP connection and its cache writer."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        username: str,
        password: str,
        trust: TrustStore,
        cache_path: Path,
        on_event: Callable[[Event], None],
        durable_path: Path | None = None,
        undo_seconds: float = 0.0,
        first_page: int = 100,
        chunk: int | None = None,
        timeout: float = 30.0,
        response_seconds: float = RESPONSE_SECONDS,
        backoff_start: float = BACKOFF_START,
        backoff_max: float = BACKOFF_MAX,
        sync_on_connect: bool = True,
        prefetch_days: int = 0,
        rules: Sequence[Rule] = (),
        sieve_port: int = 4190,
    ) -> None:
        self.host, self.port, self.username = host, port, username
        self.rules = tuple(rules)  # sorting rules, applied to new mail in the inbox (#19)
        self.sieve_port = sieve_port
        self._password = password
        self.trust = trust
        self.cache_path = cache_path
        self.durable_path = durable_path
        # A user action reaches the server only once its undo window has passed: on
        # connect too, or `u` would find the message already gone (issue #15).
        self.undo_seconds = undo_seconds
        self.on_event = on_event
        self.first_page, self.chunk, self.timeout = first_page, chunk, timeout
        self.response_seconds = response_seconds
        self.backoff_start, self.backoff_max = backoff_start, backoff_max
        self.sync_on_connect = sync_on_connect
        self.prefetch_days = prefetch_days
        self._queue: queue.Queue[Command] = queue.Queue()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"imap-{username}", daemon=True)
        self._conn: ImapConnection | None = None

    # --- the app's side (any thread) --------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def submit(self, request: Command) -> None:
        self._queue.put(request)

    def sync_now(self) -> None:
        """The user's "sync now": also retries at once if offline."""
        self._wake.set()
        self.submit(SyncAll(thorough=True))

    def resume(self, password: str | None = None) -> None:
        """After a new password or a certificate decision: try to connect again now."""
        if password is not None:
            self._password = password
        self._wake.set()
        self.submit(SyncAll())

    def stop(self, timeout: float = 30.0) -> None:
        self.submit(Stop())
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def join(self, timeout: float) -> None:
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def busy_since(self) -> float | None:
        """time.monotonic() when the IMAP command in flight began, None when none is:
        the status bar says « connecté » only while commands complete."""
        conn = self._conn
        return conn.busy_since if conn is not None else None

    @property
    def silent_since(self) -> float | None:
        """Since when that command has received nothing (ImapConnection.silent_since)."""
        conn = self._conn
        return conn.silent_since if conn is not None else None

    # --- the worker thread ----------------------------------------------------------

    def _emit(self, event: Event) -> None:
        with contextlib.suppress(Exception):  # the app's callback must not kill the worker
            self.on_event(event)

    def _run(self) -> None:
        # An exception escaping this thread would print a traceback where Textual draws,
        # and leave the account without sync or send, silently.
        try:
            self._run_account()
        except MailError as error:
            self._emit(Notice(error.message))
            self._emit(Stopped())
        except Exception as error:
            path = logs.record(error, "worker thread")
            self._emit(
                Notice(
                    _(
                        "La relève s'est arrêtée à cause d'une erreur interne ; relancez "
                        "courriel. Détails dans le journal : {path}"
                    ).format(path=path)
                )
            )
            self._emit(Stopped())

    def _run_account(self) -> None:
        cache = Cache.open(self.cache_path, durable_path=self.durable_path)
        for notice in cache.notices:
            self._emit(Notice(notice))
        # A send a crash interrupted is settled now, offline too, not at the next send:
        # queued again if DATA had not begun, else « envoi incertain », and said.
        claims.recover_interrupted(cache)
        uncertain = claims.uncertain_rows(cache)
        if uncertain:
            self._emit(Notice(outbox.uncertain_notice(len(uncertain))))
        if cache.notices:
            self._emit(CacheRebuilt())
        conn = ImapConnection(
            self.host,
            self.port,
            self.username,
            self._password,
            self.trust,
            timeout=self.timeout,
            response_seconds=self.response_seconds,
        )
        self._conn = conn
        engine = SyncEngine(
            conn,
            cache,
            first_page=self.first_page,
            chunk=self.chunk,
            on_progress=lambda f, c, t: self._emit(Progress(f, c, t)),
        )
        state = WorkerState()
        try:
            self._loop(engine, state)
        finally:
            conn.close()
            cache.close()
            self._emit(Stopped())

    def _loop(self, engine: SyncEngine, state: WorkerState) -> None:
        while True:
            if not state.connected and not state.paused and time.monotonic() >= state.next_attempt:
                self._connect(engine, state)
            request = self._next(state)
            if isinstance(request, Stop):
                return
            if request is None:
                continue
            key = step_key(request)
            if self._set_aside(state, key, request):
                continue
            try:
                self._handle(engine, state, request)
            except ConnectionLost as exc:
                attempts = state.failures[key] = state.failures.get(key, 0) + 1
                bad = isinstance(exc, ServerMisbehaved | ServerTooSlow)
                # Fetching ahead is a bonus: any lost connection counts against it (a
                # body Dovecot cannot read answers BYE, and the account went offline
                # again and again for it, issue #24 review).
                ahead = isinstance(request, PrefetchStep)
                given_up = (bad or ahead) and attempts >= POISON_ATTEMPTS
                if bad:
                    self._emit(ServerFault(step_name(request), exc.message, given_up))
                if given_up:
                    state.poisoned[key] = time.monotonic() + POISON_HOLD_SECONDS
                    self._give_up(state, request, exc)
                elif isinstance(request, FolderCommand):
                    # Not again on its own: done already, the server may have lost only
                    # its answer. The user sees the list and decides.
                    self._emit(CommandFailed(request, exc))
                elif not isinstance(request, (*LOCAL_ACTIONS, PrefetchStep)):
                    state.jobs.appendleft(request)  # done again after reconnecting
                self._went_offline(state, exc, attempts)
                continue
            except (AuthError, CertificateError) as exc:
                self._blocked(state, exc)
            except MailError as exc:
                if isinstance(request, PrefetchStep):  # a bonus: stopped, never a toast
                    discard(state.prefetch, request.folder)
                else:
                    self._emit(CommandFailed(request, exc))
            except Exception as exc:  # a bug must not end the account's thread
                path = logs.record(exc, f"worker: {type(request).__name__}")
                text = _(
                    "Erreur interne de courriel ; la suite continue. Détails dans le journal : "
                    "{path}"
                ).format(path=path)
                self._emit(CommandFailed(request, MailError(text)))
            if state.connected:  # the step went through: its count starts again
                state.failures.pop(key, None)

    def _set_aside(self, state: WorkerState, key: str, request: Command) -> bool:
        """Skip a step given up on (the same poison, again and again) until its hour is
        over; then it gets one more try."""
        until = state.poisoned.get(key)
        if until is None:
            return False
        if time.monotonic() >= until:
            del state.poisoned[key]
            return False
        if isinstance(request, FetchBody):  # the reader must not wait for it
            self._emit(
                CommandFailed(
                    request,
                    ServerMisbehaved(
                        _("Le serveur répond mal pour ce message ; nouvel essai plus tard.")
                    ),
                )
            )
        elif isinstance(request, BackfillStep):
            discard(state.backfill, request.folder)
        elif isinstance(request, PrefetchStep):
            discard(state.prefetch, request.folder)
        return True

    def _give_up(self, state: WorkerState, request: Command, exc: ConnectionLost) -> None:
        """Not retried: a reader waiting for this body is told; a backfill stops."""
        if isinstance(request, FetchBody):
            self._emit(CommandFailed(request, exc))
        elif isinstance(request, BackfillStep):
            discard(state.backfill, request.folder)
        elif isinstance(request, PrefetchStep):
            discard(state.prefetch, request.folder)

    def _next(self, state: WorkerState) -> Command | None:
        """User requests first; then internal jobs and backfill only while connected."""
        with contextlib.suppress(queue.Empty):
            return self._queue.get_nowait()
        if self._replay_due(state):
            state.replay_at = None
            return Replay()
        if state.connected:
            if state.jobs:
                return state.jobs.popleft()
            if state.backfill:
                return BackfillStep(state.backfill[0])
            if state.prefetch:  # after the backfill: the list first, then offline reading
                return PrefetchStep(state.prefetch[0])
        # Idle: wait for a request, or for the next reconnection attempt.
        timeout = None
        if not state.connected and not state.paused:
            timeout = max(0.0, state.next_attempt - time.monotonic())
        if state.connected and state.replay_at is not None:
            until_replay = max(0.0, state.replay_at - time.time())
            timeout = until_replay if timeout is None else min(timeout, until_replay)
        try:
            if timeout is None:
                return self._queue.get()
            request = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        return request

    def _connect(self, engine: SyncEngine, state: WorkerState) -> None:
        conn = engine.conn
        conn.set_password(self._password)
        try:
            conn.connect()
        except ConnectionLost as exc:
            self._went_offline(state, exc)
            return
        except (AuthError, CertificateError) as exc:
            self._blocked(state, exc)
            return
        except MailError as exc:  # a refused ENABLE or the like: treat as a failed attempt
            self._went_offline(state, ConnectionLost(exc.message, detail=exc.detail))
            return
        state.connected, state.offline_since = True, None
        state.backoff = self.backoff_start
        self._emit(Connected(conn.capabilities))
        try:
            self._replay(engine, state)
        except ConnectionLost as exc:
            self._went_offline(state, exc)
            return
        if self.sync_on_connect and not any(isinstance(j, SyncAll | ListStep) for j in state.jobs):
            state.jobs.append(SyncAll())
        self._file_later(engine, state)

    def _replay(self, engine: SyncEngine, state: WorkerState) -> None:
        """Send the actions whose undo window has passed; remember when the next is due."""

        def progress(done: int, total: int) -> None:
            if total > 1:  # a batch: the status bar counts it down
                self._emit(ActionsSent(done, total))

        with replay_lock.held(engine.cache) as ours:
            if not ours:  # another courriel on this account is replaying: look again later
                self._look_again(state)
                return
            conflicts = engine.replay_pending(
                not_after=time.time() - self.undo_seconds, progress=progress
            )
        if state.filing_deferred:  # copies left while the lock was taken
            state.filing_deferred = False
            self._file_later(engine, state)
        if conflicts:
            self._emit(Conflicts(tuple(conflicts)))
        waiting = [op.created for op in engine.cache.pending_ops()]
        if waiting:
            due = min(waiting) + self.undo_seconds
            state.replay_at = max(due, time.time() + 0.2)  # a clock in the past: no spin
        else:
            state.replay_at = None

    def _look_again(self, state: WorkerState) -> None:
        """The account's lock is taken by another courriel (tui/core/store/replay_lock.py):
        never wait for it on this thread, which answers the user's commands; the next
        replay pass, LOCKED_RETRY_SECONDS on, replays and files what is left."""
        retry = time.time() + LOCKED_RETRY_SECONDS
        state.replay_at = retry if state.replay_at is None else min(state.replay_at, retry)

    def _replay_due(self, state: WorkerState) -> bool:
        return state.connected and state.replay_at is not None and time.time() >= state.replay_at

    def _file_later(self, engine: SyncEngine, state: WorkerState) -> None:
        """Sent copies still owed (IMAP was down, or the app quit first): file them next."""
        if outbox.unfiled(engine.cache) and not any(isinstance(j, FileSent) for j in state.jobs):
            state.jobs.appendleft(FileSent())

    def _went_offline(self, state: WorkerState, exc: MailError, attempts: int = 1) -> None:
        """Wait before reconnecting: doubling on failed connections, and doubling too on
        a step that fails again after a good login (the login alone would reset it)."""
        state.connected = False
        if state.offline_since is None:
            state.offline_since = datetime.now().astimezone()
        step_wait = self.backoff_start * 2 ** min(attempts - 1, 20)
        wait = min(max(state.backoff, step_wait), self.backoff_max)
        state.next_attempt = time.monotonic() + wait
        state.backoff = min(state.backoff * 2, self.backoff_max)
        self._wake.clear()
        self._emit(Offline(state.offline_since, exc.detail or exc.message, wait))

    def _blocked(self, state: WorkerState, exc: MailError) -> None:
        state.connected = False
        state.paused = True
        if isinstance(exc, AuthError):
            self._emit(AuthFailed(exc))
        elif isinstance(exc, CertificateNeedsDecision):
            self._emit(CertificateDecisionNeeded(exc))
        elif isinstance(exc, CertificateError):
            self._emit(CertificateRefused(exc))
