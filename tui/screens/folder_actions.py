"""Creating, renaming and deleting folders from the mailbox (#19).

The folder pane's keys (`n`, `R`, Suppr) act on the highlighted folder; the palette's
commands on the folder shown. The server does the work (tui.core.account.folders); the pane
follows when the worker has read the folder list again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen

from tui.core.account.contract import Command, CreateFolder, DeleteFolder, RenameFolder
from tui.core.account.folder_names import (
    account_delimiter,
    name_problem,
    personal_prefix,
    protected,
)
from tui.core.i18n import _, ngettext
from tui.core.mail.formatting import figure
from tui.core.store.records import FolderRow
from tui.widgets.folder_list import FolderList

if TYPE_CHECKING:
    from tui.account import Account


class FolderPane(FolderList):
    """The mailbox's folder pane: FolderList with the keys that manage folders."""

    BINDINGS = [
        Binding("n", "screen.new_folder", _("Nouveau dossier"), id="folders.new"),
        Binding("R", "screen.rename_folder", _("Renommer"), id="folders.rename"),
        Binding("delete", "screen.delete_folder", _("Supprimer le dossier"), id="folders.delete"),
    ]


class FolderActions(Screen[None]):
    """The mailbox screen's folder commands (MailboxScreen inherits them)."""

    account: Account
    folder: str
    # Messages, (folder, uid), to move into the folder being created (`m`, « Nouveau
    # dossier… »), and that folder's name.
    _move_into_new: tuple[str, tuple[tuple[str, int], ...]] | None = None

    def _managed_folder(self) -> str | None:
        """The folder highlighted in the pane when it has the focus, else the one shown;
        None on an account's row (several accounts): Suppr there must not aim at the
        folder shown, perhaps another account's (review)."""
        pane = self.query_one(FolderList)
        if self.focused is pane:
            if pane.account_at(pane.highlighted) is not None:
                return None
            return pane.folder_at(pane.highlighted) or self.folder
        return self.folder

    def _offline_or_demo(self) -> bool:
        if self.account.demo:
            self.notify(_("Démonstration : il n'y a pas de serveur où créer des dossiers."))
            return True
        return False

    def _naming(self) -> tuple[str, str]:
        """(namespace prefix, separator) for names the user types."""
        folders = self.account.cache.folders()
        return personal_prefix(folders), account_delimiter(self.account.cache)

    def _name_hint(self, separator: str) -> str:
        return _("Pour un sous-dossier : « Parent{sep}Nom ».").format(sep=separator)

    def action_new_folder(self, move: tuple[tuple[str, int], ...] = ()) -> None:
        """Ask for a name, then create it; with `move`, those messages go into it."""
        from tui.screens.folder_name import FolderName

        if self._offline_or_demo():
            return
        prefix, separator = self._naming()
        folders = self.account.cache.folders()

        def named(name: str | None) -> None:
            if name:
                full = prefix + name
                self._move_into_new = (full, move) if move else None
                self.account.create_folder(full)

        self.app.push_screen(
            FolderName(
                _("Nouveau dossier"),
                self._name_hint(separator),
                _("Créer"),
                lambda name: name_problem(prefix + name, folders, separator),
            ),
            named,
        )

    def action_rename_folder(self) -> None:
        from tui.screens.folder_name import FolderName

        chosen = self._folder_to_change()
        if chosen is None:
            return
        folder, _row = chosen
        prefix, separator = self._naming()
        others = [f for f in self.account.cache.folders() if f.name != folder]

        def named(name: str | None) -> None:
            if name and prefix + name != folder:
                self.account.rename_folder(folder, prefix + name)

        self.app.push_screen(
            FolderName(
                _("Renommer « {folder} »").format(folder=self._label(folder)),
                self._name_hint(separator),
                _("Renommer"),
                lambda name: name_problem(prefix + name, others, separator),
                value=folder.removeprefix(prefix),
            ),
            named,
        )

    def action_delete_folder(self) -> None:
        from tui.screens.choice import Choice

        chosen = self._folder_to_change()
        if chosen is None:
            return
        folder, row = chosen
        count = max(self.account.cache.count(folder), row.total if row else 0)
        label = self._label(folder)
        if count:
            text = ngettext(
                "Le dossier « {folder} » ({n} message) sera supprimé du serveur, sans "
                "retour possible.",
                "Le dossier « {folder} » ({n} messages) sera supprimé du serveur, sans "
                "retour possible.",
                count,
            ).format(folder=label, n=figure(count))
        else:
            text = _("Le dossier vide « {folder} » sera supprimé du serveur.").format(folder=label)

        def answered(choice: str | None) -> None:
            if choice == "delete":
                self.account.delete_folder(folder)

        self.app.push_screen(
            Choice(
                _("Supprimer le dossier"),
                text,
                [("cancel", _("Annuler")), ("delete", _("Supprimer le dossier"))],
            ),
            answered,
        )

    def _folder_to_change(self) -> tuple[str, FolderRow | None] | None:
        """The folder a rename or delete acts on, with its row; None (having said
        why) for INBOX, a special folder, or in the demo."""
        folder = self._managed_folder()
        if folder is None:
            self.notify(
                _("Sur la ligne d'un compte : choisissez d'abord l'un de ses dossiers."),
                severity="warning",
                markup=False,
            )
            return None
        row = next((f for f in self.account.cache.folders() if f.name == folder), None)
        if protected(row, folder):
            self._refuse_special(folder)
            return None
        if self._offline_or_demo():
            return None
        return folder, row

    def _refuse_special(self, folder: str) -> None:
        self.notify(
            _(
                "« {folder} » est un dossier du système de messagerie : il ne se renomme "
                "pas et ne se supprime pas."
            ).format(folder=self._label(folder)),
            severity="warning",
            markup=False,
        )

    def _label(self, folder: str) -> str:
        return self.query_one(FolderList).label_of(folder)

    def folder_command_done(self, command: Command) -> None:
        """The server did it and the pane shows the new list: say so, and follow."""
        if isinstance(command, CreateFolder):
            move, self._move_into_new = self._move_into_new, None
            if move is not None and move[0] == command.name:
                self._move_into(*move)
                return
            text = _("Dossier « {folder} » créé.").format(folder=self._label(command.name))
        elif isinstance(command, RenameFolder):
            text = _("Dossier renommé en « {folder} ».").format(
                folder=self._label(command.new_name)
            )
            separator = account_delimiter(self.account.cache)
            if self.folder == command.name:
                self.show_folder(command.new_name)
            elif separator and self.folder.startswith(command.name + separator):
                self.show_folder(command.new_name + self.folder[len(command.name) :])
        elif isinstance(command, DeleteFolder):
            text = _("Dossier « {folder} » supprimé.").format(folder=command.name)
            if self.folder not in {f.name for f in self.account.cache.folders()}:
                self.show_folder("INBOX")
        else:
            return
        self.notify(text, markup=False)

    def _move_into(self, target: str, keys: tuple[tuple[str, int], ...]) -> None:
        raise NotImplementedError  # MailboxScreen moves it, with its undo notice

    def show_folder(self, folder: str) -> None:
        raise NotImplementedError  # MailboxScreen switches the panes to it
