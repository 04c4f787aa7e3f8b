"""Sending the outbox from the App: the asyncio worker around tui/core/net/smtp.py, the
outbox count in the status bar, and what the user is told afterwards.

A part of CourrielApp, built on AccountEvents (`_mailbox()`, `_ask_certificate()`, the
account and its session).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from textual import work

from tui.account_events import AccountEvents
from tui.core.i18n import _, ngettext
from tui.core.store.cache import Cache

if TYPE_CHECKING:
    from tui.screens.compose import ComposeScreen
    from tui.screens.mailbox import MailboxScreen


class Sending(AccountEvents):
    """A part of CourrielApp: sending, beside the account's events it reacts to."""

    @contextmanager
    def _for_cache(self, cache: Cache | None) -> Iterator[None]:
        """The account whose store `cache` is: tui/app_accounts.py, with several."""
        yield

    def _each_account(self, function: Callable[[], object]) -> None:
        function()

    def on_compose_screen_save_to_server(self, message: ComposeScreen.SaveToServer) -> None:
        with self._for_cache(message.cache):
            self._save_to_server(message)

    def _save_to_server(self, message: ComposeScreen.SaveToServer) -> None:
        from tui.core.account import contract
        from tui.core.store import outbox  # the email package: not before the first frame

        worker = self.session.worker if self.session is not None else None
        if self.account.demo:
            self.notify(_("Mode démonstration : le brouillon reste sur cet ordinateur."))
        elif worker is None:
            self.notify(outbox.offline_not_saved(), severity="warning", timeout=10)
        else:
            worker.submit(contract.SaveDraft(message.draft_id, message.raw))

    @work(group="send-direct", exit_on_error=False)
    async def on_compose_screen_send_direct(self, message: ComposeScreen.SendDirect) -> None:
        """The disk could not hold the outbox: send this one message straight away, once
        (tui.core.net.smtp.send_now); the compose screen closes only if it left."""
        from tui.core.errors import MailError
        from tui.core.net.smtp import send_now
        from tui.core.net.trust import CertificateChanged, CertificateNeedsDecision

        screen = message.compose_screen
        with self._for_cache(screen.cache):  # the account of its « De » (#20)
            session, password, account = self.session, self._password, self.config.account
        if session is None or password is None:
            screen.direct_failed(_("Hors ligne : le message ne peut pas partir maintenant."))
            return
        try:
            await send_now(account, session.trust, password, message.raw)
        except (CertificateNeedsDecision, CertificateChanged) as exc:
            # The sending server's certificate, never seen before: asked, then sent.
            with self._for_cache(screen.cache):  # the prompt answers for that account
                self._ask_certificate(exc, then=lambda: self.on_compose_screen_send_direct(message))
            return
        except MailError as exc:
            screen.direct_failed(exc.message)
            return
        screen.direct_sent()
        with self._for_cache(screen.cache):
            self.notify(_("Message envoyé directement."), markup=False)

    def on_mailbox_screen_outbox_changed(self, message: MailboxScreen.OutboxChanged) -> None:
        if message.send:
            # The « De » may have been another account: each sends what it holds.
            self._each_account(self.send_outbox)
        else:
            self._refresh_outbox()

    def outbox_count(self) -> int:
        from tui.core.store import outbox  # the email package: not before the first frame

        return len(outbox.pending(self.account.cache))

    def _refresh_outbox(self) -> None:
        mailbox = self._mailbox()
        if mailbox is not None and mailbox.is_mounted:
            mailbox.status.outbox = self.outbox_count()

    def send_outbox(self) -> None:
        """Send what the outbox of the account handled now holds (its state is read
        now: the send runs later, when another account may be the one handled)."""
        self._send_pending(self.account, self.session, self.config, self._password)

    @work(group="send", exit_on_error=False)
    async def _send_pending(
        self, account: Any, session: Any, config: Any, password: str | None
    ) -> None:
        """Send what the outbox holds; failures stay there with their reason.

        Not exclusive: a new send must never cancel one under way, which could cut it
        after the server accepted DATA (and send it again). Two at once are safe: each
        row is claimed in the store by one attempt only (tui/core/store/claims.py).

        What is said and asked afterwards is said as that account (`_for_cache`), never
        across an await: by then another account may be the one on screen (review)."""
        with self._for_cache(account.cache):
            self._refresh_outbox()
        if account.demo or session is None:
            return  # the compose screen already said the demo keeps it in the outbox
        from tui.core.net.smtp import send_pending
        from tui.core.net.trust import CertificateChanged, CertificateNeedsDecision
        from tui.core.store import outbox

        if password is None:
            # Said only by an account with something to send (several are asked, #20).
            if any(row.status == outbox.QUEUED for row in outbox.pending(account.cache)):
                with self._for_cache(account.cache):
                    self.notify(
                        _("Hors ligne : le message partira à la prochaine connexion."),
                        markup=False,
                    )
            return

        # A connection of the send's own: an account switch or a rebuilt cache closes the
        # UI's while a send may still be in DATA, and its outcome must still be written.
        store = Cache.open(account.cache.path, durable_path=account.cache.durable_path, check=False)
        try:
            report = await send_pending(store, config.account, session.trust, password)
        except (CertificateNeedsDecision, CertificateChanged) as exc:
            with self._for_cache(account.cache):
                self._ask_certificate(
                    exc, then=lambda: self._send_pending(account, session, config, password)
                )
            return
        finally:
            store.close()
        if session.stopped:
            return  # the account was closed meanwhile: what it says is for no one
        with self._for_cache(account.cache):
            self._said_after_sending(report, session)

    def _said_after_sending(self, report: Any, session: Any) -> None:
        from tui.core.account import contract
        from tui.core.store import outbox

        if report.sent and session.worker is not None:
            # The copies wait in the outbox; the worker files them now or once connected.
            session.worker.submit(contract.FileSent())
        if report.sent:
            sent = len(report.sent)
            text = ngettext("{n} message envoyé.", "{n} messages envoyés.", sent).format(n=sent)
            self.notify(text, markup=False)
        for failed in report.failed:
            self.notify(failed.reason, severity="error", timeout=15, markup=False)
        if report.uncertain:
            self.notify(
                outbox.uncertain_notice(len(report.uncertain)),
                severity="warning",
                timeout=20,
                markup=False,
            )
        self._refresh_outbox()
