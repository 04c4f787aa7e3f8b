"""The rows the store hands out: folders, their sync state, queued operations and
outbox rows, and the errors it raises. Plain data, shared by every part of the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SPECIAL_USES = ("inbox", "sent", "drafts", "trash", "archive", "junk")


@dataclass(frozen=True)
class FolderRow:
    name: str  # the server's name, modified UTF-7 decoded (what imapclient returns)
    delimiter: str
    special_use: str | None
    total: int
    unread: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class OutboxRow:
    id: int
    created: datetime
    raw: bytes
    status: str
    last_error: str


@dataclass(frozen=True)
class FolderState:
    """What sync remembers about a folder on the server (not shown to the user)."""

    name: str
    uidvalidity: int | None = None
    uidnext: int | None = None
    highestmodseq: int | None = None
    messages: int | None = None
    # Every server UID in [low_uid, high_uid) is in the cache; below low_uid is backfill.
    low_uid: int | None = None
    high_uid: int | None = None


@dataclass(frozen=True)
class PendingOp:
    id: int
    kind: str  # "flags", "move", "delete", "expunge"
    folder: str
    uids: tuple[int, ...]
    args: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    last_error: str = ""
    created: float = 0.0  # time.time() when the user acted: the undo window counts from it


class CacheCorrupt(Exception):
    """The file is not a usable cache (raised internally, handled by `open`)."""


class BodyGone(LookupError):
    """A body read through `body_source` left the cache (evicted, or the message removed).

    Never shown as it is: the caller says it in French (tui.core.mail.attachments)."""
