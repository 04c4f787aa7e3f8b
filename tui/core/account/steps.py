"""The account worker's own bookkeeping: its state between two jobs, and the steps a
sync expands into (never submitted by the app; the app's Commands are the contract's)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from tui.core.account.contract import (
    Archive,
    Command,
    Delete,
    Expunge,
    FetchBody,
    Move,
    Replay,
    SetFlags,
    SyncAll,
    SyncFolder,
)
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line

BACKOFF_START = 1.0
BACKOFF_MAX = 300.0

# The app's actions on messages: applied locally, replayed once their undo window passed.
LOCAL_ACTIONS = (SetFlags, Move, Delete, Archive, Expunge, Replay)


@dataclass
class WorkerState:
    connected: bool = False
    paused: bool = False  # waiting for the user: password or certificate decision
    offline_since: datetime | None = None
    backoff: float = BACKOFF_START
    next_attempt: float = 0.0
    jobs: deque[Command] = field(default_factory=deque)
    backfill: list[str] = field(default_factory=list)
    sync_saw_changes: bool = False  # a folder of the current SyncAll changed
    replay_at: float | None = None  # time.time() when the next queued action is due
    filing_deferred: bool = False  # Sent copies left to another courriel's lock
    prefetch: list[str] = field(default_factory=list)  # folders whose recent bodies come
    prefetch_skip: set[int] = field(default_factory=set)  # INBOX uids the server refused
    failures: dict[str, int] = field(default_factory=dict)  # step → failures in a row
    poisoned: dict[str, float] = field(default_factory=dict)  # step → retry after (monotonic)
    folders_told: int = 0  # the folder count the user was told was cut


@dataclass(frozen=True)
class FolderStep(Command):
    folder: str
    thorough: bool
    index: int
    count: int


@dataclass(frozen=True)
class ListStep(Command):
    """LIST, then one FolderStep per folder (INBOX already done on a first sync)."""

    thorough: bool
    inbox_first: bool


@dataclass(frozen=True)
class SyncAllDone(Command):
    pass


@dataclass(frozen=True)
class BackfillStep(Command):
    folder: str


@dataclass(frozen=True)
class PrefetchStep(Command):
    """One recent body fetched ahead, to be read offline (`[sync] prefetch_days`)."""

    folder: str


def discard(folders: list[str], folder: str) -> None:
    if folder in folders:
        folders.remove(folder)


def step_key(request: Command) -> str:
    """The step a failure is counted against: the same folder, list or body again."""
    if isinstance(request, FolderStep | SyncFolder):
        return f"folder:{request.folder}"
    if isinstance(request, SyncAll):
        return "sync"  # only expands into steps: its success says nothing of theirs
    if isinstance(request, ListStep):
        return "list"
    if isinstance(request, BackfillStep):
        return f"backfill:{request.folder}"
    if isinstance(request, PrefetchStep):
        return f"prefetch:{request.folder}"
    if isinstance(request, FetchBody):
        return f"body:{request.folder}:{request.uid}"
    if isinstance(request, LOCAL_ACTIONS):
        return "replay"
    return type(request).__name__


def step_name(request: Command) -> str:
    """What was being done, in the user's words (folder names are server data)."""
    if isinstance(request, FolderStep | SyncFolder):
        return _("la synchronisation du dossier « {folder} »").format(
            folder=clean_line(request.folder)[:80]
        )
    if isinstance(request, SyncAll | ListStep):
        return _("la liste des dossiers")
    if isinstance(request, BackfillStep):
        return _("l'historique du dossier « {folder} »").format(
            folder=clean_line(request.folder)[:80]
        )
    if isinstance(request, FetchBody | PrefetchStep):
        return _("l'ouverture d'un message")
    return _("une commande")
