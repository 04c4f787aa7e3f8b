"""A folder in another order than the newest first (size, sender, subject, oldest
first), as a row source, so the same virtual list shows it (#19).

The order (tui.core.store.sorting) is computed once per folder and kept as a compact array
of uids; it is computed again only when messages come or go (the cache's thread
signature, as tui.widgets.thread_source does). Pages are slices read by uid.
"""

from __future__ import annotations

from array import array

from tui.core.mail.summary import Summary
from tui.core.store.cache import Cache
from tui.core.store.sorting import Sort, sorted_uids


class SortedSource:
    """One folder's messages in the order `sort` says."""

    def __init__(self, cache: Cache, sort: Sort) -> None:
        self.cache = cache
        self.sort = sort
        self.folder: str | None = None
        self.signature: tuple[int, int, float, float] | None = None
        self.uids: array[int] = array("q")

    def _order(self, folder: str, *, check: bool = False) -> array[int]:
        if folder != self.folder or check:
            signature = self.cache.thread_signature(folder)
            if folder != self.folder or signature != self.signature:
                self.uids = sorted_uids(self.cache.sort_rows(folder, self.sort.key), self.sort)
                self.folder, self.signature = folder, signature
        return self.uids

    def count(self, folder: str) -> int:
        return len(self._order(folder, check=True))

    def page(self, folder: str, offset: int, limit: int) -> list[Summary]:
        uids = self._order(folder)[max(0, offset) : max(0, offset) + max(0, limit)]
        return self.cache.summaries(folder, uids.tolist())

    def index_of(self, folder: str, uid: int) -> int | None:
        try:
            return self._order(folder).index(uid)
        except ValueError:
            return None
