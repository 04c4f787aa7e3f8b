"""« Pièces jointes… » (`p`): pick one attachment and what to do with it (#20).

Entrée reads it as text in the terminal, `s` saves it alone, `o` opens it with the
system's viewer; `1`…`9` go to the attachment of that number (the reader lists them
numbered). Names come from the message: shown as Content, never markup.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.core.i18n import _
from tui.core.mail.formatting import attachment_kind, size_short
from tui.core.mail.mime import Attachment
from tui.core.mail.sanitize import clean_line

Choice = tuple[str, int]  # ("read" | "save" | "open", the attachment's index)


def attachment_line(attachment: Attachment) -> Content:
    """« 2. rapport.pdf — PDF, 120 Ko », as the reader lists it."""
    kind = clean_line(attachment_kind(attachment.content_type))
    size = size_short(attachment.size)
    return Content(f"{attachment.index}. {attachment.label} — {kind}, {size}")


class AttachmentPicker(ModalScreen[Choice | None]):
    """Dismisses with (action, attachment index), or None."""

    DEFAULT_CSS = """
    AttachmentPicker {
        align: center middle;
    }
    AttachmentPicker > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    AttachmentPicker OptionList {
        height: auto;
        max-height: 12;
        border: none;
    }
    AttachmentPicker #attachment-hint {
        color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", _("Annuler"), id="attachments.cancel"),
        Binding("s", "choose('save')", _("Enregistrer"), id="attachments.save"),
        Binding("o", "choose('open')", _("Ouvrir avec la visionneuse"), id="attachments.open"),
        *(Binding(str(n), f"number({n})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, attachments: list[Attachment]) -> None:
        super().__init__()
        self.attachments = attachments

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(_("Pièces jointes")).stylize("bold"))
            yield OptionList(*(Option(attachment_line(a)) for a in self.attachments))
            yield Static(
                Content(
                    _(
                        "Entrée : lire en texte · s : enregistrer · o : ouvrir avec la "
                        "visionneuse · Échap : fermer"
                    )
                ),
                id="attachment-hint",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        self.set_focus(options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(("read", self.attachments[event.option_index].index))

    def action_choose(self, action: str) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None and 0 <= highlighted < len(self.attachments):
            self.dismiss((action, self.attachments[highlighted].index))

    def action_number(self, number: int) -> None:
        """The attachment listed with this number, highlighted (not yet acted on)."""
        for position, attachment in enumerate(self.attachments):
            if attachment.index == number:
                self.query_one(OptionList).highlighted = position
                return
        self.app.bell()

    def action_cancel(self) -> None:
        self.dismiss(None)
