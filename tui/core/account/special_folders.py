"""Which folder is the Sent, Drafts, Trash, Archive or Junk folder of an account: the
server's SPECIAL-USE flags (RFC 6154) first, then the names real servers use, in French
and English (« Éléments envoyés », `Sent Items`…), since many servers flag nothing."""

from __future__ import annotations

from collections.abc import Sequence

from tui.core.net.imap import ListedFolder

# Name fallbacks when the server does not flag its special folders (RFC 6154).
SPECIAL_NAMES: dict[str, tuple[str, ...]] = {
    "sent": ("envoyés", "envoyes", "sent", "sent items", "sent messages", "éléments envoyés"),
    "drafts": ("brouillons", "drafts"),
    "trash": ("corbeille", "trash", "deleted items", "deleted messages", "éléments supprimés"),
    "archive": ("archives", "archive"),
    "junk": ("indésirables", "indesirables", "junk", "spam", "courrier indésirable"),
}
SPECIAL_FLAGS = {
    "\\sent": "sent",
    "\\drafts": "drafts",
    "\\trash": "trash",
    "\\archive": "archive",
    "\\junk": "junk",
}
FOLDER_ORDER = ("inbox", "drafts", "sent", "archive", "junk", "trash")


def special_uses(folders: Sequence[ListedFolder]) -> dict[str, str]:
    """Folder name → special use, from RFC 6154 flags first, then well-known names."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    for folder in folders:
        if folder.name.upper() == "INBOX":
            found[folder.name] = "inbox"
            taken.add("inbox")
            continue
        for flag in folder.flags:
            use = SPECIAL_FLAGS.get(flag.lower())
            if use and use not in taken:
                found[folder.name] = use
                taken.add(use)
                break
    for use, names in SPECIAL_NAMES.items():
        if use in taken:
            continue
        for folder in folders:
            leaf = folder.name.rsplit(folder.delimiter, 1)[-1] if folder.delimiter else folder.name
            if folder.name not in found and leaf.casefold() in names:
                found[folder.name] = use
                taken.add(use)
                break
    return found
