"""Local drafts, saved as the user types: listed here to be resumed after a restart or a
crash, or discarded."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tui.core.i18n import _
from tui.core.mail.compose import Draft
from tui.core.mail.sanitize import clean_line
from tui.core.store.cache import Cache
from tui.core.store.outbox import delete_draft, load_drafts
from tui.screens.choice import Choice
from tui.widgets.footer import Footer


class DraftsScreen(ModalScreen[int | None]):
    """Dismisses with the id of the draft to resume, or None."""

    DEFAULT_CSS = """
    DraftsScreen {
        align: center middle;
    }
    DraftsScreen > Vertical {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
    }
    DraftsScreen #drafts-title {
        text-style: bold;
        padding: 0 1;
    }
    DraftsScreen DataTable {
        height: auto;
        max-height: 16;
    }
    """
    BINDINGS = [
        Binding("enter", "resume", _("Reprendre"), id="drafts.resume"),
        Binding("d,delete", "discard", _("Supprimer"), id="drafts.discard"),
        Binding("escape", "close", _("Fermer"), id="drafts.close"),
    ]

    def __init__(self, cache: Cache) -> None:
        super().__init__()
        self.cache = cache
        self.drafts: list[tuple[int, Draft]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content(_("Brouillons (enregistrés sur cet ordinateur)")), id="drafts-title"
            )
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        room = max(30, min(100, self.app.size.width) - 6)
        # Text cells (PITFALLS.md: DataTable parses plain strings as Rich markup).
        table.add_column(Text(_("Destinataires")), width=room * 2 // 5)
        table.add_column(Text(_("Objet")), width=room - room * 2 // 5)
        self.reload()
        self.set_focus(table)

    def reload(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.drafts = list(reversed(load_drafts(self.cache)))  # newest first
        for draft_id, draft in self.drafts:
            subject = clean_line(draft.subject) or _("(sans objet)")
            table.add_row(Text(clean_line(draft.to)), Text(subject), key=str(draft_id))
        if not self.drafts:
            table.add_row(Text(_("Aucun brouillon.")), Text(""))

    def _current(self) -> int | None:
        table = self.query_one(DataTable)
        if not self.drafts or table.cursor_row >= len(self.drafts):
            return None
        return self.drafts[table.cursor_row][0]

    def action_resume(self) -> None:
        draft_id = self._current()
        if draft_id is not None:
            self.dismiss(draft_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_resume()

    def action_discard(self) -> None:
        draft_id = self._current()
        if draft_id is None:
            return

        def answered(choice: str | None) -> None:
            if choice == "delete":
                delete_draft(self.cache, draft_id)
                self.reload()

        self.app.push_screen(
            Choice(
                _("Supprimer ce brouillon ?"),
                "",
                [("keep", _("Garder")), ("delete", _("Supprimer"))],
            ),
            answered,
        )

    def action_close(self) -> None:
        self.dismiss(None)
