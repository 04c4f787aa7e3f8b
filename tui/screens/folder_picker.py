"""A modal list of folders, to choose where a message goes."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.core.i18n import _
from tui.widgets.folder_list import FolderLike, FolderList

NEW_FOLDER = "\x00new"  # what the picker answers for « Nouveau dossier… » (no folder's name)


class FolderPicker(ModalScreen[str | None]):
    DEFAULT_CSS = """
    FolderPicker {
        align: center middle;
    }
    FolderPicker > Vertical {
        width: 50;
        max-width: 90%;
        height: 20;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss_none", _("Annuler"), id="picker.cancel"),
        Binding("n", "new_folder", _("Nouveau dossier"), id="picker.new"),
    ]

    def __init__(self, folders: Sequence[FolderLike], current: str) -> None:
        super().__init__()
        self.folders = [f for f in folders if f.name != current]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(_("Déplacer vers (n : nouveau dossier) :")))
            yield FolderList()

    def on_mount(self) -> None:
        picker = self.query_one(FolderList)
        picker.show(self.folders, None)
        self.set_focus(picker)

    def on_folder_list_chosen(self, event: FolderList.Chosen) -> None:
        self.dismiss(event.folder)

    def action_new_folder(self) -> None:
        self.dismiss(NEW_FOLDER)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
