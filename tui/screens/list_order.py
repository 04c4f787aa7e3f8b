"""The order of the mailbox's list: newest first, by thread (`t`), or sorted (`S`) by
date, size, sender or subject, each folder remembering its own (#19)."""

from __future__ import annotations

import contextlib

from textual.binding import Binding

from tui.core.account.contract import Command, DeleteFolder, RenameFolder
from tui.core.account.folder_names import account_delimiter
from tui.core.i18n import _
from tui.core.store.sorting import Sort
from tui.screens.message_actions import MessageActions
from tui.views import load_sorts, save_sorts, views_path
from tui.widgets.rows import RowSource
from tui.widgets.sorted_source import SortedSource
from tui.widgets.thread_source import ThreadedSource


class ListOrder(MessageActions):
    """Which source the list reads the folder from (MailboxScreen inherits this)."""

    BINDINGS = [
        Binding("S", "sort", _("Trier…"), show=False, id="mailbox.sort"),
        Binding("L", "largest", _("Plus gros messages"), show=False, id="mailbox.largest"),
    ]

    threaded: bool
    _threads: ThreadedSource
    _sorted: SortedSource | None = None
    _sorts: dict[str, Sort] | None = None

    @property
    def sorts(self) -> dict[str, Sort]:
        """Each folder's chosen order, read from the data directory when first needed."""
        if self._sorts is None:
            self._sorts = load_sorts(views_path(self.account.cache.durable_path))
        return self._sorts

    def sort_of(self, folder: str) -> Sort:
        return self.sorts.get(folder, Sort())

    def _folder_source(self) -> RowSource:
        """Where the list reads the folder: by thread, in the folder's chosen order, or
        the cache itself, newest first (paged in SQL, nothing computed)."""
        if self.threaded:
            return self._threads
        sort = self.sort_of(self.folder)
        if sort.is_default:
            return self.account.cache
        current = self._sorted
        if current is None or current.sort != sort or current.cache is not self.account.cache:
            self._sorted = current = SortedSource(self.account.cache, sort)
        return current

    def _size_column(self) -> None:
        """Sorted by size, the list shows the sizes whatever its width."""
        self.messages.show_size = not self.threaded and self.sort_of(self.folder).key == "size"

    def _show_order(self) -> None:
        """The list reads from the source the folder's order calls for."""
        self._size_column()
        self.messages.switch_source(self._folder_source())

    def order_note(self) -> str:
        """For the status bar: the folder's order when it is not the newest first."""
        if self.threaded or self.results is not None:
            return ""
        from tui.screens.sort_picker import sort_short

        return sort_short(self.sort_of(self.folder))

    def action_toggle_threads(self) -> None:
        """Group the folder by thread, or not; the same message stays selected."""
        self.threaded = not self.threaded
        self._show_order()
        if self.threaded:
            self.notify(_("Messages groupés par fil de discussion."), markup=False)
        else:
            self.notify(_("Messages dans l'ordre des dates."), markup=False)

    def action_sort(self) -> None:
        from tui.screens.sort_picker import SortPicker, sort_name

        if self.results is not None:
            self.notify(_("Cette liste garde son propre ordre : Échap revient au dossier."))
            return
        folder = self.folder

        def chosen(sort: Sort | None) -> None:
            if sort is None or self.folder != folder:
                return
            self.sorts[folder] = sort
            self.threaded = False  # a sort is a flat list
            self._show_order()
            self.refresh_folders()
            try:
                save_sorts(views_path(self.account.cache.durable_path), self.sorts)
            except OSError as error:
                self.notify(
                    _("Ordre appliqué, mais pas retenu : {reason}").format(
                        reason=error.strerror or error
                    ),
                    severity="warning",
                    markup=False,
                )
                return
            self.notify(_("Trié par : {order}.").format(order=sort_name(sort)), markup=False)

        self.app.push_screen(SortPicker(self.sort_of(folder)), chosen)

    def folder_command_done(self, command: Command) -> None:
        """A folder renamed keeps its order (subfolders too); a deleted one loses it, so
        that a new folder of the same name starts newest first."""
        if isinstance(command, RenameFolder | DeleteFolder):
            separator = account_delimiter(self.account.cache)
            changed = False
            for folder in list(self.sorts):
                inside = bool(separator) and folder.startswith(command.name + separator)
                if folder != command.name and not inside:
                    continue
                sort = self.sorts.pop(folder)
                if isinstance(command, RenameFolder):
                    self.sorts[command.new_name + folder[len(command.name) :]] = sort
                changed = True
            if changed:
                with contextlib.suppress(OSError):  # only the order is at stake
                    save_sorts(views_path(self.account.cache.durable_path), self.sorts)
        super().folder_command_done(command)

    def action_largest(self) -> None:
        """« Plus gros messages »: the largest of every folder, largest first, to make
        room when the mailbox is full; Échap goes back to the folder."""
        from tui.widgets.folder_list import FolderList
        from tui.widgets.largest_source import LargestSource

        if self.results is not None:
            self.results.close()
        self.remove_class("-searching")  # from a search: its box goes with it
        self.results = LargestSource(
            lambda: self.account.cache, label_of=self.query_one(FolderList).label_of
        )
        self.search_text = ""
        self.messages.source = self.results
        self.messages.show_size = True
        self.messages.empty_text = _("Aucun message téléchargé pour l'instant.")
        self.messages.show_folder(self.folder)
        if self.reading:
            self.reading = False
            self._layout(self.size.width)
        self.refresh_folders()
        self.refresh_bindings()
        self.set_focus(self.messages)
        self.notify(
            _(
                "Les plus gros messages de tous les dossiers. Marquez-les (Espace), puis d les "
                "met à la Corbeille : la place est libérée une fois la Corbeille vidée "
                "(Ctrl+P, « Vider la corbeille »)."
            ),
            timeout=12,
            markup=False,
        )

    search_text: str
    reading: bool

    def _layout(self, width: int, height: int | None = None) -> None:
        raise NotImplementedError  # MailboxScreen lays the panes out

    def refresh_folders(self) -> None:
        raise NotImplementedError  # MailboxScreen shows the folders and the counts
