"""Save a message's attachments: the user picks the folder (default: Downloads).

Files land only inside that folder, under sanitised names, and an existing file is
never overwritten: a taken name gets « (1) », « (2) »… (tui.core.mail.attachments).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.core.i18n import _
from tui.core.mail.attachments import default_folder
from tui.core.mail.formatting import size_short
from tui.core.mail.mime import Attachment


def _line(attachment: Attachment) -> Content:
    """« facture/2026.pdf (12 Ko) → enregistré sous 2026.pdf » when the names differ."""
    size = size_short(attachment.size)
    if attachment.label == attachment.filename:
        return Content(f"  {attachment.label} ({size})")
    saved = _("enregistré sous « {name} »").format(name=attachment.filename)
    return Content(f"  {attachment.label} ({size}) → {saved}")


class SaveAttachments(ModalScreen[Path | None]):
    """Dismisses with the chosen folder, or None."""

    DEFAULT_CSS = """
    SaveAttachments {
        align: center middle;
    }
    SaveAttachments > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "cancel", _("Annuler"), id="save.cancel")]

    def __init__(self, attachments: list[Attachment], *, title: str = "", hint: str = "") -> None:
        super().__init__()
        self.attachments = attachments
        self.title_text = title or _("Enregistrer les pièces jointes dans :")
        self.hint = hint or _(
            "Entrée pour enregistrer ; un fichier existant n'est jamais remplacé."
        )

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text).stylize("bold"))
            # Content, never markup: file names come from the message.
            listing = Content("\n").join(_line(a) for a in self.attachments)
            yield Static(listing)
            yield Input(str(default_folder()), id="folder")
            yield Static(Content(self.hint))

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            self.dismiss(Path(text).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)
