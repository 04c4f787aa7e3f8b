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
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tui.core import logs
from tui.core.account import folders as folder_commands
from tui.core.account.contract import (
    ActionsSent,
    Archive,
    AuthFailed,
    BackfillDone,
    BodyReady,
    CacheChanged,
    CacheRebuilt,
    CertificateDecisionNeeded,
    CertificateRefused,
    Command,
    CommandFailed,
    Conflicts,
    Connected,
    CreateFolder,
    Delete,
    DeleteFolder,
    DraftSaved,
    Event,
    Expunge,
    FetchBody,
    FileSent,
    FolderCommand,
    FolderCommandDone,
    FoldersChanged,
    FolderSynced,
    InstallRules,
    Move,
    Notice,
    Offline,
    Progress,
    RemoveRules,
    RenameFolder,
    Replay,
    RulesOnServer,
    SaveDraft,
    SearchResults,
    SearchServer,
    ServerFault,
    SetFlags,
    SetRules,
    Stop,
    Stopped,
    SyncAll,
    SyncDone,
    SyncFolder,
    Syncing,
)
from tui.core.account.sync import SyncEngine
from tui.core.errors import AuthError, CertificateError, ConnectionLost, MailError
from tui.core.i18n import _, ngettext
from tui.core.mail import rules as sort_rules
from tui.core.mail.formatting import figure
from tui.core.mail.rules import Rule
from tui.core.mail.sanitize import clean_line
from tui.core.net.imap import (
    MAX_FOLDERS,
    ImapConnection,
    ServerMisbehaved,
    ServerTooSlow,
)
from tui.core.net.imap import (
    CommandFailed as ServerRefused,
)
from tui.core.net.imapguard import RESPONSE_SECONDS
from tui.core.net.managesieve import ManageSieve
from tui.core.net.smtp import file_pending, header_id
from tui.core.net.trust import CertificateNeedsDecision, TrustStore
from tui.core.store import claims, outbox, rule_runs
from tui.core.store.cache import Cache

__all__ = [
    "AccountWorker",
    "Archive",
    "AuthFailed",
    "BackfillDone",
    "BodyReady",
    "CacheChanged",
    "CacheRebuilt",
    "CertificateDecisionNeeded",
    "CertificateRefused",
    "Command",
    "CommandFailed",
    "Conflicts",
    "Connected",
    "CreateFolder",
    "Delete",
    "DeleteFolder",
    "DraftSaved",
    "Event",
    "Expunge",
    "FetchBody",
    "FileSent",
    "FolderCommandDone",
    "FolderSynced",
    "FoldersChanged",
    "Move",
    "Notice",
    "Offline",
    "Progress",
    "RenameFolder",
    "Replay",
    "SaveDraft",
    "SearchResults",
    "SearchServer",
    "ServerFault",
    "SetFlags",
    "Stop",
    "Stopped",
    "SyncAll",
    "SyncDone",
    "SyncFolder",
    "Syncing",
]

BACKOFF_START = 1.0
BACKOFF_MAX = 300.0
# A step the server answers badly this many times in a row is set aside for an hour:
# retrying the same poison reconnected once a second forever (issue #24).
POISON_ATTEMPTS = 3
POISON_HOLD_SECONDS = 3600.0


@dataclass
class _State:
    connected: bool = False
    paused: bool = False  # waiting for the user: password or certificate decision
    offline_since: datetime | None = None
    backoff: float = BACKOFF_START
    next_attempt: float = 0.0
    jobs: deque[Command] = field(default_factory=deque)
    backfill: list[str] = field(default_factory=list)
    sync_saw_changes: bool = False  # a folder of the current SyncAll changed
    replay_at: float | None = None  # time.time() when the next queued action is due
    prefetch: list[str] = field(default_factory=list)  # folders whose recent bodies come
    prefetch_skip: set[int] = field(default_factory=set)  # INBOX uids the server refused
    failures: dict[str, int] = field(default_factory=dict)  # step → failures in a row
    poisoned: dict[str, float] = field(default_factory=dict)  # step → retry after (monotonic)
    folders_told: int = 0  # the folder count the user was told was cut


_LOCAL = (SetFlags, Move, Delete, Archive, Expunge, Replay)


class AccountWorker:
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
        state = _State()
        try:
            self._loop(engine, state)
        finally:
            conn.close()
            cache.close()
            self._emit(Stopped())

    def _loop(self, engine: SyncEngine, state: _State) -> None:
        while True:
            if not state.connected and not state.paused and time.monotonic() >= state.next_attempt:
                self._connect(engine, state)
            request = self._next(state)
            if isinstance(request, Stop):
                return
            if request is None:
                continue
            key = _step_key(request)
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
                ahead = isinstance(request, _PrefetchStep)
                given_up = (bad or ahead) and attempts >= POISON_ATTEMPTS
                if bad:
                    self._emit(ServerFault(_step_name(request), exc.message, given_up))
                if given_up:
                    state.poisoned[key] = time.monotonic() + POISON_HOLD_SECONDS
                    self._give_up(state, request, exc)
                elif isinstance(request, FolderCommand):
                    # Not again on its own: done already, the server may have lost only
                    # its answer. The user sees the list and decides.
                    self._emit(CommandFailed(request, exc))
                elif not isinstance(request, (*_LOCAL, _PrefetchStep)):
                    state.jobs.appendleft(request)  # done again after reconnecting
                self._went_offline(state, exc, attempts)
                continue
            except (AuthError, CertificateError) as exc:
                self._blocked(state, exc)
            except MailError as exc:
                if isinstance(request, _PrefetchStep):  # a bonus: stopped, never a toast
                    _discard(state.prefetch, request.folder)
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

    def _set_aside(self, state: _State, key: str, request: Command) -> bool:
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
        elif isinstance(request, _BackfillStep):
            _discard(state.backfill, request.folder)
        elif isinstance(request, _PrefetchStep):
            _discard(state.prefetch, request.folder)
        return True

    def _give_up(self, state: _State, request: Command, exc: ConnectionLost) -> None:
        """Not retried: a reader waiting for this body is told; a backfill stops."""
        if isinstance(request, FetchBody):
            self._emit(CommandFailed(request, exc))
        elif isinstance(request, _BackfillStep):
            _discard(state.backfill, request.folder)
        elif isinstance(request, _PrefetchStep):
            _discard(state.prefetch, request.folder)

    def _next(self, state: _State) -> Command | None:
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
                return _BackfillStep(state.backfill[0])
            if state.prefetch:  # after the backfill: the list first, then offline reading
                return _PrefetchStep(state.prefetch[0])
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

    def _connect(self, engine: SyncEngine, state: _State) -> None:
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
        if self.sync_on_connect and not any(isinstance(j, SyncAll | _ListStep) for j in state.jobs):
            state.jobs.append(SyncAll())
        self._file_later(engine, state)

    def _replay(self, engine: SyncEngine, state: _State) -> None:
        """Send the actions whose undo window has passed; remember when the next is due."""

        def progress(done: int, total: int) -> None:
            if total > 1:  # a batch: the status bar counts it down
                self._emit(ActionsSent(done, total))

        conflicts = engine.replay_pending(
            not_after=time.time() - self.undo_seconds, progress=progress
        )
        if conflicts:
            self._emit(Conflicts(tuple(conflicts)))
        waiting = [op.created for op in engine.cache.pending_ops()]
        if waiting:
            due = min(waiting) + self.undo_seconds
            state.replay_at = max(due, time.time() + 0.2)  # a clock in the past: no spin
        else:
            state.replay_at = None

    def _replay_due(self, state: _State) -> bool:
        return state.connected and state.replay_at is not None and time.time() >= state.replay_at

    def _file_later(self, engine: SyncEngine, state: _State) -> None:
        """Sent copies still owed (IMAP was down, or the app quit first): file them next."""
        if outbox.unfiled(engine.cache) and not any(isinstance(j, FileSent) for j in state.jobs):
            state.jobs.appendleft(FileSent())

    def _went_offline(self, state: _State, exc: MailError, attempts: int = 1) -> None:
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

    def _blocked(self, state: _State, exc: MailError) -> None:
        state.connected = False
        state.paused = True
        if isinstance(exc, AuthError):
            self._emit(AuthFailed(exc))
        elif isinstance(exc, CertificateNeedsDecision):
            self._emit(CertificateDecisionNeeded(exc))
        elif isinstance(exc, CertificateError):
            self._emit(CertificateRefused(exc))

    def _handle(self, engine: SyncEngine, state: _State, request: Command) -> None:
        if self._wake.is_set() and not state.connected:
            # sync_now / resume: retry at once, whatever the backoff said.
            self._wake.clear()
            state.paused = False
            state.next_attempt = 0.0
            state.backoff = self.backoff_start
            self._connect(engine, state)
        if isinstance(request, SetRules):
            self.rules = request.rules  # no server involved: connected or not
            return
        if isinstance(request, InstallRules | RemoveRules):
            self._rules_on_server(request)  # its own connection, IMAP's state aside
            return
        if isinstance(request, _LOCAL):
            if not isinstance(request, Replay):
                self._local(engine, request)
            if state.connected:
                self._replay(engine, state)
            return
        if isinstance(request, FetchBody):
            cached = engine.cache.body(request.folder, request.uid)
            if cached is None and state.connected:
                cached = engine.fetch_body(request.folder, request.uid)
            self._emit(BodyReady(request.folder, request.uid, cached))
            return
        if not state.connected and isinstance(request, SaveDraft):
            self._emit(CommandFailed(request, ConnectionLost(outbox.offline_not_saved())))
            return
        if not state.connected and isinstance(request, FolderCommand):
            self._emit(CommandFailed(request, ConnectionLost(folder_commands.offline())))
            return
        if not state.connected:
            if not state.paused and not isinstance(request, SearchServer):
                state.jobs.append(request)  # done once connected
            elif isinstance(request, SearchServer):
                self._emit(CommandFailed(request, ConnectionLost(_("Hors ligne."))))
            return
        if isinstance(request, FileSent):
            self._file_sent(engine)
        elif isinstance(request, SaveDraft):
            engine.forget_listed_status()
            self._save_draft(engine, state, request)
        elif isinstance(request, SearchServer):
            found = engine.search_server(request.folder, request.text)
            self._emit(SearchResults(request.folder, request.text, tuple(found)))
        elif isinstance(request, FolderCommand):
            engine.forget_listed_status()
            folder_commands.run(engine.conn, engine.cache, request)
            engine.sync_folders()
            self._emit(FoldersChanged())
            self._emit(FolderCommandDone(request))
        elif isinstance(request, SyncAll):
            state.sync_saw_changes = False
            inbox_first = engine.cache.folder_state("INBOX").uidvalidity is None
            steps: list[Command] = [_ListStep(request.thorough, inbox_first)]
            if inbox_first:
                # First sync: the page the user waits for before LIST and quota; a step
                # of its own, so that a poisoned INBOX does not stop the folder list.
                steps.insert(0, _FolderStep("INBOX", request.thorough, 1, 1))
            state.jobs.extendleft(reversed(steps))
        elif isinstance(request, _ListStep):
            inbox_first = request.inbox_first
            engine.sync_folders()
            self._tell_folders_cut(engine, state)
            self._emit(FoldersChanged())
            folders = engine.selectable()
            # INBOX first: it is what the user looks at.
            folders.sort(key=lambda name: name.upper() != "INBOX")
            if inbox_first:
                folders = [name for name in folders if name.upper() != "INBOX"]
            folder_steps: list[Command] = [
                _FolderStep(name, request.thorough, index + 1, len(folders))
                for index, name in enumerate(folders)
            ]
            folder_steps.append(_SyncAllDone())
            state.jobs.extendleft(reversed(folder_steps))
        elif isinstance(request, _FolderStep):
            self._emit(Syncing(request.folder, request.index, request.count))
            self._sync_folder(engine, state, request.folder, request.thorough)
        elif isinstance(request, SyncFolder):
            self._sync_folder(engine, state, request.folder, request.thorough)
        elif isinstance(request, _SyncAllDone):
            if state.sync_saw_changes:  # mail came or went: the quota moved
                engine.refresh_quota()
            self._emit(SyncDone())
            self._file_later(engine, state)
            if self.prefetch_days and "INBOX" not in state.prefetch:
                state.prefetch.append("INBOX")
        elif isinstance(request, _BackfillStep) and not engine.backfill_step(request.folder):
            _discard(state.backfill, request.folder)
            self._emit(BackfillDone(request.folder))
        elif isinstance(request, _PrefetchStep):
            days, skip = self.prefetch_days, state.prefetch_skip
            if not engine.prefetch_step(request.folder, days, skip):
                _discard(state.prefetch, request.folder)

    def _tell_folders_cut(self, engine: SyncEngine, state: _State) -> None:
        """Once per figure: the server listed more folders than are kept."""
        announced = engine.conn.folders_announced
        if announced <= MAX_FOLDERS or announced == state.folders_told:
            return
        state.folders_told = announced
        self._emit(
            Notice(
                ngettext(
                    "Le serveur annonce {n} dossier ; seuls les {kept} premiers sont affichés.",
                    "Le serveur annonce {n} dossiers ; seuls les {kept} premiers sont affichés.",
                    announced,
                ).format(n=figure(announced), kept=figure(MAX_FOLDERS))
            )
        )

    def _file_sent(self, engine: SyncEngine) -> None:
        if not outbox.unfiled(engine.cache):
            return
        engine.forget_listed_status()  # appending to Sent changes the server
        if not engine.cache.folders():  # first start: where Sent is, is not known yet
            engine.sync_folders()
            self._emit(FoldersChanged())
        try:
            filed = file_pending(engine.conn, engine.cache, engine.cache.special_folder("sent"))
        except ServerRefused as exc:
            raise MailError(
                _(
                    "Le serveur a refusé de ranger la copie d'un message envoyé dans "
                    "« Envoyés » ({detail}). Elle reste sur cet ordinateur : nouvel essai "
                    "à la prochaine synchronisation."
                ).format(detail=(exc.detail or exc.message)[:200])
            ) from None
        for folder in sorted(filed.changed):
            self._emit(CacheChanged(folder))
        if filed.no_sent_folder:
            self._emit(
                Notice(
                    _(
                        "Aucun dossier « Envoyés » sur le serveur : la copie du message "
                        "envoyé n'a pas été rangée."
                    )
                )
            )

    def _save_draft(self, engine: SyncEngine, state: _State, request: SaveDraft) -> None:
        cache, conn = engine.cache, engine.conn
        try:
            if not cache.folders():
                engine.sync_folders()
            folder = cache.special_folder("drafts")
            if folder is None:
                raise MailError(
                    _(
                        "Aucun dossier « Brouillons » sur le serveur : le brouillon reste "
                        "enregistré sur cet ordinateur seulement."
                    )
                )
            where = conn.append(folder, request.raw, ["\\Draft", "\\Seen"])
            if where is None:  # no UIDPLUS: find the copy by its Message-ID
                validity = conn.select(folder).uidvalidity
                message_id = header_id(request.raw, "Message-ID")
                uids = conn.find_message_id(folder, message_id) if message_id else []
                where = (validity, uids[-1]) if uids else None
        except ConnectionLost as exc:
            self._emit(CommandFailed(request, ConnectionLost(outbox.offline_not_saved())))
            self._went_offline(state, exc)  # not retried later: the user decides
            return
        except ServerRefused as exc:
            raise MailError(
                _(
                    "Le serveur a refusé d'enregistrer le brouillon ({detail}) ; il reste "
                    "enregistré sur cet ordinateur."
                ).format(detail=(exc.detail or exc.message)[:200])
            ) from None
        new = outbox.ServerCopy(folder, *where) if where else None
        gone = outbox.replace_server_copy(cache, request.draft_id, new)
        self._emit(DraftSaved(request.draft_id, folder))
        try:
            for op_id, copy in gone:  # each expunge is queued: a lost connection delays it
                with contextlib.suppress(ServerRefused):  # its folder is gone: so is it
                    if conn.select(copy.folder).uidvalidity == copy.uidvalidity:
                        conn.expunge([copy.uid])
                cache.finish_op(op_id)
            self._sync_folder(engine, state, folder, False)  # the new copy, into the cache
        except ConnectionLost as exc:
            self._went_offline(state, exc)
            return
        self._emit(CacheChanged(folder))

    def _sync_folder(self, engine: SyncEngine, state: _State, folder: str, thorough: bool) -> None:
        result = engine.sync_folder(folder, thorough=thorough)
        if not result.unchanged:
            state.sync_saw_changes = True
        self._emit(FolderSynced(result))
        if folder.upper() == "INBOX" and not result.unchanged:
            self._sort_new_mail(engine, state, folder)  # without rules: the marker moves on
        if result.backfill_remaining and folder not in state.backfill:
            # INBOX's history first, then the others in the order they were synced.
            if folder.upper() == "INBOX":
                state.backfill.insert(0, folder)
            else:
                state.backfill.append(folder)

    def _sort_new_mail(self, engine: SyncEngine, state: _State, folder: str) -> None:
        """The user's rules on the mail that just arrived: applied to the cache at once,
        replayed to the server once the undo window has passed, like any action."""

        def arrived(uids: list[int]) -> dict[int, float]:
            """When the server received these messages (INTERNALDATE)."""
            engine.conn.ensure_selected(folder)
            rows = engine.conn.fetch_uids(uids, ["INTERNALDATE"])
            times = {uid: row.get(b"INTERNALDATE") for uid, row in rows.items()}
            return {
                uid: when.timestamp() for uid, when in times.items() if isinstance(when, datetime)
            }

        done = rule_runs.apply_to_new(engine.cache, folder, self.rules, arrived)
        if done is None:
            return
        for rule in self.rules:
            target = done.missing.get(rule.number)
            if target and done.by_rule.get(rule.number):  # mail to sort, nowhere to put it
                self._emit(Notice(sort_rules.missing_folder(rule.label, target)))
        if done.count:
            self._emit(CacheChanged(folder))
            self._emit(Notice(sort_rules.sorted_notice(done.count)))
            self._replay(engine, state)  # nothing is due yet: this sets when it will be

    def _rules_on_server(self, request: InstallRules | RemoveRules) -> None:
        """Install or remove courriel's Sieve script (tui/core/net/managesieve.py)."""
        session = ManageSieve(
            self.host, self.sieve_port, self.trust, imap_port=self.port, timeout=self.timeout
        )
        script = request.script if isinstance(request, InstallRules) else None
        try:
            session.set_courriel_script(self.username, self._password, script)
        except MailError as exc:
            self._emit(CommandFailed(request, exc))
            return
        self._emit(RulesOnServer(script is not None, script or ""))

    def _local(self, engine: SyncEngine, request: Command) -> None:
        if isinstance(request, SetFlags):
            engine.set_flags(request.folder, request.uids, request.add, request.remove)
        elif isinstance(request, Move):
            engine.move(request.folder, request.uids, request.target)
        elif isinstance(request, Delete):
            engine.delete(request.folder, request.uids)
        elif isinstance(request, Archive):
            engine.archive(request.folder, request.uids)
        elif isinstance(request, Expunge):
            engine.expunge(request.folder, request.uids)
        folder = getattr(request, "folder", "")
        self._emit(CacheChanged(folder))


# Internal jobs: never submitted by the app.


@dataclass(frozen=True)
class _FolderStep(Command):
    folder: str
    thorough: bool
    index: int
    count: int


@dataclass(frozen=True)
class _ListStep(Command):
    """LIST, then one _FolderStep per folder (INBOX already done on a first sync)."""

    thorough: bool
    inbox_first: bool


@dataclass(frozen=True)
class _SyncAllDone(Command):
    pass


@dataclass(frozen=True)
class _BackfillStep(Command):
    folder: str


@dataclass(frozen=True)
class _PrefetchStep(Command):
    """One recent body fetched ahead, to be read offline (`[sync] prefetch_days`)."""

    folder: str


def _discard(folders: list[str], folder: str) -> None:
    if folder in folders:
        folders.remove(folder)


def _step_key(request: Command) -> str:
    """The step a failure is counted against: the same folder, list or body again."""
    if isinstance(request, _FolderStep | SyncFolder):
        return f"folder:{request.folder}"
    if isinstance(request, SyncAll):
        return "sync"  # only expands into steps: its success says nothing of theirs
    if isinstance(request, _ListStep):
        return "list"
    if isinstance(request, _BackfillStep):
        return f"backfill:{request.folder}"
    if isinstance(request, _PrefetchStep):
        return f"prefetch:{request.folder}"
    if isinstance(request, FetchBody):
        return f"body:{request.folder}:{request.uid}"
    if isinstance(request, _LOCAL):
        return "replay"
    return type(request).__name__


def _step_name(request: Command) -> str:
    """What was being done, in the user's words (folder names are server data)."""
    if isinstance(request, _FolderStep | SyncFolder):
        return _("la synchronisation du dossier « {folder} »").format(
            folder=clean_line(request.folder)[:80]
        )
    if isinstance(request, SyncAll | _ListStep):
        return _("la liste des dossiers")
    if isinstance(request, _BackfillStep):
        return _("l'historique du dossier « {folder} »").format(
            folder=clean_line(request.folder)[:80]
        )
    if isinstance(request, FetchBody | _PrefetchStep):
        return _("l'ouverture d'un message")
    return _("une commande")
