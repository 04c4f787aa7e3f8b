"""Search results as a row source, so the same virtual list shows them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tui.core.mail.sanitize import clean_line
from tui.core.mail.summary import Summary
from tui.core.store.cache import Cache


class ResultsSource:
    """Every message a search matched, paged from the cache like a folder (#22).

    The matches stay in the cache connection (`Cache.start_results`), not here: a search
    that matches 40,000 messages holds no more in Python than one that matches 40, and
    the list shows them all. A message is its (folder, uid); a uid alone is not. Rows are
    read as they are now, so flags are current, a message deleted or moved since is left
    out, and an undo brings it back.
    """

    def __init__(
        self,
        cache: Callable[[], Cache],
        text: str,
        *,
        home: str = "",
        label_of: Callable[[str], str] = clean_line,
    ) -> None:
        self._cache = cache  # the account's cache now: a rebuilt file is another one
        self.text = text
        # The folder searched from, whose rows need no label, and how to name the others.
        self.home = home
        self.label_of = label_of
        self._filled: Cache | None = None
        self._current()

    def _current(self) -> Cache:
        """The cache holding the results: searched again when the file was rebuilt
        (the server's additions are then lost until the next search)."""
        cache = self._cache()
        if cache is not self._filled:
            cache.start_results(self.text)
            self._filled = cache
        return cache

    def folder_label(self, row: Summary) -> str:
        return "" if row.folder == self.home else self.label_of(row.folder)

    def count(self, folder: str) -> int:
        return self._current().result_count()

    def page(self, folder: str, offset: int, limit: int) -> list[Summary]:
        return self._current().result_page(offset, limit)

    def index_of(self, folder: str, uid: int) -> int | None:
        return self._current().result_index(folder, uid)

    def merge(self, more: Sequence[Summary]) -> int:
        """Add the server's results (bodies not cached yet); how many were new."""
        return self._current().add_results((r.folder, r.uid) for r in more)

    def close(self) -> None:
        """The search ended: the connection forgets its results."""
        if self._filled is not None and self._filled is self._cache():
            self._filled.clear_results()
        self._filled = None
