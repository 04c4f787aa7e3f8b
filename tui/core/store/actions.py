"""User actions, local first: the cache changes at once and the server operation is
queued, OP_UIDS messages an operation; `SyncEngine.replay_pending` sends the queue in
order when connected.

Used from the UI thread (instant feedback, offline too) and from the worker thread,
each on its own Cache connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.store.cache import Cache

OP_UIDS = 500  # UIDs per queued operation: one server command each, a few KB long


def _queue(
    cache: Cache,
    kind: str,
    folder: str,
    uids: Sequence[int],
    *,
    uidvalidity: int | None = None,
    **args: Any,
) -> list[int]:
    """One operation per OP_UIDS messages, so that a batch of 10,000 reaches the server
    as twenty commands of bounded length; their ids, in order. The UIDVALIDITY is
    recorded so a replay never acts on renumbered messages."""
    if uidvalidity is None:
        uidvalidity = cache.folder_state(folder).uidvalidity
    return [
        cache.queue_op(kind, folder, uids[start : start + OP_UIDS], uidvalidity=uidvalidity, **args)
        for start in range(0, len(uids), OP_UIDS)
    ]


def set_flags(
    cache: Cache,
    folder: str,
    uids: Sequence[int],
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> list[int]:
    add, remove = list(add), list(remove)
    with cache.transaction():
        cache.change_flags(folder, uids, add, remove)
        cache.set_counts(folder)
        return _queue(cache, "flags", folder, uids, add=add, remove=remove)


def move(cache: Cache, folder: str, uids: Sequence[int], target: str) -> list[int]:
    if target == folder:
        return []
    with cache.transaction():
        cache.remove_messages(folder, uids)
        cache.set_counts(folder)
        return _queue(cache, "move", folder, uids, target=target)


def expunge(
    cache: Cache, folder: str, uids: Sequence[int], *, uidvalidity: int | None = None
) -> list[int]:
    """Remove for good. `uidvalidity`: the UIDs were recorded under it (a draft's server
    copy); the cache forgets them only if it still numbers the folder so."""
    with cache.transaction():
        if uidvalidity is None or uidvalidity == cache.folder_state(folder).uidvalidity:
            cache.remove_messages(folder, uids)
            cache.set_counts(folder)
        return _queue(cache, "expunge", folder, uids, uidvalidity=uidvalidity)


def delete(cache: Cache, folder: str, uids: Sequence[int]) -> list[int]:
    """To the Trash; from the Trash itself (or with no Trash), removed for good."""
    trash = cache.special_folder("trash")
    if trash is None or trash == folder:
        return expunge(cache, folder, uids)
    return move(cache, folder, uids, trash)


JUNK = "$Junk"  # the keywords mail filters read (RFC 5788's registry)
NOT_JUNK = "$NotJunk"


def junk_folder(cache: Cache) -> str:
    """The Junk folder (SPECIAL-USE or its name); MailError in the user's words."""
    target = cache.special_folder("junk")
    if target is None:
        raise MailError(_("Aucun dossier Indésirables sur ce compte."))
    return target


def junk(cache: Cache, folder: str, uids: Sequence[int], *, is_junk: bool) -> list[int]:
    """Into the Junk folder with $Junk, or out of it (to the inbox) with $NotJunk: the
    keyword first, while the messages still have these UIDs."""
    target = junk_folder(cache) if is_junk else "INBOX"
    add, remove = ([JUNK], [NOT_JUNK]) if is_junk else ([NOT_JUNK], [JUNK])
    with cache.transaction():
        ids = set_flags(cache, folder, uids, add=add, remove=remove)
        return ids + move(cache, folder, uids, target)


def archive_folder(cache: Cache) -> str:
    """Where archived messages go; MailError, in the user's words, when there is none."""
    target = cache.special_folder("archive")
    if target is None:
        raise MailError(_("Aucun dossier d'archives sur ce compte."))
    return target


def archive(cache: Cache, folder: str, uids: Sequence[int]) -> list[int]:
    return move(cache, folder, uids, archive_folder(cache))
