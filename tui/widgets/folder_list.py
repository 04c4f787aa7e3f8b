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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: list[FolderEntry] = []

    def show(self, folders: Sequence[FolderLike], current: str | None) -> None:
        """Redraw the folders, keeping the highlighted one."""
        self._entries = arrange(folders)
        options = []
        for entry in self._entries:
            # Content, never markup: folder names come from the server.
            prompt = Content("  " * entry.depth + entry.label)
            if entry.unread:
                prompt = prompt + Content(f" ({entry.unread})").stylize("bold")
            options.append(Option(prompt, id=None))
        self.set_options(options)
        names = [entry.name for entry in self._entries]
        if current in names:
            self.highlighted = names.index(current)
        elif names:
            self.highlighted = 0

    def folder_at(self, index: int | None) -> str | None:
        if index is None or not 0 <= index < len(self._entries):
            return None
        return self._entries[index].name

    def label_of(self, folder: str) -> str:
        for entry in self._entries:
            if entry.name == folder:
                return entry.label
        return clean_line(folder)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        folder = self.folder_at(event.option_index)
        if folder is not None:
            self.post_message(self.Chosen(folder))
