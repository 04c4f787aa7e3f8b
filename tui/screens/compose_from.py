"""The compose screen's « De » selector (#20): with several accounts, the account a
message goes from; a reply starts on the account that received the original."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Select

from tui.core.mail.compose import format_address
from tui.core.mail.sanitize import clean_line
from tui.several import Sender


def sender_text(sender: Sender) -> str:
    """« Collège — Secrétariat <ce.0211234x@ac-dijon.fr> »: the real address shown."""
    address = format_address(sender.identity.display_name, sender.identity.email)
    if sender.label == sender.identity.email:
        return clean_line(address)  # no label: its address is its name
    return clean_line(f"{sender.label} — {address}")


class FromSelector(Select[int]):
    """One option per account; the value is the index in the senders given."""

    DEFAULT_CSS = """
    FromSelector {
        width: 1fr;
        height: auto;
        padding-left: 1;  /* the text in line with the fields' below */
    }
    """

    def __init__(self, senders: Sequence[Sender], *, id: str | None = None) -> None:
        # Content, never markup: labels and names come from the config file.
        options = [(Content(sender_text(s)), index) for index, s in enumerate(senders)]
        super().__init__(options, value=0, allow_blank=False, compact=True, id=id)
