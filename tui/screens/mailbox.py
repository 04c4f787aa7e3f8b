"""The daily screen: folders, message list and reader.

At 120 columns and more the three panes sit side by side; narrower, the list and the
reader share the screen (Enter opens, Esc returns) and the folder pane is a toggle.
The screen reads the cache and asks the account for actions; it never speaks IMAP.
"""

from __future__ import annotations

from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.message import Message
from textual.reactive import Reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input

from tui.boundary import contained, while_shown
from tui.core.errors import MailError
from tui.core.i18n import _, ngettext, pgettext
from tui.core.mail.formatting import figure, size_short
from tui.screens.attachment_actions import AttachmentActions
from tui.screens.folder_actions import FolderPane
from tui.screens.invitation_actions import InvitationActions
from tui.widgets.folder_list import FolderList
from tui.widgets.footer import Footer
from tui.widgets.largest_source import LargestSource
from tui.widgets.message_list import MessageList
from tui.widgets.reader import Reader
from tui.widgets.results import ResultsSource
from tui.widgets.status_bar import StatusBar
from tui.widgets.thread_source import ThreadedSource

if TYPE_CHECKING:
    from tui.account import Account
    from tui.core.mail.compose import Draft, Identity
    from tui.core.mail.summary import Summary
    from tui.several import AccountChoices

# From WIDE columns the list and the reader are both in view, the reader wide enough
# for a 72-column line of mail (issue #17): side by side, or, when there are STACK_ROWS
# rows or more, the list above the reader, both the terminal's whole width. From ROOMY
# columns the folder pane is always there too; below, `b` shows it.
WIDE = 120
ROOMY = 160
STACK_ROWS = 30
PREVIEW_SECONDS = 2.0
PREVIEW_DEBOUNCE = 0.12

# Actions that need a message under the cursor.
MESSAGE_ACTIONS = {
    "reply",
    "reply_all",
    "forward",
    "delete",
    "move",
    "archive",
    "toggle_flag",
    "toggle_read",
    "save_attachment",
    "attachments",
    "junk",
    "answer_invitation",
}


def not_downloaded_text() -> str:
    return _("Ce message n'est pas encore téléchargé : il le sera au retour de la connexion.")


class MailboxScreen(InvitationActions, AttachmentActions):
    # As the screen's default CSS rather than CSS_PATH: a CSS_PATH makes Textual re-parse
    # every stylesheet of the app from scratch when the screen is first pushed (~10 ms
    # before the first frame); default CSS is parsed alone, once.
    DEFAULT_CSS = Path(__file__).with_name("mailbox.tcss").read_text(encoding="utf-8")
    AUTO_FOCUS = "MessageList"
    # Textual repaints the whole screen when the focus moves (Screen.focused repaints),
    # on top of the layout pass that opening or leaving a message already makes: every
    # Enter and Échap wrote the screen twice (#21: ~4 KB each at 80x24). The focused and
    # blurred widgets still restyle themselves; nothing else on screen depends on focus.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    BINDINGS = [
        Binding("escape", "back", _("Retour"), id="mailbox.back"),
        Binding("tab", "focus_next", _("Panneau suivant"), show=False, id="mailbox.next_pane"),
        Binding("J", "step(1)", _("Ouvrir le message suivant"), show=False, id="mailbox.next"),
        Binding(
            "K", "step(-1)", _("Ouvrir le message précédent"), show=False, id="mailbox.previous"
        ),
        Binding("b", "toggle_folders", _("Dossiers"), id="mailbox.folders"),
        Binding("c", "compose", _("Écrire"), id="mailbox.compose"),
        Binding("r", "reply", _("Répondre"), id="mailbox.reply"),
        Binding("a", "reply_all", _("Répondre à tous"), show=False, id="mailbox.reply_all"),
        Binding("f", "forward", _("Transférer"), show=False, id="mailbox.forward"),
        Binding("d,delete", "delete", _("Supprimer"), id="mailbox.delete"),
        Binding("u", "undo", pgettext("undo", "Annuler"), show=False, id="mailbox.undo"),
        Binding("m", "move", _("Déplacer"), show=False, id="mailbox.move"),
        Binding("A", "archive", _("Archiver"), show=False, id="mailbox.archive"),
        Binding("!", "toggle_flag", _("Suivi"), show=False, id="mailbox.flag"),
        Binding("n", "toggle_read", _("Lu/non lu"), show=False, id="mailbox.read"),
        Binding(
            "N", "mark_folder_read", _("Tout marquer comme lu"), show=False, id="mailbox.read_all"
        ),
        Binding("s", "save_attachment", _("Enregistrer PJ"), show=False, id="mailbox.save"),
        Binding("/", "search", _("Rechercher"), id="mailbox.search"),
        Binding("t", "toggle_threads", _("Fils de discussion"), show=False, id="mailbox.threads"),
        Binding("o", "outbox", _("Boîte d'envoi"), show=False, id="mailbox.outbox"),
        Binding("D", "drafts", _("Brouillons"), show=False, id="mailbox.drafts"),
        Binding("C", "contacts", _("Contacts"), show=False, id="mailbox.contacts"),
        Binding("f5,ctrl+r", "sync", _("Synchroniser"), show=False, id="mailbox.sync"),
    ]

    class OutboxChanged(Message):
        """A message was queued, retried or discarded: the app may send the outbox."""

        def __init__(self, *, send: bool) -> None:
            super().__init__()
            self.send = send

    def __init__(self, account: Account, accounts: AccountChoices | None = None) -> None:
        super().__init__()
        self.account = account
        self.accounts = accounts  # the others, when there are several (#20)
        self.folder = "INBOX"
        self.reading = False
        # (folder, uid): search results span folders, so a uid alone is ambiguous.
        self.opened: tuple[str, int] | None = None
        # Search results, or the clean-up view's largest messages, in place of the folder.
        self.results: ResultsSource | LargestSource | None = None
        self.search_text = ""
        self._had_selection = False
        self._preview_timer: Timer | None = None
        self._last_move = 0.0
        self._opened_index = 0  # the list row of the message opened, when it was opened
        self.threaded: bool = account.config.ui["threads"]
        self._threads = ThreadedSource(account.cache)

    def compose(self) -> ComposeResult:
        # Laid out for the terminal before the panes are styled, not restyled after.
        self._set_size_classes(self.app.size.width, self.app.size.height)
        yield Input(placeholder=_("Rechercher (expéditeur, objet, texte) puis Entrée"), id="search")
        with Horizontal(id="panes"):
            yield FolderPane(id="folders")
            page_scroll = self.account.config.ui["scroll"] == "page"
            yield MessageList(self._folder_source(), page_scroll=page_scroll, id="messages")
            yield Reader(id="reader")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.messages.opener = lambda folder, uid: self.open_message(folder, uid, focus=True)
        self._layout(self.size.width)
        self.refresh_folders()
        self._size_column()
        self.messages.show_folder(self.folder)
        self.set_focus(self.messages)
        if self.account.demo:
            self.status.state = _("démonstration, hors ligne")
        drafts = len(self.account.cache.drafts())
        if drafts:
            # After a crash or a quit mid-sentence: the text is there, say where.
            self.notify(
                ngettext(
                    "{n} brouillon non envoyé : D pour le reprendre.",
                    "{n} brouillons non envoyés : D pour les reprendre.",
                    drafts,
                ).format(n=drafts),
                timeout=10,
            )

    @property
    def reader(self) -> Reader:
        return self.query_one(Reader)

    # --- layout -------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._layout(event.size.width, event.size.height)

    def _layout(self, width: int, height: int | None = None) -> None:
        was_wide = self.has_class("-wide")
        self._set_size_classes(width, self.size.height if height is None else height)
        narrow_reading = self.reading and not self.has_class("-wide")
        self.messages.set_class(narrow_reading, "-reading")
        self.reader.set_class(narrow_reading, "-reading")
        self.refresh_bindings()  # « Retour » shows only when there is somewhere to go
        if self.has_class("-wide") and not was_wide and self.is_mounted:
            self._preview_cursor()  # the reader appears: with the message under the cursor

    def _set_size_classes(self, width: int, height: int) -> None:
        self.set_class(width >= WIDE, "-wide")
        self.set_class(width >= ROOMY, "-roomy")
        self.set_class(WIDE <= width < ROOMY and height >= STACK_ROWS, "-stacked")

    def _preview_cursor(self) -> None:
        selected = self._selected()
        if selected is None:
            self.reader.show_placeholder(self.messages.empty_text)
        elif selected != self.opened:
            self.open_message(*selected, focus=False)

    @property
    def folder_pane_is_a_toggle(self) -> bool:
        """Below ROOMY columns the folder pane opens on `b` and closes once a folder is
        chosen; from ROOMY on it is always there."""
        return not self.has_class("-roomy")

    def action_toggle_folders(self) -> None:
        self.toggle_class("-folders")
        self.refresh_bindings()
        if self.has_class("-folders"):
            self.set_focus(self.query_one(FolderList))
        else:  # back to what is on screen: the open message, or the list
            self.set_focus(self.reader if self.reading else self.messages)

    def action_back(self) -> None:
        if self.messages.marks and not self.reading:
            self.clear_marks()  # the first Échap lets the marks go, nothing else
        elif (self.has_class("-searching") or self.results is not None) and not self.reading:
            self.end_search()
        elif self.has_class("-folders") and self.folder_pane_is_a_toggle:
            self.action_toggle_folders()
        elif self.reading:
            self.reading = False
            self._layout(self.size.width)
            self.set_focus(self.messages)

    def action_step(self, delta: int) -> None:
        """The next or previous message of the list, opened in the reader: read a folder
        message after message without going back to the list."""
        messages = self.messages
        opened = self.opened
        gone = opened is not None and opened[0] == messages.folder
        if delta > 0 and gone and opened is not None and not messages.has_uid(opened[1]):
            # The message read is gone (`d`, or a sync): the cursor already stands on
            # the one that followed it (moving on would skip it), unless it was the
            # last one and the cursor fell back on the one before.
            if self._opened_index >= messages.total:
                self.app.bell()
            elif selected := self._selected():
                self.open_message(*selected, focus=True)
            return
        before = messages.cursor
        messages.cursor = before + delta
        if messages.cursor == before:
            self.app.bell()  # the first or last message: nowhere to go
        elif selected := self._selected():
            self.open_message(*selected, focus=True)

    # --- data ---------------------------------------------------------------------

    @contained  # a damaged cache file: the worker's check rebuilds it, then this re-reads
    def refresh_folders(self) -> None:
        folders = list(self.account.cache.folders())
        folder_list = self.query_one(FolderList)
        folder_list.show(folders, self.folder, self.accounts.rows() if self.accounts else ())
        row = next((f for f in folders if f.name == self.folder), None)
        label = folder_list.label_of(self.folder)
        if self.results is not None:
            self._search_status()  # the list shows the results: so does the status bar
        elif row is not None:
            total = ngettext("{n} message", "{n} messages", row.total).format(n=row.total)
            unread = ngettext("{n} non lu", "{n} non lus", row.unread).format(n=row.unread)
            text = _("{folder} : {total}, {unread}").format(
                folder=label, total=total, unread=unread
            )
            note = self.order_note()
            self.status.folder = f"{text} · {note}" if note else text
        else:
            self.status.folder = label

    def refresh_folder(self, folder: str) -> None:
        """A sync changed this folder: re-read it, keeping the selection; marks of
        messages it no longer holds are let go."""
        self.prune_marks(folder)
        if folder == self.folder:
            self.messages.reload()

    @on(FolderList.AccountChosen)
    def _account_chosen(self, event: FolderList.AccountChosen) -> None:
        if self.accounts is not None:
            self.accounts.show_account(event.index)

    @on(FolderList.Chosen)
    def _folder_chosen(self, event: FolderList.Chosen) -> None:
        if self.folder_pane_is_a_toggle:
            self.remove_class("-folders")
        self.show_folder(event.folder)
        self.set_focus(self.messages)

    @on(MessageList.Highlighted)
    def _highlighted(self, event: MessageList.Highlighted) -> None:
        if self.folder.upper() == "INBOX" and self.status.new_mail:
            self.status.new_mail = 0  # seen: the user is looking at the inbox
        if event.uid is not None and (event.folder, event.uid) != self._selected():
            return  # stale: the cursor has moved on (a burst of J opened a later one)
        if self._preview_timer is not None:
            self._preview_timer.stop()
        if (event.folder, event.uid) == self.opened:
            pass  # already in the reader (J and K open the message they move to)
        elif self.has_class("-wide") and event.uid is not None:
            # Preview once the cursor rests: holding j down repaints list lines only,
            # not the whole reader pane for every message passed (bench: 12 KB a key).
            folder, uid = event.folder, event.uid
            now = monotonic()
            if not self._last_move:
                # The first preview comes after the first frame: parsing a message
                # (and loading the MIME code) must not hold up the list at start-up.
                self.call_after_refresh(self.open_message, folder, uid, focus=False)
            elif now - self._last_move >= PREVIEW_DEBOUNCE:
                self.open_message(folder, uid, focus=False)  # the cursor was resting
            else:
                self._preview_timer = self.set_timer(
                    PREVIEW_DEBOUNCE, lambda: self._preview(folder, uid)
                )
            self._last_move = now
        elif event.uid is None:
            self.reader.show_placeholder(self.messages.empty_text)
        # Only whether a message is selected changes what the footer greys out;
        # refreshing bindings on every move redrew the footer (bench: ~10 KB per key).
        has_selection = event.uid is not None
        if has_selection != self._had_selection:
            self._had_selection = has_selection
            self.refresh_bindings()

    @on(MessageList.Opened)
    def _opened(self, event: MessageList.Opened) -> None:
        self.open_message(event.folder, event.uid, focus=True)

    def open_message(self, folder: str, uid: int, *, focus: bool) -> None:
        self.opened = (folder, uid)
        self._opened_index = self.messages.cursor
        if focus:
            # Narrow: the reader replaces the list. Wide: the list stays, the reader
            # takes the keys (j, k, space scroll the message; Échap goes back). A folder
            # pane opened with `b` closes: stacked, it stood where the reader goes.
            if self.folder_pane_is_a_toggle:
                self.remove_class("-folders")
            self.reading = True
            self._layout(self.size.width)
            self.set_focus(self.reader)
        view = self.account.reader_view(folder, uid)
        if view is None:
            self._wait_for_body(folder, uid)
        else:
            self.reader.show_view(view)
            self._mark_opened(folder, uid, preview=not focus)

    def _wait_for_body(self, folder: str, uid: int, *, fetch: bool = True) -> None:
        """Ask for a body not cached yet; offline (or in the demo) say when it will come,
        rather than « Chargement… » that nothing would end."""
        if self.account.online:
            self.reader.show_placeholder(_("Chargement du message…"))
        else:
            self.reader.show_placeholder(not_downloaded_text())
        if fetch:
            # Even offline as far as we know: the worker may be connecting, and answers
            # at once when it is not.
            self.account.fetch_body(folder, uid)

    def _mark_opened(self, folder: str, uid: int, *, preview: bool = False) -> None:
        """Mark read now, after the configured delay if still on it, or never.

        A preview (the cursor passing over a message in the three-pane layout) waits at
        least PREVIEW_SECONDS, so scrolling through the list marks nothing read."""
        delay = self.account.mark_read_delay
        if delay is None:
            return
        if preview:
            delay = max(delay, PREVIEW_SECONDS)
        if delay == 0:
            self._mark_read(folder, uid)
        else:
            self.set_timer(delay, lambda: self._mark_read(folder, uid))

    @while_shown
    def _preview(self, folder: str, uid: int) -> None:
        self.open_message(folder, uid, focus=False)

    @while_shown
    def _mark_read(self, folder: str, uid: int) -> None:
        if self.opened != (folder, uid):
            return  # the user moved on before the delay ran out
        self.account.set_seen(folder, uid, True)
        self._changed()

    def _changed(self) -> None:
        """The cache changed under the list: re-read rows and counts, selection kept."""
        self.messages.reload()
        self.refresh_folders()

    def cache_replaced(self) -> None:
        """The account reopened a rebuilt cache: read from the new file, threaded view
        included (it kept the closed one, and `t` raised ProgrammingError)."""
        self._threads = ThreadedSource(self.account.cache)
        if self.results is None:
            self.messages.source = self._folder_source()
            self.messages.show_folder(self.folder)
        self.refresh_folders()

    def body_ready(self, folder: str, uid: int) -> None:
        """The worker fetched a body: show it if the user still looks at that message."""
        if self.opened == (folder, uid):
            view = self.account.reader_view(folder, uid)
            if view is not None:
                self.reader.show_view(view)
                self._mark_opened(folder, uid, preview=not self.reading)
            elif not self.account.online:
                self.reader.show_placeholder(not_downloaded_text())
            else:  # the server no longer has it (deleted or moved from elsewhere)
                self.reader.show_placeholder(
                    _(
                        "Ce message n'a pas pu être téléchargé : il a peut-être été supprimé "
                        "ou déplacé depuis un autre appareil."
                    )
                )

    def body_failed(self, folder: str, uid: int, reason: str) -> None:
        """Fetching a body failed: say so in the reader instead of « Chargement… »."""
        if self.opened == (folder, uid) and not self.account.has_body(folder, uid):
            self.reader.show_placeholder(
                _("Ce message n'a pas pu être téléchargé : {reason}").format(reason=reason)
            )

    def connection_changed(self) -> None:
        """Connected: fetch the message the user is still waiting for; offline: say that
        it waits for the connection (a fetch under way was cut)."""
        if self.opened is None or not (self.reading or self.has_class("-wide")):
            return  # nothing open on screen: nobody is waiting for a body
        if not self.account.has_body(*self.opened):
            self._wait_for_body(*self.opened, fetch=self.account.online)

    # --- actions ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MESSAGE_ACTIONS and self.is_mounted and self.messages.selected_uid is None:
            return None  # shown greyed out
        writes = {"reply", "reply_all", "forward", "compose", "answer_invitation"}
        if action in writes and not self.account.can_compose:
            return None
        if action == "undo" and not self.account.can_undo:
            return None
        if action == "back":
            # Hidden, not greyed: at 80 columns the footer has room for « ? Aide » only
            # without it.
            return (
                self.reading
                or self.results is not None
                or (self.is_mounted and bool(self.messages.marks))
                or any(self.has_class(c) for c in ("-searching", "-folders"))
            )
        if action == "mark_folder_read" and self.results is not None:
            return None  # search results are not a folder
        if action == "toggle_threads" and (self.has_class("-searching") or self.results):
            return None  # search results stay a flat list, newest first
        return True

    def show_folder(self, folder: str) -> None:
        """Show this folder in the list, and sync it."""
        self.folder = folder
        self.reading = False
        self.opened = None  # a body still loading from the old folder is not shown
        self.refresh_folders()
        self._layout(self.size.width)
        if self.results is None:
            self.messages.source = self._folder_source()
            self._size_column()
        self.messages.show_folder(folder)
        self.account.sync_folder(folder)

    def action_sync(self) -> None:
        if self.account.demo:
            self.notify(_("Démonstration : il n'y a pas de serveur à synchroniser."))
            return
        self.account.sync_now()

    # --- search -------------------------------------------------------------------

    def action_search(self) -> None:
        self.add_class("-searching")
        self.refresh_bindings()
        search = self.query_one("#search", Input)
        self.set_focus(search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
        event.stop()
        # One line only: a CR or LF would end the IMAP command early (PITFALLS.md).
        text = " ".join(event.value.split())
        if not text:
            self.end_search()
            return
        self.search_text = text
        if self.results is not None:
            self.results.close()
        self.results = ResultsSource(
            lambda: self.account.cache,
            text,
            home=self.folder,
            label_of=self.query_one(FolderList).label_of,
        )
        self.messages.source = self.results
        self.messages.show_size = False  # searched from the clean-up view: dates again
        self.messages.empty_text = _("Aucun résultat pour « {text} ».").format(text=text)
        self.messages.show_folder(self.folder)
        self._search_status()
        if self.reading:  # searched from an open message: the results take its place
            self.reading = False
            self._layout(self.size.width)
        self.set_focus(self.messages)
        self.account.search_server(self.folder, text)

    def search_results(self, text: str, results: list[Summary]) -> None:
        """The server answered: add what the local cache did not have."""
        if self.results is not None and text == self.search_text:
            if self.results.merge(results):
                self.messages.reload()
            self._search_status()

    def _search_status(self) -> None:
        count = self.messages.total if self.results else 0
        if isinstance(self.results, LargestSource):
            self.status.folder = _(
                "Plus gros messages : {n}, {size} en tout (Échap pour revenir)"
            ).format(n=figure(count), size=size_short(self.results.total_size()))
            return
        self.status.folder = ngettext(
            "{count} résultat pour « {text} » (Échap pour revenir)",
            "{count} résultats pour « {text} » (Échap pour revenir)",
            count,
        ).format(count=count, text=self.search_text)

    def end_search(self) -> None:
        self.remove_class("-searching")
        self.refresh_bindings()
        if self.results is not None:
            self.results.close()
        self.results = None
        self.search_text = ""
        self.query_one("#search", Input).value = ""
        self.messages.source = self._folder_source()
        self._size_column()
        self.messages.empty_text = _("Aucun message dans ce dossier.")
        self.messages.show_folder(self.folder)
        self.refresh_folders()
        self.refresh_bindings()
        self.set_focus(self.messages)

    # --- writing --------------------------------------------------------------------

    def _write(
        self, draft: Draft, *, original_raw: bytes | None = None, draft_id: int | None = None
    ) -> None:
        from tui.screens.compose import ComposeScreen

        screen = ComposeScreen(
            self._identity(),
            draft,
            self.account.cache,
            draft_id=draft_id,
            original_raw=original_raw,
            demo=self.account.demo,
            senders=self.accounts.senders(self.account) if self.accounts else (),
        )

        def done(outbox_id: int | None) -> None:
            self.post_message(self.OutboxChanged(send=outbox_id is not None))
            self.account.replay_later()  # a sent draft's server copy is to be removed
            if outbox_id is not None and screen.cache is not self.account.cache:
                self._answered_from_elsewhere(draft)

        self.app.push_screen(screen, done)

    def _answered_from_elsewhere(self, draft: Draft) -> None:
        """A reply sent from another account (« De », #20): the Sent filing marks the
        original \\Answered only in the sending account's store, where it is not; it is
        marked here, in its own account, when the message is queued (review)."""
        if draft.kind in ("reply", "reply_all") and draft.original_uid is not None:
            self.account.mark_answered(draft.original_folder, draft.original_uid)

    def write(self, draft: Draft) -> None:
        """The compose screen on a draft made elsewhere (a `mailto:` link)."""
        self._write(draft)

    def _identity(self) -> Identity:
        # Composing (and the email package it needs) is loaded on the first use, not
        # before the mailbox's first frame.
        from tui.core.mail.compose import Identity

        return Identity.from_account(self.account.config.account)

    def _original(self) -> tuple[str, int, bytes] | None:
        selected = self._selected()
        if selected is None:
            return None
        raw = self.account.cache.body(*selected)
        if raw is None:
            self.notify(
                _("Le message n'est pas encore téléchargé : ouvrez-le d'abord."), markup=False
            )
            self.account.fetch_body(*selected)
            return None
        return (*selected, raw)

    def action_compose(self) -> None:
        from tui.core.mail.new_drafts import new_draft

        self._write(new_draft(self._identity()))

    def _reply(self, *, reply_all: bool) -> None:
        if original := self._original():
            from tui.core.mail.new_drafts import reply_draft

            folder, uid, raw = original
            draft = reply_draft(self._identity(), raw, reply_all=reply_all, folder=folder, uid=uid)
            self._write(draft, original_raw=raw)

    def action_reply(self) -> None:
        self._reply(reply_all=False)

    def action_reply_all(self) -> None:
        self._reply(reply_all=True)

    def action_forward(self) -> None:
        if original := self._original():
            from tui.core.mail.new_drafts import forward_draft

            folder, uid, raw = original
            draft = forward_draft(self._identity(), raw, folder=folder, uid=uid)
            self._write(draft, original_raw=raw)

    def action_outbox(self) -> None:
        from tui.core.store.outbox import load_drafts
        from tui.screens.outbox import OutboxChoice, OutboxScreen

        def chosen(choice: OutboxChoice | None) -> None:
            if choice is None:
                return
            if choice.action == "edit" and choice.draft_id is not None:
                drafts = dict(load_drafts(self.account.cache))
                if choice.draft_id in drafts:
                    self._write(drafts[choice.draft_id], draft_id=choice.draft_id)
            self.post_message(self.OutboxChanged(send=choice.action == "retry"))

        self.app.push_screen(OutboxScreen(self.account.cache), chosen)

    def action_contacts(self) -> None:
        from tui.screens.contacts import ContactsScreen

        def chosen(address: str | None) -> None:
            if address:
                from tui.core.mail.new_drafts import new_draft

                self._write(new_draft(self._identity(), to=address))

        self.app.push_screen(ContactsScreen(self.account.cache), chosen)

    def action_drafts(self) -> None:
        from tui.core.store.outbox import load_drafts
        from tui.screens.drafts import DraftsScreen

        def chosen(draft_id: int | None) -> None:
            self.account.replay_later()  # a deleted draft's server copy is to be removed
            drafts = dict(load_drafts(self.account.cache))
            if draft_id is None or draft_id not in drafts:
                return
            draft = drafts[draft_id]
            original = None
            if draft.original_folder and draft.original_uid is not None:
                original = self.account.cache.body(draft.original_folder, draft.original_uid)
            self._write(draft, draft_id=draft_id, original_raw=original)

        self.app.push_screen(DraftsScreen(self.account.cache), chosen)

    def action_save_attachment(self) -> None:
        from tui.core.mail.attachments import save_all
        from tui.screens.save_attachments import SaveAttachments

        selected = self._selected()
        message = self.account.message(*selected) if selected else None
        if selected is not None and message is None:
            self.notify(
                _("Le message n'est pas encore téléchargé : ouvrez-le d'abord."), markup=False
            )
            return
        if message is None or not message.attachments:
            self.notify(_("Ce message n'a pas de pièce jointe."), markup=False)
            return

        def chosen(folder: Path | None) -> None:
            if folder is None:
                return
            try:
                folder.mkdir(parents=True, exist_ok=True)
                paths = save_all(message.attachments, folder)
            except (MailError, OSError) as exc:
                reason = exc.message if isinstance(exc, MailError) else (exc.strerror or str(exc))
                self.notify(reason, severity="error", markup=False)
                return
            names = ", ".join(path.name for path in paths)
            self.notify(
                _("Enregistré dans {folder} : {names}").format(folder=folder, names=names),
                markup=False,
            )

        self.app.push_screen(SaveAttachments(list(message.attachments)), chosen)
