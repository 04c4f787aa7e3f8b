"""Incremental sync between one IMAP connection and the local cache.

Per folder: a STATUS no-change check first (UIDVALIDITY, UIDNEXT, MESSAGES,
HIGHESTMODSEQ, UNSEEN), so an idle resync costs a few hundred bytes whatever the
mailbox size. A first sync stores the newest page by sequence number in one round trip
after SELECT, then backfills by UID windows, newest to oldest, each window committed
with its progress marker (a stop mid-way resumes without gaps or duplicates). Later
syncs fetch new mail from the last UIDNEXT, flag changes with CONDSTORE CHANGEDSINCE,
and look for expunges only when the message count says some happened.

User actions change the cache at once and are queued as pending operations, replayed
in order when the server is reachable; they survive a restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from tui.core.account.requests import EngineRequests
from tui.core.account.special_folders import FOLDER_ORDER, special_uses
from tui.core.mail.summary import (
    DATE_ITEMS,
    SUMMARY_ITEMS,
    parse_date,
    parse_flags,
    parse_summary,
)
from tui.core.net.imap import CommandFailed, ImapConnection, ListedFolder, MailboxStatus
from tui.core.store.cache import Cache
from tui.core.store.records import FolderRow, FolderState

FIRST_PAGE = 100
BACKFILL_CHUNK = 250  # the first backfill window; later ones are sized by time
BACKFILL_STEP_SECONDS = 0.1  # a user request waits at most about one step
BACKFILL_WINDOW_LIMITS = (50, 32_000)
LISTED_STATUS_SECONDS = 30.0  # a STATUS read with LIST serves the folder steps right after
# Flags are compared and written this many at a time; without CONDSTORE the FLAGS pass
# asks for this many cached UIDs per round trip (50 round trips at 100,000 messages;
# the pass is rare: without CONDSTORE, only when the unread count moved or on F5).
FLAG_BATCH = 500
FLAG_WINDOW = 2000


@dataclass(frozen=True)
class FolderSyncResult:
    folder: str
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: bool = False
    reset: bool = False  # UIDVALIDITY changed: the folder's cache was dropped
    backfill_remaining: bool = False


Progress = Callable[[str, int, int], None]


def _apply(flags: Iterable[str], changes: Iterable[tuple[set[str], set[str]]]) -> set[str]:
    """The server's flags with the user's pending changes on top, oldest first."""
    result = set(flags)
    for add, remove in changes:
        result = (result | add) - remove
    return result


def _state(folder: str, status: MailboxStatus, low: int, high: int) -> FolderState:
    """What the cache remembers of a folder after a sync: the server's status, and the
    UID window [low, high) it holds."""
    return FolderState(
        folder,
        uidvalidity=status.uidvalidity,
        uidnext=status.uidnext,
        highestmodseq=status.highestmodseq,
        messages=status.messages,
        low_uid=low,
        high_uid=high,
    )


class SyncEngine(EngineRequests):
    """Sync one account's folders through `conn` into `cache` (both owned by one thread)."""

    def __init__(
        self,
        conn: ImapConnection,
        cache: Cache,
        *,
        first_page: int = FIRST_PAGE,
        chunk: int | None = None,
        on_progress: Progress | None = None,
    ) -> None:
        self.conn = conn
        self.cache = cache
        self.first_page = first_page
        # A fixed window (tests, benchmarks) or None: windows sized so a step takes
        # about BACKFILL_STEP_SECONDS on this machine and this link.
        self.chunk = chunk or BACKFILL_CHUNK
        self.adaptive = chunk is None
        self.on_progress = on_progress
        self._windows: dict[str, int] = {}
        # STATUS of each folder read with the folder list (LIST-STATUS), used once by
        # that folder's sync; forgotten as soon as this client changes the server.
        self._listed: dict[str, MailboxStatus] = {}
        self._listed_at = 0.0
        self._quota_asked = False  # in this session (see refresh_quota)

    # --- folders and quota --------------------------------------------------------

    def sync_folders(self) -> list[FolderRow]:
        """LIST into the cache; at most MAX_FOLDERS are kept (`conn.folders_announced`)."""
        listed, statuses = self.conn.list_folders_with_status()
        # The selected folder's STATUS can be stale (Dovecot): that one asks again.
        self._listed = {k: v for k, v in statuses.items() if k != self.conn.selected}
        self._listed_at = time.monotonic()
        uses = special_uses(listed)

        def order(folder: ListedFolder) -> tuple[int, str]:
            use = uses.get(folder.name)
            rank = FOLDER_ORDER.index(use) if use in FOLDER_ORDER else len(FOLDER_ORDER)
            return rank, folder.name.casefold()

        rows = [
            FolderRow(f.name, f.delimiter, uses.get(f.name), 0, 0, f.flags)
            for f in sorted(listed, key=order)
        ]
        self.cache.set_folders(rows)
        if self.cache.quota() is None and not self._quota_asked:
            self.refresh_quota()
        return self.cache.folders()

    def refresh_quota(self) -> None:
        """GETQUOTAROOT; the worker asks only when a sync saw changes (or never read it).

        A server can offer QUOTA and set no limit (Cyrus): the cache then holds no quota,
        like one never read, and `_quota_asked` keeps each sync from asking again."""
        self._quota_asked = True
        if self.conn.has("QUOTA"):
            try:
                self.cache.set_quota(self.conn.quota())
            except CommandFailed:
                self.cache.set_quota(None)

    def forget_listed_status(self) -> None:
        """This client changed the server: the statuses read with LIST are out of date."""
        self._listed.clear()

    def selectable(self) -> list[str]:
        return [
            f.name
            for f in self.cache.folders()
            if not {"\\noselect", "\\nonexistent"} & {x.lower() for x in f.flags}
        ]

    # --- one folder -------------------------------------------------------------------

    @property
    def condstore(self) -> bool:
        return self.conn.condstore

    def _select(self, folder: str) -> MailboxStatus:
        """SELECT, dropping the folder's cache if its UIDVALIDITY changed."""
        status = self.conn.select(folder)
        state = self.cache.folder_state(folder)
        if state.uidvalidity is not None and state.uidvalidity != status.uidvalidity:
            self.cache.drop_folder(folder)
        return status

    def _store(
        self, folder: str, fetched: dict[int, dict[bytes, Any]], state: FolderState | None = None
    ) -> int:
        summaries = [parse_summary(folder, uid, data) for uid, data in fetched.items()]
        undated = [s.uid for s in summaries if s.date is None]
        if undated:  # no readable Date header: the server's arrival time instead
            arrivals = self.conn.fetch_uids(undated, DATE_ITEMS)
            summaries = [
                replace(s, date=parse_date(None, arrivals.get(s.uid, {}).get(b"INTERNALDATE")))
                if s.date is None
                else s
                for s in summaries
            ]
        pending = self._pending_flags(folder)  # a row cached again keeps the user's changes
        if pending:
            summaries = [
                replace(s, flags=frozenset(_apply(s.flags, pending[s.uid])))
                if s.uid in pending
                else s
                for s in summaries
            ]
        with self.cache.transaction():
            added = self.cache.put_summaries(summaries)
            if state is not None:
                self.cache.set_folder_state(state)
        return added

    def sync_folder(self, folder: str, *, thorough: bool = False) -> FolderSyncResult:
        """Bring one folder up to date (first page on a first sync; backfill is separate).

        `thorough` matters only without CONDSTORE: it re-reads every cached message's
        flags, the only way to see another client's \\Flagged or \\Answered there.
        """
        listed = self._listed.pop(folder, None)
        if time.monotonic() - self._listed_at > LISTED_STATUS_SECONDS:
            listed = None
        state = self.cache.folder_state(folder)
        if state.uidvalidity is None or state.high_uid is None:
            return self._first_sync(folder)
        complete = (state.low_uid or 1) <= 1
        status = listed
        if status is None:
            # STATUS on the selected folder answers from the session's stale view
            # (Dovecot): leave it first, or, with no UNSELECT, take the SELECT path.
            if self.conn.selected == folder and not self.conn.unselect():
                return self._incremental(folder, state, None, scan=thorough or not self.condstore)
            status = self.conn.status(folder)
        if status.uidvalidity != state.uidvalidity:
            self.cache.drop_folder(folder)
            result = self._first_sync(folder)
            return FolderSyncResult(
                folder, new=result.new, reset=True, backfill_remaining=result.backfill_remaining
            )
        same = (
            status.uidnext == state.uidnext
            and status.messages == state.messages
            and status.highestmodseq == state.highestmodseq
        )
        scan = False
        if not (self.condstore and status.highestmodseq is not None):
            # Without CONDSTORE only a FLAGS pass sees other clients' flag changes: do it
            # when asked, or when the server's unseen count disagrees with the cache.
            cached_unread = self.cache.unread(folder)
            scan = thorough or (
                complete and status.unseen is not None and status.unseen != cached_unread
            )
        if same and not scan:
            self._counts(folder, status, complete)
            return FolderSyncResult(folder, unchanged=True, backfill_remaining=not complete)
        return self._incremental(folder, state, status.unseen, scan=scan)

    def _first_sync(self, folder: str) -> FolderSyncResult:
        status = self._select(folder)
        fetched = self.conn.fetch_newest(self.first_page, status.messages, SUMMARY_ITEMS)
        low = min(fetched) if fetched else status.uidnext
        if status.messages <= len(fetched):
            low = 1
        added = self._store(folder, fetched, _state(folder, status, low, status.uidnext))
        self._counts(folder, status, low <= 1)
        self._progress(folder, status.messages)
        return FolderSyncResult(folder, new=added, backfill_remaining=low > 1)

    def _incremental(
        self, folder: str, state: FolderState, unseen: int | None, *, scan: bool = False
    ) -> FolderSyncResult:
        status = self._select(folder)
        if self.cache.folder_state(folder).uidvalidity is None:  # dropped by _select
            result = self._first_sync(folder)
            return FolderSyncResult(
                folder, new=result.new, reset=True, backfill_remaining=result.backfill_remaining
            )
        low = state.low_uid or 1
        high = state.high_uid or 1
        # New mail: everything from the last UIDNEXT we saw.
        fetched = (
            self.conn.fetch_uid_range(high, None, SUMMARY_ITEMS) if status.uidnext > high else {}
        )
        new_count = len(fetched)
        added = self._store(folder, fetched)
        changed = removed = 0
        if self.condstore and state.highestmodseq is not None and status.highestmodseq is not None:
            if status.highestmodseq != state.highestmodseq:
                changes = self.conn.fetch_uid_range(
                    low, high - 1, ["FLAGS"], changedsince=state.highestmodseq
                )
                changed = self._update_flags(folder, changes)
            expected = (state.messages or 0) + new_count
            if status.messages != expected:
                removed = self._reconcile(folder, low, high)
        elif not scan:
            expected = (state.messages or 0) + new_count
            if status.messages != expected:
                removed = self._reconcile(folder, low, high)
        else:
            changed, removed = self._scan_flags(folder, low, high)
        if low > 1:
            early_changed, early_removed = self._early_rows(folder, low)
            changed, removed = changed + early_changed, removed + early_removed
        self.cache.set_folder_state(_state(folder, status, low, max(high, status.uidnext)))
        self._counts(folder, status, low <= 1, unseen)
        return FolderSyncResult(
            folder, new=added, changed=changed, removed=removed, backfill_remaining=low > 1
        )

    def _update_flags(self, folder: str, fetched: dict[int, dict[bytes, Any]]) -> int:
        """Store the flags the server sent, FLAG_BATCH at a time; how many differed.

        SQLite compares them with the cached ones: no map of the folder's flags is
        built, so memory follows what the server sent, not the folder's size (#22).
        """
        changed = 0
        uids = list(fetched)
        pending = self._pending_flags(folder)
        for start in range(0, len(uids), FLAG_BATCH):
            batch = uids[start : start + FLAG_BATCH]
            flags = {u: _apply(parse_flags(fetched[u]), pending.get(u, ())) for u in batch}
            changed += self.cache.set_flags(folder, flags)
        return changed

    def _pending_flags(self, folder: str) -> dict[int, list[tuple[set[str], set[str]]]]:
        """The user's flag changes not replayed yet, per uid, in order: a sync between
        an action and its replay must not write the server's older flags over it (the
        list showed « N R » after reading and replying until a second F5, #17)."""
        found: dict[int, list[tuple[set[str], set[str]]]] = {}
        for op in self.cache.pending_ops():
            if op.kind == "flags" and op.folder == folder:
                change = (set(op.args.get("add", ())), set(op.args.get("remove", ())))
                for uid in op.uids:
                    found.setdefault(uid, []).append(change)
        return found

    def _scan_flags(self, folder: str, low: int, high: int) -> tuple[int, int]:
        """Without CONDSTORE: one FLAGS pass over the cached range, which also shows
        expunges, a window of FLAG_WINDOW cached UIDs at a time so that memory stays
        that of one window whatever the folder's size. (changed, removed)."""
        changed = removed = 0
        start = low
        while start < high:
            cached = self.cache.uids(folder, start, high, limit=FLAG_WINDOW)
            if not cached:
                break
            end = cached[-1] if len(cached) == FLAG_WINDOW else high - 1
            server = self.conn.fetch_uid_range(start, end, ["FLAGS"])
            changed += self._update_flags(folder, server)
            gone = [u for u in cached if u not in server]
            self.cache.remove_messages(folder, gone)
            removed += len(gone)
            start = end + 1
        return changed, removed

    def _early_rows(self, folder: str, low: int) -> tuple[int, int]:
        """Rows cached below the backfill (a search, a body opened early) follow the
        server at each sync too: their FLAGS asked by uid, so one expunged or flagged
        elsewhere does not wait for the backfill to reach it. (changed, removed)."""
        early = self.cache.uids(folder, 1, low, limit=FLAG_WINDOW)
        if not early:
            return 0, 0
        server = self.conn.fetch_uids(early, ["FLAGS"])
        changed = self._update_flags(folder, server)
        gone = [u for u in early if u not in server]
        self.cache.remove_messages(folder, gone)
        return changed, len(gone)

    def _reconcile(self, folder: str, low: int, high: int) -> int:
        """Remove cached messages the server no longer has (ESEARCH keeps this compact)."""
        server = set(self.conn.search_uids(low, high - 1))
        gone = [u for u in self.cache.uids(folder, low, high) if u not in server]
        self.cache.remove_messages(folder, gone)
        return len(gone)

    def backfill_step(self, folder: str) -> bool:
        """Fetch one window of older summaries; True while older ones remain."""
        state = self.cache.folder_state(folder)
        if state.low_uid is None or state.low_uid <= 1 or state.uidvalidity is None:
            return False
        if self.conn.selected != folder:
            self._select(folder)
            if self.cache.folder_state(folder).uidvalidity is None:
                return False  # UIDVALIDITY changed: a full sync restarts the folder
        window = self._windows.get(folder, self.chunk)
        lo = max(1, state.low_uid - window)
        started = time.monotonic()
        fetched = self.conn.fetch_uid_range(lo, state.low_uid - 1, SUMMARY_ITEMS)
        if not fetched and lo > 1:
            # An empty window: ask where the next message is rather than walk down
            # window by window (a UIDNEXT of 4294967295 cost 6,133 FETCHes, issue #24).
            top = self.conn.last_uid_below(lo)
            lo = 1 if top is None else top + 1
        with self.cache.transaction():
            # Rows cached early (a body opened before its window) but gone since.
            stale = [u for u in self.cache.uids(folder, lo, state.low_uid) if u not in fetched]
            self.cache.remove_messages(folder, stale)
            self._store(folder, fetched, replace(state, low_uid=lo))
        self._windows[folder] = self._next_window(window, len(fetched), time.monotonic() - started)
        if lo <= 1:
            self.cache.set_counts(folder)
            # Done: the server's count may have been absurd (`* 4294967295 EXISTS`).
            self._progress(folder, self.cache.count(folder))
        else:
            self._progress(folder, state.messages or 0)
        return lo > 1

    def _next_window(self, window: int, fetched: int, seconds: float) -> int:
        if self.adaptive:
            # Grow or shrink at most x2 a step, so one slow moment does not swing it.
            factor = min(2.0, max(0.5, BACKFILL_STEP_SECONDS / max(seconds, 1e-3)))
            low, high = BACKFILL_WINDOW_LIMITS
            return int(min(high, max(low, window * factor)))
        # Sparse UIDs (much deleted mail): widen the window so each round trip pays.
        if fetched < window // 4:
            return min(window * 2, 64 * self.chunk)
        return self.chunk

    def backfill(self, folder: str) -> None:
        while self.backfill_step(folder):
            pass

    def _counts(
        self, folder: str, status: MailboxStatus, complete: bool, unseen: int | None = None
    ) -> None:
        if complete:
            self.cache.set_counts(folder)
        else:
            self.cache.set_counts(
                folder,
                total=status.messages,
                unread=status.unseen if status.unseen is not None else unseen,
            )

    def _progress(self, folder: str, total: int) -> None:
        if self.on_progress is not None:
            self.on_progress(folder, self.cache.count(folder), total)
