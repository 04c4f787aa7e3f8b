"""Folder pane: Inbox first, then the special folders, then the rest as an indented tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.core.account.folder_names import personal_prefix
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line

SPECIAL_ORDER = ("inbox", "drafts", "sent", "archive", "junk", "trash")


def special_names() -> dict[str, str]:
    """Folder names the user reads, whatever the server calls them."""
    return {
        "inbox": _("Boîte de réception"),
        "drafts": _("Brouillons"),
        "sent": _("Envoyés"),
        "archive": _("Archives"),
        "junk": _("Indésirables"),
        "trash": _("Corbeille"),
    }


class FolderLike(Protocol):
    """What the pane needs of a folder (tui.core.store.records.FolderRow has it), read only."""

    @property
    def name(self) -> str: ...
    @property
    def delimiter(self) -> str: ...
    @property
    def special_use(self) -> str | None: ...
    @property
    def total(self) -> int: ...
    @property
    def unread(self) -> int: ...


@dataclass(frozen=True)
class FolderEntry:
    name: str
    label: str
    depth: int
    unread: int
    account: int | None = None  # a row naming an account (#20), not a folder


@dataclass(frozen=True)
class AccountRow:
    """One account as the pane lists it when there are several (#20)."""

    index: int
    label: str
    unread: int
    state: str  # « hors ligne », « mot de passe refusé »…, or empty
    shown: bool  # the account whose folders are listed under it


def with_accounts(folders: list[FolderEntry], accounts: Sequence[AccountRow]) -> list[FolderEntry]:
    """Each account as a row, the shown one with its folders indented beneath it."""
    if len(accounts) < 2:
        return folders
    entries = []
    for row in accounts:
        entries.append(FolderEntry("", clean_line(row.label), 0, row.unread, account=row.index))
        if row.shown:
            entries += [FolderEntry(f.name, f.label, f.depth + 1, f.unread) for f in folders]
    return entries


def arrange(folders: Sequence[FolderLike]) -> list[FolderEntry]:
    """Order and label folders for the pane: special ones first, then a sorted tree."""
    names = special_names()
    special = sorted(
        (f for f in folders if f.special_use in SPECIAL_ORDER),
        key=lambda f: SPECIAL_ORDER.index(f.special_use or ""),
    )
    rest = sorted(
        (f for f in folders if f.special_use not in SPECIAL_ORDER),
        key=lambda f: clean_line(f.name).casefold(),
    )
    entries = [FolderEntry(f.name, names[f.special_use or ""], 0, f.unread) for f in special]
    prefix = len(personal_prefix(folders))
    for folder in rest:
        name = folder.name if folder.name.upper() == "INBOX" else folder.name[prefix:]
        parts = name.split(folder.delimiter) if folder.delimiter else [name]
        entries.append(
            FolderEntry(folder.name, clean_line(parts[-1]), len(parts) - 1, folder.unread)
        )
    return entries


class FolderList(OptionList):
    """The folders of the account; selecting one shows it in the message list."""

    DEFAULT_CSS = """
    FolderList {
        border: none;
        background: $surface;
        padding: 0;
    }
    """

    class Chosen(Message):
        def __init__(self, folder: str) -> None:
            super().__init__()
            self.folder = folder

    class AccountChosen(Message):
        """An account's row was chosen: show that account (#20)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: list[FolderEntry] = []
        self._current: str | None = None  # the folder shown at the last redraw

    def show(
        self,
        folders: Sequence[FolderLike],
        current: str | None,
        accounts: Sequence[AccountRow] = (),
    ) -> None:
        """Redraw the folders, keeping the highlighted one; with several accounts, each
        account is a row and the shown one's folders are listed beneath it."""
        kept = self._entry_key(self.highlighted)  # before the entries change
        self._entries = with_accounts(arrange(folders), accounts)
        states = {row.index: row.state for row in accounts}
        options = []
        for entry in self._entries:
            # Content, never markup: folder names come from the server.
            prompt = Content("  " * entry.depth + entry.label)
            if entry.account is not None:
                prompt = prompt.stylize("bold")
            if entry.unread:
                prompt = prompt + Content(f" ({entry.unread})").stylize("bold")
            if entry.account is not None and states.get(entry.account):
                prompt = prompt + Content(f" · {states[entry.account]}").stylize("italic")
            options.append(Option(prompt, id=None))
        self.set_options(options)
        keys = [(entry.account, entry.name) for entry in self._entries]
        names = [entry.name if entry.account is None else None for entry in self._entries]
        if current == self._current and kept in keys:
            # Another account's sync redraws the pane: the cursor stays where the user
            # put it (review); it follows the folder shown only when that changes.
            self.highlighted = keys.index(kept)
        elif current in names:
            self.highlighted = names.index(current)
        elif names:
            self.highlighted = 0
        self._current = current

    def _entry_key(self, index: int | None) -> tuple[int | None, str] | None:
        if index is None or not 0 <= index < len(self._entries):
            return None
        entry = self._entries[index]
        return entry.account, entry.name

    def folder_at(self, index: int | None) -> str | None:
        if index is None or not 0 <= index < len(self._entries):
            return None
        entry = self._entries[index]
        return None if entry.account is not None else entry.name

    def account_at(self, index: int | None) -> int | None:
        if index is None or not 0 <= index < len(self._entries):
            return None
        return self._entries[index].account

    def label_of(self, folder: str) -> str:
        for entry in self._entries:
            if entry.name == folder:
                return entry.label
        return clean_line(folder)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        account = self.account_at(event.option_index)
        if account is not None:
            self.post_message(self.AccountChosen(account))
            return
        folder = self.folder_at(event.option_index)
        if folder is not None:
            self.post_message(self.Chosen(folder))
