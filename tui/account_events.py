"""What the account reports, handled on the UI thread: one handler per Event.

Each Event of tui/core/account/contract.py arrives as its own Message (tui/bridge.py); the
handlers below subscribe with `@on` and update the status bar, the mailbox and the
prompts. Nothing here touches the network or writes the store.

A mixin of CourrielApp, which provides `account`, `session`, `config`, `_password`,
`_sync_timer`, `_sync_callback()` and `_ask_password()`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App

from tui import notifications
from tui.boundary import contained
from tui.bridge import AccountEvent, carry, message_type
from tui.core import secrets
from tui.core.account import contract
from tui.core.i18n import _
from tui.core.mail.formatting import figure
from tui.core.quiet import is_quiet
from tui.quota_notice import announce_quota
from tui.screens.mailbox import MailboxScreen

if TYPE_CHECKING:
    from tui.core.net.trust import CertificateChanged, CertificateNeedsDecision


class AccountEvents(App[None]):
    """A part of CourrielApp. An App itself, so that Textual registers its `@on`
    handlers (it collects them only from classes made by its own metaclass)."""

    account: Any
    session: Any
    config: Any
    _password: str | None
    _sync_timer: Any
    _synced_once: bool
    # The connection part of the status bar (tui.widgets.status_bar.link_text): what the
    # last event said, when the next attempt comes, the server's fault.
    _link_base: str
    _retry_at: float | None  # time.monotonic()
    _fault: str | None

    if TYPE_CHECKING:

        def _ask_password(self, *, refused: bool) -> None: ...
        def _sync_callback(self) -> Callable[[], None]: ...
        def send_outbox(self) -> object: ...  # tui.sending.Sending's

    def _bind(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function` for the account handled now when it is called later (a prompt's
        answer); tui/app_accounts.py binds it to that account."""
        return function

    def post_account_event(self, event: contract.Event) -> None:
        """Called on the worker's thread: post_message is thread-safe."""
        self.post_message(carry(event))

    def _mailbox(self) -> MailboxScreen | None:
        """The mailbox, once mounted: with an empty cache the worker starts before its
        first frame, and what an early event would show, its mount reads anyway. None
        once quitting has begun: Textual prunes the screen's widgets before the timers
        stop, and a tick then would find no status bar (CI, stop 27)."""
        if not self.is_running:
            return None
        for screen in self.screen_stack:
            if isinstance(screen, MailboxScreen) and screen.is_mounted:
                # Another account's event: this mailbox is not its (#20).
                return screen if screen.account is self.account else None
        return None

    def _status(self, text: str) -> None:
        self._link_base = text
        self._show_link()

    @contained
    def _show_link(self) -> None:
        """The connection state as it is now: what the last event said, unless the
        account is waiting to reconnect or a command has been hanging (issue #24)."""
        from tui.widgets.status_bar import link_text

        mailbox = self._mailbox()
        if mailbox is None or not mailbox.is_mounted or not self._link_base:
            return
        now = time.monotonic()
        worker = self.session.worker if self.session is not None else None
        busy = worker.busy_since if worker is not None else None
        silent = worker.silent_since if worker is not None else None
        mailbox.status.state = link_text(
            self._link_base,
            retry_in=None if self._retry_at is None else max(0.0, self._retry_at - now),
            busy_for=None if busy is None else now - busy,
            silent_for=None if silent is None else now - silent,
            fault=self._fault,
        )

    # --- the link ------------------------------------------------------------------

    @on(message_type(contract.Connected))
    @contained
    def _connected(self, message: AccountEvent[contract.Connected]) -> None:
        self._link_changed(online=True)
        self._status(_("connecté"))
        if self.session is not None and self._password is not None:
            self.session.ensure_idle(self._password)

    @on(message_type(contract.Offline))
    @contained
    def _offline(self, message: AccountEvent[contract.Offline]) -> None:
        event = message.event
        self._link_changed(online=False)
        self._retry_at = time.monotonic() + event.retry_in
        self._status(_("hors ligne depuis {time}").format(time=f"{event.since:%H:%M}"))

    def _link_changed(self, *, online: bool) -> None:
        self.account.online = online
        self._retry_at = None
        mailbox = self._mailbox()
        if mailbox is not None:
            mailbox.connection_changed()  # a body the reader waits for

    @on(message_type(contract.ServerFault))
    @contained
    def _server_fault(self, message: AccountEvent[contract.ServerFault]) -> None:
        event = message.event
        self._fault = event.reason
        if event.given_up:
            self.notify(
                _(
                    "Le serveur répond mal pour {step} : {reason} courriel cesse "
                    "d'essayer pendant une heure ; le reste continue."
                ).format(step=event.step, reason=event.reason),
                severity="warning",
                markup=False,
                timeout=15,
            )

    @on(message_type(contract.Syncing))
    @contained
    def _syncing(self, message: AccountEvent[contract.Syncing]) -> None:
        event = message.event
        self._status(
            _("synchronisation {index} / {count}").format(index=event.index, count=event.count)
        )

    @on(message_type(contract.Progress))
    @contained
    def _progress(self, message: AccountEvent[contract.Progress]) -> None:
        event = message.event
        if event.cached >= event.total:
            self._status(_("connecté"))
        elif event.total:
            self._status(
                _("synchronisation : {cached} / {total}").format(
                    cached=figure(event.cached), total=figure(event.total)
                )
            )

    @on(message_type(contract.AuthFailed))
    @contained
    def _auth_failed(self, message: AccountEvent[contract.AuthFailed]) -> None:
        secrets.invalidate(self.config.account, self._password)
        self._status(_("identification refusée"))
        self._ask_password(refused=True)

    @on(message_type(contract.CertificateDecisionNeeded))
    @contained
    def _certificate_unknown(
        self, message: AccountEvent[contract.CertificateDecisionNeeded]
    ) -> None:
        self._status(_("certificat à vérifier"))
        self._ask_certificate(message.event.error)

    @on(message_type(contract.CertificateRefused))
    @contained
    def _certificate_refused(self, message: AccountEvent[contract.CertificateRefused]) -> None:
        from tui.core.net.trust import CertificateChanged

        error = message.event.error
        self._status(_("certificat refusé : hors ligne"))
        if isinstance(error, CertificateChanged):
            self._ask_certificate(error)
        else:
            self.notify(error.message, severity="error", markup=False)

    # --- the mailbox ---------------------------------------------------------------

    @on(message_type(contract.FoldersChanged))
    @contained
    def _folders_changed(self, message: AccountEvent[contract.FoldersChanged]) -> None:
        mailbox = self._mailbox()
        if mailbox is not None:
            mailbox.refresh_folders()

    @on(message_type(contract.FolderSynced))
    @contained
    def _folder_synced(self, message: AccountEvent[contract.FolderSynced]) -> None:
        result = message.event.result
        self._fault = None  # commands complete again
        if result.new and self._synced_once:
            self._new_mail(result.folder, result.new)
        mailbox = self._mailbox()
        if result.reset and mailbox is not None:
            mailbox.forget_marks(result.folder)  # its uids now name other messages
        self._folder_changed(result.folder)

    @on(message_type(contract.BackfillDone))
    @contained
    def _backfill_done(self, message: AccountEvent[contract.BackfillDone]) -> None:
        self._fault = None
        self._folder_changed(message.event.folder)

    @on(message_type(contract.CacheChanged))
    @contained
    def _cache_changed(self, message: AccountEvent[contract.CacheChanged]) -> None:
        self._folder_changed(message.event.folder)

    def _folder_changed(self, folder: str) -> None:
        mailbox = self._mailbox()
        if mailbox is not None:
            mailbox.refresh_folder(folder)
            mailbox.refresh_folders()

    @on(message_type(contract.SyncDone))
    @contained
    def _sync_finished(self, message: AccountEvent[contract.SyncDone]) -> None:
        self._fault = None
        self._sync_done(self._mailbox())

    @on(message_type(contract.FolderCommandDone))
    @contained
    def _folder_command_done(self, message: AccountEvent[contract.FolderCommandDone]) -> None:
        mailbox = self._mailbox()
        if mailbox is not None:
            mailbox.folder_command_done(message.event.command)

    @on(message_type(contract.SearchResults))
    @contained
    def _search_results(self, message: AccountEvent[contract.SearchResults]) -> None:
        mailbox = self._mailbox()
        if mailbox is not None:
            mailbox.search_results(message.event.text, list(message.event.results))

    @on(message_type(contract.BodyReady))
    @contained
    def _body_ready(self, message: AccountEvent[contract.BodyReady]) -> None:
        mailbox = self._mailbox()
        if mailbox is not None:
            mailbox.body_ready(message.event.folder, message.event.uid)

    @on(message_type(contract.CommandFailed))
    @contained
    def _command_failed(self, message: AccountEvent[contract.CommandFailed]) -> None:
        command, error = message.event.command, message.event.error
        mailbox = self._mailbox()
        if isinstance(command, contract.FetchBody) and mailbox is not None:
            mailbox.body_failed(command.folder, command.uid, error.message)
        self.notify(error.message, severity="error", markup=False)

    @on(message_type(contract.ActionsSent))
    @contained
    def _actions_sent(self, message: AccountEvent[contract.ActionsSent]) -> None:
        mailbox = self._mailbox()
        if mailbox is not None:
            event = message.event
            mailbox.status.sending = (event.done, event.total) if event.done < event.total else None

    @on(message_type(contract.RulesOnServer))
    @contained
    def _rules_on_server(self, message: AccountEvent[contract.RulesOnServer]) -> None:
        """Whatever screen is up (even none): where the rules run is noted at once."""
        installed = message.event.installed
        problem = self.account.rules_moved(installed, message.event.script)
        if problem is not None:
            self.notify(problem, severity="error", markup=False)
        elif installed:
            self.notify(
                _(
                    "Règles installées sur le serveur : il les applique désormais à "
                    "l'arrivée, courriel ouvert ou non."
                ),
                markup=False,
            )
        else:
            self.notify(
                _("Règles retirées du serveur : courriel les applique quand il est ouvert."),
                markup=False,
            )

    @on(message_type(contract.CacheRebuilt))
    @contained
    def _cache_rebuilt(self, message: AccountEvent[contract.CacheRebuilt]) -> None:
        self.account.reopen_cache()
        mailbox = self._mailbox()
        if mailbox is not None:
            mailbox.cache_replaced()

    # --- what the user is told -------------------------------------------------------

    @on(message_type(contract.DraftSaved))
    @contained
    def _draft_saved(self, message: AccountEvent[contract.DraftSaved]) -> None:
        self.notify(
            _("Brouillon enregistré sur le serveur, dans « {folder} ».").format(
                folder=message.event.folder
            )
        )

    @on(message_type(contract.Notice))
    @contained
    def _notice(self, message: AccountEvent[contract.Notice]) -> None:
        self.notify(message.event.text, severity="warning", markup=False)

    @on(message_type(contract.Conflicts))
    @contained
    def _conflicts(self, message: AccountEvent[contract.Conflicts]) -> None:
        for text in message.event.messages:
            self.notify(text, severity="warning", markup=False)

    def _new_mail(self, folder: str, count: int) -> None:
        """New mail after the first sync: counted in the status bar, a bell if wanted."""
        if folder.upper() != "INBOX":
            return
        mailbox = self._mailbox()
        if mailbox is not None:
            mailbox.status.new_mail += count
        ui = self.config.ui
        if is_quiet(ui["quiet_hours"], ui["quiet_weekends"], datetime.now()):
            return
        if ui["bell"]:
            self.bell()
        kind = notifications.kind_for(ui["notify"], os.environ)
        if kind is not None:
            newest = self.account.cache.page("INBOX", 0, 1)
            sender = newest[0].sender_name or newest[0].sender_address if newest else ""
            title, body = notifications.new_mail_text(
                count, sender, newest[0].subject if newest else ""
            )
            self.terminal_write(
                notifications.sequence(kind, title, body, tmux=bool(os.environ.get("TMUX")))
            )

    def terminal_write(self, data: str) -> None:
        """Straight to the terminal (a notification's escape sequence), never headless."""
        driver = self._driver
        if not self.is_headless and driver is not None:
            driver.write(data)

    def _sync_done(self, mailbox: MailboxScreen | None) -> None:
        from tui.core.store import outbox  # the email package: not before the first frame

        self._synced_once = True
        if any(row.status == outbox.QUEUED for row in outbox.pending(self.account.cache)):
            self.send_outbox()  # queued mail is retried at each sync
        if mailbox is None:
            return
        now = datetime.now()
        self._status(_("connecté"))
        mailbox.status.last_sync = now
        mailbox.status.next_sync = now + timedelta(minutes=self.config.sync["interval_minutes"])
        if self._sync_timer is not None:
            # F5, IDLE or a reconnection synced: the next periodic sync is an interval
            # from now, as shown. A new timer: Timer.reset() waits out the current sleep
            # first, which doubled the interval when each periodic sync reset it.
            self._sync_timer.stop()
            self._sync_timer = self.set_interval(
                self.config.sync["interval_minutes"] * 60, self._sync_callback()
            )
        mailbox.status.quota = self.account.cache.quota()
        announce_quota(self, self.account.cache)  # once per crossing of 80 % and 95 %
        mailbox.refresh_folders()

    def _ask_certificate(
        self,
        error: CertificateNeedsDecision | CertificateChanged,
        then: Callable[[], object] | None = None,
    ) -> None:
        from tui.core.net.trust import CertificateChanged
        from tui.screens.certificate import CertificatePrompt, Decision

        assert self.session is not None
        session = self.session
        trust = session.trust

        def decided(decision: Decision | None) -> None:
            if decision == Decision.ONCE:
                trust.accept_once(error.info)
            elif decision == Decision.ALWAYS:
                trust.accept_always(error.info)
            else:
                self._status(_("certificat refusé : hors ligne"))
                return
            if then is not None:
                then()
            elif session.worker is not None:
                session.worker.resume()

        pinned = error.pinned if isinstance(error, CertificateChanged) else None
        self.push_screen(CertificatePrompt(error.info, pinned), self._bind(decided))
