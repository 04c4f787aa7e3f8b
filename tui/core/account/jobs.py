"""The account worker's jobs: which one a Command calls for (`_handle`), and the jobs,
one method each: a folder synced, new mail sorted, a draft saved to the server, a
sent copy filed, rules installed, a local action replayed.

A mixin of `AccountWorker` (tui/core/account/worker.py), which owns the thread, the
queue, the connection and its backoff; these run on that thread, between two checks
of the queue.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime

from tui.core.account import folders as folder_commands
from tui.core.account.contract import (
    Archive,
    BackfillDone,
    BodyReady,
    CacheChanged,
    Command,
    CommandFailed,
    Delete,
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
    RemoveRules,
    Replay,
    RulesOnServer,
    SaveDraft,
    SearchResults,
    SearchServer,
    SetFlags,
    SetRules,
    SyncAll,
    SyncDone,
    SyncFolder,
    Syncing,
)
from tui.core.account.steps import (
    LOCAL_ACTIONS,
    BackfillStep,
    FolderStep,
    ListStep,
    PrefetchStep,
    SyncAllDone,
    WorkerState,
    discard,
)
from tui.core.account.sync import SyncEngine
from tui.core.errors import ConnectionLost, MailError
from tui.core.i18n import _, ngettext
from tui.core.mail import rules as sort_rules
from tui.core.mail.formatting import figure
from tui.core.mail.rules import Rule
from tui.core.net.imap import MAX_FOLDERS
from tui.core.net.imap import CommandFailed as ServerRefused
from tui.core.net.managesieve import ManageSieve
from tui.core.net.sent_filing import file_pending
from tui.core.net.smtp import header_id
from tui.core.net.trust import TrustStore
from tui.core.store import outbox, replay_lock, rule_runs


class WorkerJobs:
    """What the worker does once a job is its turn (see the module's docstring)."""

    # Set by AccountWorker.__init__.
    host: str
    port: int
    username: str
    sieve_port: int
    timeout: float
    trust: TrustStore
    rules: tuple[Rule, ...]
    _password: str
    _wake: threading.Event
    backoff_start: float
    prefetch_days: int

    def _emit(self, event: Event) -> None:
        raise NotImplementedError

    def _replay(self, engine: SyncEngine, state: WorkerState) -> None:
        raise NotImplementedError

    def _went_offline(self, state: WorkerState, exc: MailError, attempts: int = 1) -> None:
        raise NotImplementedError

    def _connect(self, engine: SyncEngine, state: WorkerState) -> None:
        raise NotImplementedError

    def _file_later(self, engine: SyncEngine, state: WorkerState) -> None:
        raise NotImplementedError

    def _look_again(self, state: WorkerState) -> None:
        raise NotImplementedError

    def _handle(self, engine: SyncEngine, state: WorkerState, request: Command) -> None:
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
        if isinstance(request, LOCAL_ACTIONS):
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
            self._file_sent(engine, state)
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
            steps: list[Command] = [ListStep(request.thorough, inbox_first)]
            if inbox_first:
                # First sync: the page the user waits for before LIST and quota; a step
                # of its own, so that a poisoned INBOX does not stop the folder list.
                steps.insert(0, FolderStep("INBOX", request.thorough, 1, 1))
            state.jobs.extendleft(reversed(steps))
        elif isinstance(request, ListStep):
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
                FolderStep(name, request.thorough, index + 1, len(folders))
                for index, name in enumerate(folders)
            ]
            folder_steps.append(SyncAllDone())
            state.jobs.extendleft(reversed(folder_steps))
        elif isinstance(request, FolderStep):
            self._emit(Syncing(request.folder, request.index, request.count))
            self._sync_folder(engine, state, request.folder, request.thorough)
        elif isinstance(request, SyncFolder):
            self._sync_folder(engine, state, request.folder, request.thorough)
        elif isinstance(request, SyncAllDone):
            if state.sync_saw_changes:  # mail came or went: the quota moved
                engine.refresh_quota()
            self._emit(SyncDone())
            self._file_later(engine, state)
            if self.prefetch_days and "INBOX" not in state.prefetch:
                state.prefetch.append("INBOX")
        elif isinstance(request, BackfillStep) and not engine.backfill_step(request.folder):
            discard(state.backfill, request.folder)
            self._emit(BackfillDone(request.folder))
        elif isinstance(request, PrefetchStep):
            days, skip = self.prefetch_days, state.prefetch_skip
            if not engine.prefetch_step(request.folder, days, skip):
                discard(state.prefetch, request.folder)

    def _tell_folders_cut(self, engine: SyncEngine, state: WorkerState) -> None:
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

    def _file_sent(self, engine: SyncEngine, state: WorkerState) -> None:
        if not outbox.unfiled(engine.cache):
            return
        engine.forget_listed_status()  # appending to Sent changes the server
        if not engine.cache.folders():  # first start: where Sent is, is not known yet
            engine.sync_folders()
            self._emit(FoldersChanged())
        try:
            with replay_lock.held(engine.cache) as ours:
                if not ours:  # another courriel is filing or replaying: look again soon
                    state.filing_deferred = True
                    self._look_again(state)
                    return
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

    def _save_draft(self, engine: SyncEngine, state: WorkerState, request: SaveDraft) -> None:
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

    def _sync_folder(
        self, engine: SyncEngine, state: WorkerState, folder: str, thorough: bool
    ) -> None:
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

    def _sort_new_mail(self, engine: SyncEngine, state: WorkerState, folder: str) -> None:
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
