"""« Trier… » (`S`): the order of the folder's list, remembered for that folder (#19)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.core.i18n import _
from tui.core.store.sorting import Sort


def sort_choices() -> list[tuple[Sort, str]]:
    """Each order with its name, in the user's language."""
    return [
        (Sort("date"), _("Date, les plus récents d'abord")),
        (Sort("date", reverse=True), _("Date, les plus anciens d'abord")),
        (Sort("size"), _("Taille, les plus gros d'abord")),
        (Sort("size", reverse=True), _("Taille, les plus petits d'abord")),
        (Sort("sender"), _("Expéditeur, de A à Z")),
        (Sort("sender", reverse=True), _("Expéditeur, de Z à A")),
        (Sort("subject"), _("Objet, de A à Z")),
        (Sort("subject", reverse=True), _("Objet, de Z à A")),
    ]


def sort_short(sort: Sort) -> str:
    """A few words for the status bar; nothing for the usual order."""
    names = {
        Sort("date", reverse=True): _("anciens d'abord"),
        Sort("size"): _("plus gros d'abord"),
        Sort("size", reverse=True): _("plus petits d'abord"),
        Sort("sender"): _("expéditeur A→Z"),
        Sort("sender", reverse=True): _("expéditeur Z→A"),
        Sort("subject"): _("objet A→Z"),
        Sort("subject", reverse=True): _("objet Z→A"),
    }
    return names.get(sort, "")


def sort_name(sort: Sort) -> str:
    return next((name for choice, name in sort_choices() if choice == sort), "")


class SortPicker(ModalScreen[Sort | None]):
    DEFAULT_CSS = """
    SortPicker {
        align: center middle;
    }
    SortPicker > Vertical {
        width: 44;
        max-width: 90%;
        height: auto;
        border: thick $primary;
        background: $surface;
    }
    SortPicker OptionList {
        height: auto;
        border: none;
    }
    """
    BINDINGS = [Binding("escape", "dismiss_none", _("Annuler"), id="sort.cancel")]

    def __init__(self, current: Sort) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        choices = sort_choices()
        with Vertical():
            yield Label(Content(_("Trier ce dossier par :")))
            yield OptionList(*(Option(Content(name)) for _sort, name in choices))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        sorts = [sort for sort, _name in sort_choices()]
        options.highlighted = sorts.index(self.current) if self.current in sorts else 0
        self.set_focus(options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(sort_choices()[event.option_index][0])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
