"""The contacts screen (`C`): the address book, filtered as you type; rename, delete,
import a vCard or CSV file, and Enter to write to someone.

Names and addresses come from files and messages: shown as `Text` cells and `Content`,
never as markup. The list shows at most SHOWN rows (a DataTable stays quick under a few
thousand); the filter finds the others.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from tui.core import logs
from tui.core.i18n import _, ngettext
from tui.core.mail.addressbook import fold
from tui.core.mail.compose import format_address
from tui.core.store import contacts, durable
from tui.core.store.cache import Cache
from tui.screens.choice import Choice
from tui.screens.folder_name import FolderName
from tui.widgets.footer import Footer

SHOWN = 500
T = TypeVar("T")


class ContactsScreen(ModalScreen[str | None]):
    """Dismisses with the address to write to (Enter), or None."""

    DEFAULT_CSS = """
    ContactsScreen {
        align: center middle;
    }
    ContactsScreen > Vertical {
        width: 100;
        max-width: 100%;
        height: 100%;
        border: thick $primary;
        background: $surface;
    }
    ContactsScreen #contacts-title {
        text-style: bold;
        padding: 0 1;
    }
    ContactsScreen #contacts-filter {
        border: none;
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    ContactsScreen DataTable {
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("enter", "write", _("Écrire"), id="contacts.write"),
        Binding("e", "rename", _("Renommer"), id="contacts.rename"),
        Binding("d,delete", "delete", _("Supprimer"), id="contacts.delete"),
        Binding("i", "import_file", _("Importer"), id="contacts.import"),
        Binding("/", "filter", _("Filtrer"), show=False, id="contacts.filter"),
        Binding("escape", "close", _("Fermer"), id="contacts.close"),
    ]

    def __init__(self, cache: Cache) -> None:
        super().__init__()
        self.cache = cache
        self.all: list[contacts.Contact] = []
        self.rows: list[contacts.Contact] = []
        self._folded: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(_("Contacts")), id="contacts-title")
            yield Input(placeholder=_("Filtrer par nom ou adresse…"), id="contacts-filter")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="contacts-table")
            yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        room = max(30, min(100, self.app.size.width) - 4 - 8 - 4)
        labels = (_("Nom"), _("Adresse"), _("Envois"))
        for label, width in zip(labels, (room * 2 // 5, room - room * 2 // 5, 6), strict=True):
            table.add_column(Text(label), width=width)
        self.reload()
        self.set_focus(table)

    # --- the list -------------------------------------------------------------------

    def reload(self) -> None:
        try:
            self.all = contacts.all_contacts(self.cache)
        except Exception as error:  # an unreadable book: said, never a crash
            logs.record(error, "contacts: reading the address book")
            self.notify(_("Le carnet d'adresses est illisible."), severity="error", markup=False)
            self.all = []
        self._folded = [fold(f"{c.name} {c.address}") for c in self.all]
        self._show()

    def _show(self) -> None:
        needle = fold(self.query_one("#contacts-filter", Input).value.strip())
        words = needle.split()
        matching = [
            contact
            for contact, text in zip(self.all, self._folded, strict=True)
            if all(word in text for word in words)
        ]
        self.rows = matching[:SHOWN]
        table = self.query_one(DataTable)
        table.clear()
        for contact in self.rows:
            table.add_row(
                Text(contact.name, no_wrap=True, overflow="ellipsis"),
                Text(contact.address, no_wrap=True, overflow="ellipsis"),
                Text(str(contact.count), justify="right"),
                key=str(contact.id),
            )
        self._title(len(matching))
        self.refresh_bindings()

    def _title(self, matching: int) -> None:
        if not self.all:
            text = _(
                "Contacts : aucun pour l'instant. Ils s'ajoutent à chaque message envoyé ; "
                "«\u00a0i\u00a0» importe un fichier vCard ou CSV."
            )
        elif matching > len(self.rows):
            text = _("Contacts : {shown} premiers sur {n} ; précisez le filtre.").format(
                shown=len(self.rows), n=matching
            )
        else:
            text = ngettext("Contacts : {n}", "Contacts : {n}", matching).format(n=matching)
        self.query_one("#contacts-title", Static).update(Content(text))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.set_focus(self.query_one(DataTable))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_write()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    @property
    def selected(self) -> contacts.Contact | None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"write", "rename", "delete"} and self.is_mounted and self.selected is None:
            return None
        return True

    # --- actions --------------------------------------------------------------------

    def action_filter(self) -> None:
        self.set_focus(self.query_one("#contacts-filter", Input))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_write(self) -> None:
        contact = self.selected
        if contact is not None:
            self.dismiss(format_address(contact.name, contact.address))

    def action_rename(self) -> None:
        contact = self.selected
        if contact is None:
            return

        def renamed(name: str | None) -> None:
            if name is not None:
                self._store(lambda: contacts.rename(self.cache, contact.id, name))

        self.app.push_screen(
            FolderName(
                _("Nom du contact"),
                contact.address,
                _("Renommer"),
                lambda _name: None,
                contact.name,
            ),
            renamed,
        )

    def action_delete(self) -> None:
        contact = self.selected
        if contact is None:
            return

        def decided(choice: str | None) -> None:
            if choice == "delete":
                self._store(lambda: contacts.delete(self.cache, [contact.id]))

        shown = format_address(contact.name, contact.address)
        self.app.push_screen(
            Choice(
                _("Supprimer ce contact ?"),
                _(
                    "{contact} ne sera plus proposé pendant la rédaction (il reviendra si "
                    "vous lui écrivez de nouveau)."
                ).format(contact=shown),
                [("delete", _("Supprimer")), ("cancel", _("Annuler"))],
            ),
            decided,
        )

    def action_import_file(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self._read_file(Path(path).expanduser())

        self.app.push_screen(
            FolderName(
                _("Importer des contacts"),
                _(
                    "Chemin d'un fichier vCard (.vcf) ou CSV exporté du webmail, d'Outlook, "
                    "de Thunderbird ou de Google (10 Mo au plus) :"
                ),
                _("Importer"),
                lambda path: None if path else _("Indiquez un fichier."),
            ),
            chosen,
        )

    def _read_file(self, path: Path) -> None:
        """Reading and parsing 10 MB may take a moment: off the UI thread, in a worker
        of the app's, so that closing this screen does not drop an import the user
        confirmed (review); the store is written on the UI thread, whose connection it
        is, and the screen shown again if it is still open."""
        app = self.app

        def read() -> None:
            from tui.core.mail import contact_import

            try:
                found = contact_import.from_file(path)
            except contact_import.ImportFailed as exc:
                app.call_from_thread(
                    app.notify, exc.message, severity="error", timeout=15, markup=False
                )
                return
            app.call_from_thread(self._add, found)

        app.run_worker(read, thread=True, group="contacts-import", exit_on_error=False)

    def _add(self, found: object) -> None:
        from tui.core.mail import contact_import

        assert isinstance(found, contact_import.Imported)
        added = self._store(lambda: contacts.add_many(self.cache, found.people))
        if added is not None:
            known = len(found.people) - added
            self.app.notify(
                contact_import.summary(added, known, found.skipped), timeout=10, markup=False
            )

    def _store(self, change: Callable[[], T]) -> T | None:
        """Write to the book, then show it again; a full or read-only disk is said."""
        try:
            result = change()
        except Exception as error:
            if not durable.write_problem(error):
                raise
            self.app.notify(
                _("Le carnet d'adresses n'a pas pu être modifié ({reason}).").format(
                    reason=durable.reason(error)
                ),
                severity="error",
                timeout=15,
                markup=False,
            )
            return None
        if self.is_attached:  # an import may end after the screen closed
            self.reload()
        return result
