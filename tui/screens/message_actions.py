"""The mailbox's actions on messages, and marking several to act on them at once (#19).

`space`/`v` marks the message under the cursor, `V` the whole list, `T` by pattern
(sender, subject, older than, larger than); Échap lets the marks go. While messages
are marked, delete, move, archive, flag and read/unread act on all of them as one
action that `u` undoes; otherwise on the message under the cursor. The account applies
it to the cache at once and queues it for the server in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on
from textual.binding import Binding

from tui.core.errors import MailError
from tui.core.i18n import _, ngettext
from tui.core.mail.formatting import figure
from tui.core.mail.patterns import Pattern, matches
from tui.screens.folder_actions import FolderActions
from tui.undo import UNDO_MAX_MESSAGES
from tui.widgets.folder_list import FolderList
from tui.widgets.largest_source import LargestSource
from tui.widgets.message_list import MessageList

if TYPE_CHECKING:
    from tui.account import Key
    from tui.widgets.results import ResultsSource
    from tui.widgets.status_bar import StatusBar

RESULTS_PAGE = 1000  # search results read at a time when all of them are marked


def _undo_hint(text: str) -> str:
    return _("{action} (u pour annuler, pendant 10 secondes).").format(action=text)


def _done_text(text: str, undoable: bool) -> str:
    """What an action did, with the undo hint only when `u` can take it back."""
    return _undo_hint(text) if undoable else _("{action}.").format(action=text)


class MessageActions(FolderActions):
    """Delete, move, archive, flag, read/unread, undo, and the marks they act on."""

    BINDINGS = [
        Binding("V", "mark_all", _("Tout marquer"), show=False, id="mailbox.mark_all"),
        Binding("T", "mark_pattern", _("Marquer selon…"), show=False, id="mailbox.mark_pattern"),
        Binding("I", "junk", _("Indésirable"), show=False, id="mailbox.junk"),
    ]

    results: ResultsSource | LargestSource | None

    @property
    def messages(self) -> MessageList:
        return self.query_one(MessageList)

    @property
    def status(self) -> StatusBar:
        from tui.widgets.status_bar import StatusBar

        return self.query_one(StatusBar)

    def _changed(self) -> None:
        raise NotImplementedError  # MailboxScreen re-reads the list and the counts

    def _reading_alone(self) -> bool:
        return self.messages.has_class("-reading")  # the narrow layout's reader

    def _selected(self) -> Key | None:
        row = self.messages.row(self.messages.cursor)
        return None if row is None else self.messages.key_of(row)

    def _targets(self) -> list[Key]:
        """The marked messages, or else the one under the cursor; the message being read
        when the reader has the screen to itself (marks out of sight are never acted
        on)."""
        if self.messages.marks and self.messages.display and not self._reading_alone():
            return sorted(self.messages.marks)
        selected = self._selected()
        return [selected] if selected else []

    # --- marks --------------------------------------------------------------------

    @on(MessageList.MarksChanged)
    def _marks_changed(self, event: MessageList.MarksChanged) -> None:
        self.status.marked = event.count
        # In the clean-up view, what deleting the marked ones would free.
        largest = self.results if isinstance(self.results, LargestSource) else None
        self.status.marked_size = largest.total_size(self.messages.marks) if largest else 0
        self.refresh_bindings()  # Échap now lets the marks go

    def action_mark_all(self) -> None:
        """Every message of the list: the folder, or every search result."""
        if self.results is not None:
            keys: list[Key] = []
            total = self.results.count(self.folder)
            for offset in range(0, total, RESULTS_PAGE):
                page = self.results.page(self.folder, offset, RESULTS_PAGE)
                keys.extend((row.folder, row.uid) for row in page)
        else:
            keys = [(self.folder, uid) for uid in self.account.cache.uids(self.folder)]
        self.messages.set_marks(keys)

    def clear_marks(self) -> None:
        self.messages.set_marks(())

    def forget_marks(self, folder: str) -> None:
        """The folder was renumbered (UIDVALIDITY): its marks name other messages now."""
        marks = self.messages.marks
        if any(f == folder for f, _uid in marks):
            self.messages.set_marks(key for key in marks if key[0] != folder)

    def prune_marks(self, folder: str) -> None:
        """Marks of this folder's messages that a sync removed are let go, so that the
        count says what an action would act on."""
        marks = self.messages.marks
        mine = {uid for f, uid in marks if f == folder}
        if not mine:
            return
        gone = mine - set(self.account.cache.uids(folder))
        if gone:
            self.messages.set_marks(key for key in marks if key[0] != folder or key[1] not in gone)

    def action_mark_pattern(self) -> None:
        from tui.screens.mark_pattern import MarkPattern

        if self.results is not None:
            self.notify(
                _("Marquer selon un critère se fait dans un dossier, pas dans une recherche."),
                markup=False,
            )
            return
        folder = self.folder

        def chosen(pattern: Pattern | None) -> None:
            if pattern is None or self.folder != folder:
                return
            found = [
                (folder, uid)
                for uid, name, address, subject in self.account.cache.candidates(
                    folder, pattern.before, pattern.larger
                )
                if matches(pattern, name, address, subject)
            ]
            if not found:
                self.notify(_("Aucun message ne correspond."), markup=False)
                return
            self.messages.set_marks(set(found) | self.messages.marks)
            self.notify(
                ngettext(
                    "{n} message correspond : {total} marqué en tout (Échap pour démarquer).",
                    "{n} messages correspondent : {total} marqués en tout (Échap pour démarquer).",
                    len(found),
                ).format(n=figure(len(found)), total=figure(len(self.messages.marks))),
                markup=False,
            )

        self.app.push_screen(MarkPattern(datetime.now().astimezone()), chosen)

    # --- flags --------------------------------------------------------------------

    def action_toggle_read(self) -> None:
        def done(on: bool, n: int) -> str:
            if on:
                return ngettext("{n} message marqué comme lu", "{n} messages marqués comme lus", n)
            return ngettext(
                "{n} message marqué comme non lu", "{n} messages marqués comme non lus", n
            )

        self._toggle("\\Seen", done)

    def action_toggle_flag(self) -> None:
        def done(on: bool, n: int) -> str:
            if on:
                return ngettext("{n} message suivi", "{n} messages suivis", n)
            return ngettext("{n} message n'est plus suivi", "{n} messages ne sont plus suivis", n)

        self._toggle("\\Flagged", done)

    def _toggle(self, flag: str, done: Callable[[bool, int], str]) -> None:
        """One message: its flag toggled. Marked ones: all set if any lacks it, else all
        cleared, as one undoable action (the marks stay, for a next action)."""
        if not self.messages.marks:
            if selected := self._selected():
                if flag == "\\Seen":
                    self.account.toggle_seen(*selected)
                else:
                    self.account.toggle_flagged(*selected)
                self._changed()
            return
        keys = self._targets()

        def act() -> None:
            on = self.account.any_without(keys, flag)
            count = self.account.flag_many(keys, flag, on)
            self._changed()
            self._forget_undo_later()
            self._done(done(on, count).format(n=figure(count)), len(keys))

        self._confirm_big(keys, act)

    def action_mark_folder_read(self) -> None:
        """« Tout marquer comme lu » for the folder on screen, once the user said yes: the
        count is in the question, and there is no undo."""
        if self.results is not None:
            self.notify(_("Les résultats d'une recherche ne sont pas un dossier."), markup=False)
            return
        folder = self.folder
        unread = self.account.cache.unread(folder)
        label = self.query_one(FolderList).label_of(folder)
        if not unread:
            self.notify(
                _("Aucun message non lu dans « {folder} ».").format(folder=label), markup=False
            )
            return

        def answered(choice: str | None) -> None:
            if choice != "read" or self.folder != folder:
                return
            count = self.account.mark_folder_read(folder)
            self._changed()
            self.notify(
                ngettext(
                    "{n} message marqué comme lu.", "{n} messages marqués comme lus.", count
                ).format(n=figure(count)),
                markup=False,
            )

        from tui.screens.choice import Choice

        self.app.push_screen(
            Choice(
                _("Tout marquer comme lu"),
                ngettext(
                    "{n} message non lu de « {folder} » sera marqué comme lu.",
                    "Les {n} messages non lus de « {folder} » seront marqués comme lus.",
                    unread,
                ).format(n=figure(unread), folder=label),
                [("read", _("Marquer comme lus")), ("cancel", _("Annuler"))],
            ),
            answered,
        )

    def action_empty_trash(self) -> None:
        """« Vider la corbeille », from the palette: asks first, with the count, « Annuler »
        being the button in focus; the Trash is found by SPECIAL-USE or by name."""
        trash = self.account.cache.special_folder("trash")
        if trash is None:
            self.notify(_("Aucune corbeille sur ce compte."), markup=False)
            return
        label = self.query_one(FolderList).label_of(trash)
        count = self.account.cache.count(trash)
        if not count:
            self.notify(_("« {folder} » est déjà vide.").format(folder=label), markup=False)
            return

        def answered(choice: str | None) -> None:
            if choice != "empty":
                return
            emptied = self.account.empty_trash()
            self._changed()
            self.notify(
                ngettext(
                    "{n} message supprimé définitivement.",
                    "{n} messages supprimés définitivement.",
                    emptied,
                ).format(n=figure(emptied)),
                markup=False,
            )

        from tui.screens.choice import Choice

        self.app.push_screen(
            Choice(
                _("Vider la corbeille"),
                ngettext(
                    "{n} message de « {folder} » sera supprimé définitivement, sans retour "
                    "possible.",
                    "Les {n} messages de « {folder} » seront supprimés définitivement, sans "
                    "retour possible.",
                    count,
                ).format(n=figure(count), folder=label),
                [("cancel", _("Annuler")), ("empty", _("Vider la corbeille"))],
            ),
            answered,
        )

    # --- removals -------------------------------------------------------------------

    def action_delete(self) -> None:
        keys = self._targets()
        if keys:
            self._confirm_big(keys, lambda: self._delete(keys))

    def _delete(self, keys: list[Key]) -> None:
        trash = self.account.cache.special_folder("trash")
        in_trash = sum(1 for folder, _uid in keys if trash is None or folder == trash)
        forever = in_trash == len(keys)
        count = self.account.delete(keys)
        self._removed()
        if in_trash and not forever:  # marked across folders (search, clean-up view)
            text = _("{n} messages supprimés, dont {k} définitivement (depuis la corbeille)")
            text = text.format(n=figure(count), k=figure(in_trash))
        elif forever:
            text = ngettext(
                "{n} message supprimé définitivement",
                "{n} messages supprimés définitivement",
                count,
            ).format(n=figure(count))
        elif count == 1:
            text = _("Message placé dans la corbeille")
        else:
            text = _("{n} messages placés dans la corbeille").format(n=figure(count))
        self._done(text, count)

    def _confirm_big(self, keys: list[Key], act: Callable[[], None]) -> None:
        """Over UNDO_MAX_MESSAGES an action keeps no undo: the user is told first."""
        if len(keys) <= UNDO_MAX_MESSAGES:
            act()
            return
        from tui.screens.choice import Choice

        def answered(choice: str | None) -> None:
            if choice == "go":
                act()

        self.app.push_screen(
            Choice(
                _("Action sur {n} messages").format(n=figure(len(keys))),
                _(
                    "Au-delà de {max} messages, cette action ne pourra pas être annulée "
                    "avec u. Continuer ?"
                ).format(max=figure(UNDO_MAX_MESSAGES)),
                [("cancel", _("Annuler")), ("go", _("Continuer"))],
            ),
            answered,
        )

    def _removed(self) -> None:
        """Messages left the list: the marks go with them."""
        if self.messages.marks:
            self.clear_marks()
        self._changed()
        self._forget_undo_later()

    def _done(self, text: str, count: int) -> None:
        """Say what an action on `count` messages did."""
        self.notify(_done_text(text, 0 < count <= UNDO_MAX_MESSAGES), markup=False)

    def _forget_undo_later(self) -> None:
        """Once its window has closed, an action's undo (a batch's summaries: MiB) goes."""

        def forget() -> None:
            self.account.forget_expired_undo()
            self.refresh_bindings()  # `u` greys out in the footer

        self.set_timer(self.account.undo_seconds + 1, forget)

    def action_undo(self) -> None:
        entry = self.account.undo()
        if entry is None:
            self.notify(_("Rien à annuler."), markup=False)
            return
        self._changed()
        first = entry.summaries[0]
        if first.folder == self.folder:
            self.messages.select_uid(first.uid)
        if len(entry.summaries) > 1:
            self.notify(
                _("Annulé : {n} messages remis comme avant.").format(
                    n=figure(len(entry.summaries))
                ),
                markup=False,
            )

    def action_archive(self) -> None:
        keys = self._targets()
        if not keys:
            return

        def archive() -> None:
            try:
                count = self.account.archive(keys)
            except MailError as exc:
                self.notify(exc.message, severity="warning", markup=False)
                return
            self._removed()
            if count == 1:
                text = _("Message archivé")
            else:
                text = _("{n} messages archivés").format(n=figure(count))
            self._done(text, count)

        self._confirm_big(keys, archive)

    def action_junk(self) -> None:
        """`I`: into Indésirables; in Indésirables, « pas indésirable »: back to the inbox."""
        keys = self._targets()
        if not keys:
            return
        junk = self.account.cache.special_folder("junk")
        is_junk = not all(folder == junk for folder, _uid in keys)

        def act() -> None:
            try:
                count = self.account.junk(keys, is_junk=is_junk)
            except MailError as exc:
                self.notify(exc.message, severity="warning", markup=False)
                return
            self._removed()
            if is_junk:
                text = ngettext(
                    "{n} message placé dans Indésirables",
                    "{n} messages placés dans Indésirables",
                    count,
                )
            else:
                text = ngettext(
                    "{n} message remis dans la boîte de réception",
                    "{n} messages remis dans la boîte de réception",
                    count,
                )
            self._done(text.format(n=figure(count)), count)

        self._confirm_big(keys, act)

    def action_move(self) -> None:
        from tui.screens.folder_picker import NEW_FOLDER, FolderPicker

        keys = tuple(self._targets())
        if not keys:
            return

        def chosen(target: str | None) -> None:
            if target == NEW_FOLDER:
                self.action_new_folder(move=keys)
            elif target:
                self._move_into(target, keys)

        self.app.push_screen(FolderPicker(self.account.cache.folders(), self.folder), chosen)

    def _move_into(self, target: str, keys: tuple[Key, ...]) -> None:
        def move() -> None:
            count = self.account.move(keys, target)
            self._removed()
            label = self.query_one(FolderList).label_of(target)
            if count == 1:
                text = _("Message déplacé dans « {folder} »").format(folder=label)
            else:
                text = _("{n} messages déplacés dans « {folder} »").format(
                    n=figure(count), folder=label
                )
            self._done(text, count)

        self._confirm_big(list(keys), move)
