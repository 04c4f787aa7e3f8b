"""User actions, local first: the cache changes at once and the server operation is
queued; `SyncEngine.replay_pending` sends the queue in order when connected.

Used from the UI thread (instant feedback, offline too) and from the worker thread,
each on its own Cache connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tui.core.cache import Cache
from tui.core.errors import MailError
from tui.core.i18n import _


def _queue(cache: Cache, kind: str, folder: str, uids: Sequence[int], **args: Any) -> int:
    # The UIDVALIDITY is recorded so a replay never acts on renumbered messages.
    validity = cache.folder_state(folder).uidvalidity
    return cache.queue_op(kind, folder, uids, uidvalidity=validity, **args)


def set_flags(
    cache: Cache,
    folder: str,
    uids: Sequence[int],
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> int:
    add, remove = list(add), list(remove)
    with cache.transaction():
        cache.change_flags(folder, uids, add, remove)
        cache.set_counts(folder)
        return _queue(cache, "flags", folder, uids, add=add, remove=remove)


def move(cache: Cache, folder: str, uids: Sequence[int], target: str) -> int | None:
    if target == folder:
        return None
    with cache.transaction():
        cache.remove_messages(folder, uids)
        cache.set_counts(folder)
        return _queue(cache, "move", folder, uids, target=target)


def expunge(
    cache: Cache, folder: str, uids: Sequence[int], *, uidvalidity: int | None = None
) -> int:
    """Remove for good. `uidvalidity`: the UIDs were recorded under it (a draft's server
    copy); the cache forgets them only if it still numbers the folder so."""
    with cache.transaction():
        if uidvalidity is None or uidvalidity == cache.folder_state(folder).uidvalidity:
            cache.remove_messages(folder, uids)
            cache.set_counts(folder)
        if uidvalidity is not None:
            return cache.queue_op("expunge", folder, uids, uidvalidity=uidvalidity)
        return _queue(cache, "expunge", folder, uids)


def delete(cache: Cache, folder: str, uids: Sequence[int]) -> int | None:
    """To the Trash; from the Trash itself (or with no Trash), removed for good."""
    trash = cache.special_folder("trash")
    if trash is None or trash == folder:
        return expunge(cache, folder, uids)
    return move(cache, folder, uids, trash)


def archive(cache: Cache, folder: str, uids: Sequence[int]) -> int | None:
    target = cache.special_folder("archive")
    if target is None:
        raise MailError(_("Aucun dossier d'archives sur ce compte."))
    return move(cache, folder, uids, target)
