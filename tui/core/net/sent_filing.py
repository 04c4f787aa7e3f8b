"""After sending, the IMAP side: the copy into Sent and \\Answered on the original.

Runs on the account worker's thread (it owns the IMAP connection), from the outbox rows
the SMTP server accepted (`tui/core/net/smtp.py` leaves them as "sent"): each is
forgotten only once filed, so an IMAP outage or a quit in between loses no copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tui.core.errors import AuthError, ConnectionLost, MailError
from tui.core.net.smtp import Sent, header_id
from tui.core.store import outbox
from tui.core.store.cache import Cache


class ImapLike(Protocol):
    def append(self, folder: str, raw: bytes, flags: Sequence[str] = ()) -> Any: ...

    def find_message_id(self, folder: str, message_id: str) -> list[int]: ...

    def ensure_selected(self, folder: str) -> None: ...

    def store_flags(
        self, uids: Sequence[int], add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> None: ...


def originals(cache: Cache, message_id: str) -> list[tuple[str, int]]:
    """Where the cache holds the message with this Message-ID: (folder, uid) pairs."""
    if not message_id:
        return []
    bare = message_id.strip("<>")
    with cache.transaction() as db:
        rows = db.execute(
            "SELECT folder, uid FROM messages WHERE message_id IN (?, ?, ?)",
            (message_id, bare, f"<{bare}>"),
        ).fetchall()
    return [(str(folder), int(uid)) for folder, uid in rows]


def file_sent(
    imap: ImapLike,
    cache: Cache | None,
    sent: Sent,
    sent_folder: str | None,
    *,
    original: tuple[str, int] | None = None,
) -> list[tuple[str, int]]:
    """Copy to Sent (when configured and a Sent folder is known), then \\Answered on the
    original of a reply: `original` (folder, uid) when the caller knows it, else every
    copy the cache holds with the Message-ID it answers. Returns the (folder, uid) pairs
    flagged, already updated in `cache` when one is given.

    A copy already in Sent (an earlier attempt whose answer was lost) is not appended
    again. IMAP errors propagate, except for an original that can no longer be marked
    (its folder is gone): the message is sent and filed, that is what matters."""
    if sent.save_copy and sent_folder:
        message_id = header_id(sent.raw, "Message-ID")
        if not (message_id and imap.find_message_id(sent_folder, message_id)):
            imap.append(sent_folder, sent.raw, ["\\Seen"])
    targets: list[tuple[str, int]] = []
    if original is not None:
        targets.append(original)
    if sent.in_reply_to and cache is not None:
        targets.extend(t for t in originals(cache, sent.in_reply_to) if t not in targets)
    by_folder: dict[str, list[int]] = {}
    for folder, uid in targets:
        by_folder.setdefault(folder, []).append(uid)
    flagged: list[tuple[str, int]] = []
    for folder, uids in by_folder.items():
        try:
            imap.ensure_selected(folder)
            imap.store_flags(uids, add=["\\Answered"])
        except (ConnectionLost, AuthError):
            raise
        except MailError:
            continue
        flagged.extend((folder, uid) for uid in uids)
        if cache is not None:
            cache.change_flags(folder, uids, add=["\\Answered"])
    return flagged


@dataclass
class Filed:
    """What `file_pending` did, for the events the worker sends up."""

    changed: set[str] = field(default_factory=set)  # folders whose content changed
    no_sent_folder: bool = False  # copies were due but the account has no Sent folder


def file_pending(imap: ImapLike, cache: Cache, sent_folder: str | None) -> Filed:
    """Do the IMAP side of every message the SMTP server accepted (outbox rows "sent"),
    forgetting each row only once done. An IMAP error propagates and leaves the rest
    for the next attempt; without a Sent folder the copy is skipped (and said)."""
    filed = Filed()
    for row in outbox.unfiled(cache):
        save_copy = row.status == outbox.SENT
        sent = Sent(row.id, row.raw, header_id(row.raw, "In-Reply-To"), save_copy)
        flagged = file_sent(imap, cache, sent, sent_folder)
        outbox.remove(cache, row.id)
        filed.changed.update(folder for folder, _uid in flagged)
        if save_copy and sent_folder:
            filed.changed.add(sent_folder)
        filed.no_sent_folder = filed.no_sent_folder or (save_copy and not sent_folder)
    return filed
