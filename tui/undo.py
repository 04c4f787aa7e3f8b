"""What `u` can put back: the last actions whose server work is still queued.

An action on one message or on 10,000 marked ones is one entry: the summaries as they
were, the queued operations it made, and the bodies of removed messages within a memory
budget. An entry is honoured only while every one of its operations is still queued and
inside its undo window, so an undo and the worker's replay never cross. Entries older
than the window are let go, so a big batch does not stay in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from tui.core.mail.summary import Summary
from tui.core.store.cache import Cache
from tui.core.store.records import PendingOp

UNDO_MARGIN = 0.5  # seconds before the window closes when `u` stops being honoured
# Bytes of removed bodies kept in memory for undo, all entries together. A body left out
# is fetched again from the server if the message is put back and opened (issue 23).
UNDO_BODY_BUDGET = 4 * 1024 * 1024
# Above this many messages an action keeps no undo (their summaries alone would weigh
# tens of MiB): the screen asks before acting instead.
UNDO_MAX_MESSAGES = 10_000


@dataclass(frozen=True)
class Undo:
    """Enough to put back what one action changed while its server work is queued."""

    summaries: tuple[Summary, ...]  # as they were before the action
    op_ids: tuple[int, ...]
    removed: bool  # True: the messages left their folder; False: their flags changed
    taken: float  # time.time() of the action
    bodies: tuple[tuple[str, int, bytes], ...] = ()  # (folder, uid, raw) of removed ones

    @property
    def body_bytes(self) -> int:
        return sum(len(raw) for _folder, _uid, raw in self.bodies)


class UndoStack:
    """The undoable actions of one account, newest last."""

    def __init__(self, window: Callable[[], float]) -> None:
        self._window = window  # seconds, read when used (the session's setting)
        self._entries: list[Undo] = []

    @property
    def window(self) -> float:
        return self._window()

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __iter__(self) -> Iterator[Undo]:
        return iter(self._entries)

    def push(self, entry: Undo, *, now: float | None = None) -> None:
        self.forget_expired(now)
        self._entries.append(entry)
        self._bound_bodies()

    def clear(self) -> None:
        """An action kept no undo: `u` must not take back an older one instead."""
        self._entries.clear()

    def forget_expired(self, now: float | None = None) -> None:
        """Drop the entries whose window has closed: they can never be honoured."""
        deadline = self._deadline(now)
        self._entries = [e for e in self._entries if e.taken > deadline]

    def _deadline(self, now: float | None) -> float:
        now = time.time() if now is None else now
        window = self.window
        return now - window + min(UNDO_MARGIN, window / 4)

    def _bound_bodies(self) -> None:
        """The newest removals keep their bodies within UNDO_BODY_BUDGET; older ones drop
        theirs (the server still has them until the move is replayed)."""
        kept = 0
        for position in range(len(self._entries) - 1, -1, -1):
            entry = self._entries[position]
            if not entry.bodies:
                continue
            if kept + entry.body_bytes <= UNDO_BODY_BUDGET:
                kept += entry.body_bytes
            else:
                self._entries[position] = replace(entry, bodies=())

    def pop(self, pending: list[PendingOp], *, demo: bool = False) -> Undo | None:
        """The newest entry that can still be honoured, taken off the stack; entries
        newer than it that cannot (their work already went) are dropped."""
        queued = {op.id: op for op in pending}
        deadline = self._deadline(None)
        while self._entries:
            entry = self._entries.pop()
            ops = [queued.get(op_id) for op_id in entry.op_ids]
            if all(op is not None and (demo or op.created > deadline) for op in ops):
                return entry
        return None


def restore(cache: Cache, entry: Undo) -> None:
    """Put the cache back as it was before the entry's action, in one transaction; the
    caller has checked the operations are still queued."""
    with cache.transaction():
        for op_id in entry.op_ids:
            cache.finish_op(op_id)
        folders = {s.folder for s in entry.summaries}
        if entry.removed:
            cache.put_summaries(entry.summaries)
            for folder, uid, raw in entry.bodies:
                cache.put_body(folder, uid, raw)
        else:
            for folder in folders:
                cache.set_flags(
                    folder, {s.uid: s.flags for s in entry.summaries if s.folder == folder}
                )
        for folder in folders:
            cache.set_counts(folder)
