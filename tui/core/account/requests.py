"""What the sync engine does when someone asks: a body to read, one to fetch ahead for
offline reading, a search on the server, and the user's queued actions replayed in
order. A mixin of `SyncEngine` (tui/core/account/sync.py), which owns the connection,
the cache and the folder syncs these build on.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.core.errors import ConnectionLost
from tui.core.mail.summary import SUMMARY_ITEMS, Summary
from tui.core.net.imap import CommandFailed, ImapConnection, MailboxStatus
from tui.core.store import actions
from tui.core.store.cache import Cache

SEARCH_FETCH_MAX = 500  # server matches not cached yet, fetched for a search's results
PREFETCH_MAX_BYTES = 2 * 1024 * 1024  # bodies fetched ahead for offline reading, each
PREFETCH_BUDGET_SHARE = 0.5  # …while the cached bodies fill less than this of the budget


class EngineRequests:
    """Bodies, server search and replayed actions (see the module's docstring)."""

    # Set by SyncEngine.__init__.
    conn: ImapConnection
    cache: Cache
    _listed: dict[str, MailboxStatus]

    def _select(self, folder: str) -> MailboxStatus:
        raise NotImplementedError

    def _store(self, folder: str, fetched: dict[int, dict[bytes, Any]]) -> int:
        raise NotImplementedError

    # --- bodies and server search ----------------------------------------------------

    def fetch_body(self, folder: str, uid: int) -> bytes | None:
        cached = self.cache.body(folder, uid)
        if cached is not None:
            return cached
        if self.conn.selected != folder:
            self._select(folder)
        raw = self.conn.fetch_body(uid)
        if raw is None:
            return None
        if self.cache.summary(folder, uid) is None:
            # Not backfilled yet: store its summary now so the body has a row to hang on.
            self._store(folder, self.conn.fetch_uids([uid], SUMMARY_ITEMS))
        self.cache.put_body(folder, uid, raw)
        return raw

    def prefetch_step(self, folder: str, days: int, skip: set[int]) -> bool:
        """Fetch one recent body not cached yet (`[sync] prefetch_days`), so that it can
        be read offline; False once there is none left, or once the cached bodies fill
        PREFETCH_BUDGET_SHARE of the body budget (prefetching never evicts: it fetched
        the same bodies again forever). A message over PREFETCH_MAX_BYTES waits until it
        is opened; each is tried once a session (`skip`). One body per step: a user
        request waits at most that long."""
        if self.cache.bodies_size() >= self.cache.body_budget * PREFETCH_BUDGET_SHARE:
            return False  # room is left for what the user opens: nothing evicted for this
        since = datetime.now(UTC) - timedelta(days=days)
        found = self.cache.uids_to_prefetch(folder, since, PREFETCH_MAX_BYTES, skip)
        if not found:
            return False
        skip.add(found[0])  # once a session: evicted later, it is not fetched again
        with contextlib.suppress(CommandFailed):  # a NO for this one: the others still come
            self.fetch_body(folder, found[0])
        return True

    def search_server(self, folder: str, text: str) -> list[Summary]:
        """The server's matches in `folder`. Those not cached yet (the backfill has not
        reached them) are fetched and cached, the newest SEARCH_FETCH_MAX of them: they
        were dropped, so a search during the first sync missed older mail (#16)."""
        if self.conn.selected != folder:
            self._select(folder)
        found: dict[int, Summary] = {}
        missing: list[int] = []
        removed = self._pending_removals(folder)
        # Only what the backfill has not reached: a newer match is new mail, which the
        # next sync must find uncached to announce it (review).
        below = self.cache.folder_state(folder).low_uid or 0
        for uid in self.conn.search_text(text):
            summary = self.cache.summary(folder, uid)
            if summary is not None:
                found[uid] = summary
            elif uid < below and uid not in removed:  # deleted or moved: not back
                missing.append(uid)
        missing = missing[-SEARCH_FETCH_MAX:]
        if missing:
            self._store(folder, self.conn.fetch_uids(missing, SUMMARY_ITEMS))
            for uid in missing:
                if (summary := self.cache.summary(folder, uid)) is not None:
                    found[uid] = summary
        return [found[uid] for uid in sorted(found)]

    def _pending_removals(self, folder: str) -> set[int]:
        """Uids of `folder` the user deleted, moved or expunged, not replayed yet."""
        return {
            uid
            for op in self.cache.pending_ops()
            if op.kind in ("move", "expunge") and op.folder == folder
            for uid in op.uids
        }

    # --- user actions: the cache at once, the server when reachable -------------------

    def set_flags(
        self, folder: str, uids: Sequence[int], add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        actions.set_flags(self.cache, folder, uids, add, remove)

    def move(self, folder: str, uids: Sequence[int], target: str) -> None:
        actions.move(self.cache, folder, uids, target)

    def delete(self, folder: str, uids: Sequence[int]) -> None:
        actions.delete(self.cache, folder, uids)

    def archive(self, folder: str, uids: Sequence[int]) -> None:
        actions.archive(self.cache, folder, uids)

    def expunge(self, folder: str, uids: Sequence[int]) -> None:
        actions.expunge(self.cache, folder, uids)

    def replay_pending(
        self,
        not_after: float | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[str]:
        """Send queued actions in order; returns conflicts (dropped ops), raises ConnectionLost.

        `not_after` (a time.time() value): stop at the first action taken later, which
        is still inside its undo window; the ones after it wait too, to keep the order.
        `progress(done, total)` after each operation sent (a batch of 10,000 is 20).
        """
        conflicts: list[str] = []
        due = list(
            itertools.takewhile(
                lambda op: not_after is None or op.created <= not_after, self.cache.pending_ops()
            )
        )
        for done, op in enumerate(due, 1):
            self._listed.clear()
            try:
                status = self.conn.select(op.folder)
                validity = op.args.get("uidvalidity")
                if validity is not None and validity != status.uidvalidity:
                    raise CommandFailed(f"{op.folder}: UIDVALIDITY changed")
                # Messages already gone on the server are simply skipped by these commands.
                if op.kind == "flags":
                    # A keyword the folder cannot keep ($Junk on a server without
                    # keywords) is left out, not refused with the rest.
                    add = [f for f in op.args.get("add", ()) if status.keeps(f)]
                    remove = [f for f in op.args.get("remove", ()) if status.keeps(f)]
                    if add or remove:
                        self.conn.store_flags(op.uids, add, remove)
                elif op.kind == "move":
                    self.conn.move(op.uids, op.args["target"])
                elif op.kind == "expunge":
                    self.conn.expunge(op.uids)
            except ConnectionLost:
                raise
            except CommandFailed as exc:
                conflicts.append(f"{op.kind} {op.folder}: {exc.detail or exc}")
            self.cache.finish_op(op.id)
            if progress is not None:
                progress(done, len(due))
        return conflicts
