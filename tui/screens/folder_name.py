"""Asking for a folder's name (« Nouveau dossier… », « Renommer le dossier… »).

The name is checked as it is typed (empty, taken, a character the server cannot list
back) so that the server is only asked for a name it can take; what the server still
refuses comes back with its reason (tui.core.account.folders).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from tui.core.i18n import _
from tui.screens.dialog import Dialog


class FolderName(Dialog[str]):
    """A name to type; dismisses with it (as typed, trimmed), or None."""

    DEFAULT_CSS = """
    FolderName {
        align: center middle;
    }
    FolderName > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    FolderName #folder-name-title {
        text-style: bold;
        padding-bottom: 1;
    }
    FolderName #folder-name-problem {
        color: $text-error;
        height: auto;
    }
    FolderName Horizontal {
        height: auto;
        align-horizontal: center;
        padding-top: 1;
    }
    FolderName Button {
        margin: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "cancel", _("Annuler"), id="folder_name.cancel")]

    def __init__(
        self,
        title: str,
        hint: str,
        action: str,
        problem: Callable[[str], str | None],
        value: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.action = action
        self.problem = problem
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), id="folder-name-title")
            yield Static(Content(self.hint), id="folder-name-hint")
            yield Input(self.value, id="folder-name", select_on_focus=True)
            yield Static(Content(""), id="folder-name-problem")
            with Horizontal():
                yield Button(Content(self.action), id="ok", variant="primary")
                yield Button(Content(_("Annuler")), id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_problem(None)  # typing again: the last complaint is out of date

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def _submit(self) -> None:
        name = self.query_one(Input).value.strip()
        problem = self.problem(name)
        if problem is None:
            self.dismiss(name)
        else:
            self._show_problem(problem)

    def _show_problem(self, problem: str | None) -> None:
        self.query_one("#folder-name-problem", Static).update(Content(problem or ""))
