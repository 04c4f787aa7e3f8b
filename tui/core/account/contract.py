"""What crosses the thread boundary of an account: typed requests in, typed events out.

The app asks the account worker (tui/core/account/worker.py) with a Command and hears back
through Events, all frozen dataclasses declared here and nowhere else (issue #15's
contract, first step: the declarations out of the worker). Importing this module is
cheap: the types it names load only for type checking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from tui.core.account.sync import FolderSyncResult
    from tui.core.errors import AuthError, CertificateError, MailError
    from tui.core.mail.rules import Rule
    from tui.core.mail.summary import Summary
    from tui.core.net.trust import CertificateNeedsDecision


# --- commands ----------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """Base of what the app asks the account: the only way the UI asks for anything."""


@dataclass(frozen=True)
class SyncAll(Command):
    thorough: bool = False


@dataclass(frozen=True)
class SyncFolder(Command):
    folder: str
    thorough: bool = False


@dataclass(frozen=True)
class FetchBody(Command):
    folder: str
    uid: int


@dataclass(frozen=True)
class SetFlags(Command):
    folder: str
    uids: tuple[int, ...]
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class Move(Command):
    folder: str
    uids: tuple[int, ...]
    target: str


@dataclass(frozen=True)
class Delete(Command):
    """To the Trash (from the Trash: removed for good)."""

    folder: str
    uids: tuple[int, ...]


@dataclass(frozen=True)
class Archive(Command):
    folder: str
    uids: tuple[int, ...]


@dataclass(frozen=True)
class Expunge(Command):
    folder: str
    uids: tuple[int, ...]


@dataclass(frozen=True)
class Replay(Command):
    """The UI already applied an action to its own cache connection: send the queue."""


@dataclass(frozen=True)
class ReplayLater(Command):
    """Send the queue once the undo window of the last action has passed (the session
    holds the timer: each new action restarts it, so every removal keeps its window)."""


@dataclass(frozen=True)
class FileSent(Command):
    """Messages went out over SMTP: copy them to Sent and mark their originals answered.

    The work is read from the outbox (rows "sent"), where it waits across an IMAP outage
    or a restart; the worker also asks for it itself at each connection and full sync.
    """


@dataclass(frozen=True)
class SaveDraft(Command):
    """Put this local draft, built as a message, in the server's Drafts folder, in place
    of the copy an earlier save left there. Never queued: offline, it fails at once (the
    local draft is kept either way)."""

    draft_id: int
    raw: bytes


@dataclass(frozen=True)
class SearchServer(Command):
    folder: str
    text: str


@dataclass(frozen=True)
class CreateFolder(Command):
    """Create a folder (its full name, with the server's separator). Never queued:
    offline, or refused by the server, it fails at once with the reason (#19)."""

    name: str


@dataclass(frozen=True)
class RenameFolder(Command):
    name: str
    new_name: str


@dataclass(frozen=True)
class DeleteFolder(Command):
    name: str


FolderCommand = CreateFolder | RenameFolder | DeleteFolder


@dataclass(frozen=True)
class SetRules(Command):
    """The user edited the sorting rules: new mail is sorted by these from now on."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class InstallRules(Command):
    """Put this Sieve script on the server (ManageSieve) and make it the active one;
    refused, with the name, when another script of the user's is active."""

    script: str


@dataclass(frozen=True)
class RemoveRules(Command):
    """Take courriel's script off the server: courriel sorts new mail itself again."""


@dataclass(frozen=True)
class Stop(Command):
    pass


# --- events ------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Base of what the worker reports."""


@dataclass(frozen=True)
class Connected(Event):
    capabilities: frozenset[str]


@dataclass(frozen=True)
class Offline(Event):
    since: datetime  # local time; the status bar shows "hors ligne depuis HH:MM"
    reason: str
    retry_in: float


@dataclass(frozen=True)
class AuthFailed(Event):
    error: AuthError


@dataclass(frozen=True)
class CertificateDecisionNeeded(Event):
    error: CertificateNeedsDecision


@dataclass(frozen=True)
class CertificateRefused(Event):
    """A pinned certificate changed (or trust refused it): loud warning, no retry."""

    error: CertificateError


@dataclass(frozen=True)
class Syncing(Event):
    """Folder `index` of `count` in a SyncAll (1-based)."""

    folder: str
    index: int
    count: int


@dataclass(frozen=True)
class Progress(Event):
    """Messages cached in `folder` so far, out of the server's count."""

    folder: str
    cached: int
    total: int


@dataclass(frozen=True)
class FoldersChanged(Event):
    pass


@dataclass(frozen=True)
class FolderCommandDone(Event):
    """The server did it, and the folder list was read again."""

    command: FolderCommand


@dataclass(frozen=True)
class FolderSynced(Event):
    result: FolderSyncResult


@dataclass(frozen=True)
class BackfillDone(Event):
    folder: str


@dataclass(frozen=True)
class SyncDone(Event):
    """A SyncAll finished (backfill may still run)."""


@dataclass(frozen=True)
class CacheChanged(Event):
    """A user action changed the cache: the UI re-reads its visible page."""

    folder: str


@dataclass(frozen=True)
class BodyReady(Event):
    folder: str
    uid: int
    raw: bytes | None  # None: gone from the server, or offline and not cached


@dataclass(frozen=True)
class DraftSaved(Event):
    draft_id: int
    folder: str


@dataclass(frozen=True)
class SearchResults(Event):
    folder: str
    text: str
    results: tuple[Summary, ...]


@dataclass(frozen=True)
class ActionsSent(Event):
    """Queued actions reaching the server: `done` of `total` operations (a batch of
    10,000 messages is 20 of them)."""

    done: int
    total: int


@dataclass(frozen=True)
class RulesOnServer(Event):
    """The server now applies the rules (`installed`), or no longer does."""

    installed: bool
    script: str = ""


@dataclass(frozen=True)
class CommandFailed(Event):
    command: Command
    error: MailError


@dataclass(frozen=True)
class Conflicts(Event):
    """Queued actions dropped because the server no longer had their target."""

    messages: tuple[str, ...]


@dataclass(frozen=True)
class Notice(Event):
    text: str


@dataclass(frozen=True)
class ServerFault(Event):
    """The server answered badly (malformed, truncated, too deep, too slow, too big):
    what it did wrong, for the status bar; `given_up` once the same step failed so
    often that it is no longer retried for a while (issue #18)."""

    step: str  # what was being done, in the user's words
    reason: str
    given_up: bool = False


@dataclass(frozen=True)
class CacheRebuilt(Event):
    """The worker found the cache file corrupt and started a new one: reopen it."""


@dataclass(frozen=True)
class Stopped(Event):
    pass
