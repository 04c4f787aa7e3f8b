"""Answering an invitation from the mailbox (`i`): Accepter, Peut-être or Refuser.

The answer is an iTIP REPLY built by tui.core.mail.itip and queued in the durable outbox,
then sent like any message: at most once, kept if the connection is down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.store import durable
from tui.screens.rule_actions import RuleActions

if TYPE_CHECKING:
    from tui.core.mail.compose import Identity
    from tui.core.mail.invitations import CalendarEvent
    from tui.core.mail.mime import RenderedMessage


class InvitationActions(RuleActions):
    """MailboxScreen inherits these."""

    BINDINGS = [
        Binding(
            "i",
            "answer_invitation",
            _("Répondre à l'invitation"),
            show=False,
            id="mailbox.invitation",
        ),
    ]

    def _identity(self) -> Identity:
        raise NotImplementedError  # MailboxScreen: the account's sender

    def action_answer_invitation(self) -> None:
        from tui.core.mail.invitations import answerable, when
        from tui.core.mail.itip import check
        from tui.screens.invitation_answer import ANSWERS, InvitationAnswer

        selected = self._selected()
        if selected is None:
            return
        message = self.account.message(*selected)
        if message is None:
            self.notify(
                _("Le message n'est pas encore téléchargé : ouvrez-le d'abord."), markup=False
            )
            self.account.fetch_body(*selected)
            return
        if not message.calendar:
            self.notify(_("Ce message n'est pas une invitation."), markup=False)
            return
        identity = self._identity()
        event = answerable(message.calendar, identity.email) or message.calendar[0]
        try:
            organizer, _attendee = check(event, identity.email)
        except MailError as error:
            self.notify(error.message, title=error.title, severity="warning", markup=False)
            return
        lines = [event.summary or _("(sans titre)")]
        if event.start is not None:
            lines.append(when(event.start, event.end, event.unknown_zone))
        lines.append(_("La réponse part à {address}.").format(address=organizer))

        def chosen(choice: str | None) -> None:
            if choice in ANSWERS:
                self._answer(message, event, ANSWERS[choice])

        self.app.push_screen(InvitationAnswer("\n".join(lines)), chosen)

    def _answer(self, message: RenderedMessage, event: CalendarEvent, partstat: str) -> None:
        """Build the REPLY and put it in the outbox (committed), then ask for a send."""
        from tui.core.mail.itip import build_reply
        from tui.core.store import outbox
        from tui.screens.mailbox import MailboxScreen

        try:
            reply = build_reply(
                self._identity(),
                event,
                partstat,
                in_reply_to=message.message_id,
                references=[*message.references, message.message_id],
            )
            outbox.queue(self.account.cache, reply)
        except MailError as error:
            self.notify(error.message, title=error.title, severity="error", markup=False)
            return
        except Exception as error:
            if not durable.write_problem(error):
                raise
            self.notify(
                _("La réponse n'a pas pu être mise dans la boîte d'envoi ({reason}).").format(
                    reason=durable.reason(error)
                ),
                title=_("Fichiers locaux"),
                severity="error",
                markup=False,
                timeout=20,
            )
            return
        sent = {
            "ACCEPTED": _("Réponse « J'accepte » mise dans la boîte d'envoi."),
            "TENTATIVE": _("Réponse « Peut-être » mise dans la boîte d'envoi."),
            "DECLINED": _("Réponse « Je refuse » mise dans la boîte d'envoi."),
        }[partstat]
        if self.account.demo:
            sent += " " + _("Mode démonstration : elle y reste.")
        self.notify(sent, markup=False)
        self.post_message(MailboxScreen.OutboxChanged(send=True))
