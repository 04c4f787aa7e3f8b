"""Creating, renaming and deleting folders (#19).

Unlike a message action these are not local-first: a folder the server refuses (a name
taken, a character it forbids, a quota on folders) cannot be shown as if it existed,
and its reason is what the user needs. So the worker runs them when connected, reads
LIST again, and says what the server answered; offline, the user is told at once.

The names are the server's (modified UTF-7 decoded; imapclient encodes them again),
with the server's separator for subfolders: « Projets/2026 » or « INBOX.Projets ».
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from tui.core.account.contract import CreateFolder, FolderCommand, RenameFolder
from tui.core.account.folder_names import account_delimiter
from tui.core.diagnose.replies import explain_reply
from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line
from tui.core.net.imap import CommandFailed, ImapConnection
from tui.core.store.cache import Cache

_FAILED = re.compile(r"^\w+ failed: ", re.IGNORECASE)  # imapclient's prefix


def offline() -> str:
    return _(
        "Hors ligne : les dossiers se créent, se renomment et se suppriment une fois connecté."
    )


def refused(action: str, name: str, detail: str) -> MailError:
    """A NO from the server for a folder command, with its reason said plainly."""
    reason = explain_reply(_FAILED.sub("", detail.strip())) or _("sans raison donnée")
    messages = {
        "create": _("Le serveur a refusé de créer « {name} » : {reason}."),
        "rename": _("Le serveur a refusé de renommer « {name} » : {reason}."),
        "delete": _("Le serveur a refusé de supprimer « {name} » : {reason}."),
    }
    return MailError(messages[action].format(name=clean_line(name), reason=reason))


def _waiting_on(cache: Cache, name: str, delimiter: str) -> bool:
    """Whether queued message actions still name this folder (or one under it): they
    would fail once it is renamed or deleted, so the user waits for their replay."""
    prefix = f"{name}{delimiter}" if delimiter else None

    def names(folder: object) -> bool:
        if not isinstance(folder, str):
            return False
        return folder == name or (prefix is not None and folder.startswith(prefix))

    return any(names(op.folder) or names(op.args.get("target")) for op in cache.pending_ops())


def run(conn: ImapConnection, cache: Cache, command: FolderCommand) -> None:
    """The command on the server; a refusal becomes the user's message."""
    call: Callable[[], None]
    if isinstance(command, CreateFolder):
        action, call = "create", partial(conn.create_folder, command.name)
    elif isinstance(command, RenameFolder):
        action, call = "rename", partial(conn.rename_folder, command.name, command.new_name)
    else:
        action, call = "delete", partial(conn.delete_folder, command.name)
    if action != "create" and _waiting_on(cache, command.name, account_delimiter(cache)):
        raise MailError(
            _(
                "Des actions sur « {name} » attendent encore d'être envoyées au serveur ; "
                "réessayez dans quelques secondes."
            ).format(name=clean_line(command.name))
        )
    try:
        call()
    except CommandFailed as exc:
        raise refused(action, command.name, exc.detail or exc.message) from None
