"""The answer to an invitation: Accepter, Peut-être or Refuser (a, p, r), or Annuler."""

from __future__ import annotations

from textual.binding import Binding

from tui.core.i18n import _
from tui.screens.choice import Choice

# Button ids, and what each answer is in iCalendar (PARTSTAT).
ANSWERS = {"accepted": "ACCEPTED", "tentative": "TENTATIVE", "declined": "DECLINED"}


class InvitationAnswer(Choice):
    """Dismisses with "accepted", "tentative", "declined" or "cancel"."""

    DEFAULT_CSS = """
    InvitationAnswer > Vertical {
        width: 72;
    }
    InvitationAnswer Button {
        min-width: 12;
    }
    """
    BINDINGS = [
        Binding("a", "choose('accepted')", _("Accepter"), id="invitation.accept"),
        Binding("p", "choose('tentative')", _("Peut-être"), id="invitation.tentative"),
        Binding("r", "choose('declined')", _("Refuser"), id="invitation.decline"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__(
            _("Répondre à l'invitation"),
            text,
            [
                ("accepted", _("Accepter")),
                ("tentative", _("Peut-être")),
                ("declined", _("Refuser")),
                ("cancel", _("Annuler")),
            ],
        )
