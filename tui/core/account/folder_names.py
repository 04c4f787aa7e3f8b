"""Folder names: what a new name may be, where it goes, which folders stay (#19).

Pure functions on the cached folder list, shared by the folder pane and the worker;
nothing here talks to the server (tui.core.account.folders does).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line
from tui.core.store.cache import Cache
from tui.core.store.records import FolderRow

MAX_NAME = 200  # characters: longer names are refused by most servers anyway
_WILDCARDS = set("*%")  # LIST patterns: a name with them cannot be listed back


class Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def delimiter(self) -> str: ...


def personal_prefix(folders: Sequence[Named]) -> str:
    """« INBOX. » when every other folder lives under it, as on Cyrus, Courier and other
    servers whose personal folders are INBOX's children; "" otherwise. The pane shows
    « Projets » at the top of the tree, and a new folder goes under it too."""
    others = [f for f in folders if f.name.upper() != "INBOX"]
    if not others:
        return ""
    delimiter = others[0].delimiter or ""
    length = len("INBOX") + len(delimiter)
    under_inbox = all(
        f.delimiter == delimiter
        and f.name[:5].upper() == "INBOX"
        and f.name[5:length] == delimiter
        and len(f.name) > length
        for f in others
    )
    return others[0].name[:length] if delimiter and under_inbox else ""


def protected(folder: FolderRow | None, name: str) -> bool:
    """INBOX and the special folders (Sent, Trash, Drafts…) are never renamed or
    deleted: courriel and the webmail find the user's mail there."""
    return name.upper() == "INBOX" or (folder is not None and folder.special_use is not None)


def name_problem(name: str, folders: Sequence[FolderRow], delimiter: str) -> str | None:
    """Why this full folder name cannot be created, in the user's words; None if it can."""
    if not name.strip():
        return _("Le nom du dossier est vide.")
    if clean_line(name) != name:
        return _("Le nom contient un caractère invisible ou un retour à la ligne.")
    if len(name) > MAX_NAME:
        return _("Le nom est trop long ({count} caractères au plus).").format(count=MAX_NAME)
    if _WILDCARDS & set(name):
        return _("Les caractères * et % ne sont pas permis dans un nom de dossier.")
    if delimiter and any(not part.strip() for part in name.split(delimiter)):
        return _("Chaque niveau du nom doit avoir un nom (« {sep} » sépare les niveaux).").format(
            sep=delimiter
        )
    if any(f.name.casefold() == name.casefold() for f in folders):
        return _("Un dossier « {name} » existe déjà.").format(name=name)
    return None


def child_name(parent: str | None, name: str, delimiter: str) -> str:
    """The full name of a folder called `name` under `parent` (None: at the top)."""
    return f"{parent}{delimiter}{name}" if parent and delimiter else name


def account_delimiter(cache: Cache) -> str:
    """The separator the server uses (INBOX's, else any folder's); "/" when unknown."""
    folders = cache.folders()
    for folder in sorted(folders, key=lambda f: f.name.upper() != "INBOX"):
        if folder.delimiter:
            return folder.delimiter
    return "/"
