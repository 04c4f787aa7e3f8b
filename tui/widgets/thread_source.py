"""A folder in threaded order, as a row source, so the same virtual list shows it.

The order (uids and depths, tui.core.mail.threads) is computed once per folder and again
only when messages come or go: `count`, which the list calls whenever it (re)reads the
folder, compares the cache's thread signature first, so a flag change costs one index
scan, not a re-threading. Pages are slices of the order read by uid.
"""

from __future__ import annotations

from tui.core.mail.summary import Summary
from tui.core.mail.threads import ThreadOrder, thread_order
from tui.core.store.cache import Cache


class ThreadedSource:
    """One folder's messages grouped by thread, threads by their newest message."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.folder: str | None = None
        self.signature: tuple[int, int, float, float] | None = None
        self.order = ThreadOrder()

    def _order(self, folder: str, *, check: bool = False) -> ThreadOrder:
        if folder != self.folder or check:
            signature = self.cache.thread_signature(folder)
            if folder != self.folder or signature != self.signature:
                self.order = thread_order(self.cache.thread_rows(folder))
                self.folder, self.signature = folder, signature
        return self.order

    def count(self, folder: str) -> int:
        return len(self._order(folder, check=True))

    def page(self, folder: str, offset: int, limit: int) -> list[Summary]:
        uids = self._order(folder).uids[max(0, offset) : max(0, offset) + max(0, limit)]
        return self.cache.summaries(folder, uids)

    def index_of(self, folder: str, uid: int) -> int | None:
        return self._order(folder).index_of(uid)

    def depth_of(self, index: int) -> int:
        """How deep in its thread the message at this row is (0: a thread's start)."""
        depths = self.order.depths
        return depths[index] if 0 <= index < len(depths) else 0
