"""The clean-up view: the largest messages of every folder, as a row source (#19).

When the mailbox is full, what frees room is a few big messages, wherever they are.
The list shows the LARGEST_SHOWN largest, largest first, each with its folder's name,
read as they are now (a message deleted since is left out, an undo brings it back).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from tui.core.mail.sanitize import clean_line
from tui.core.mail.summary import Summary
from tui.core.store.cache import Cache

LARGEST_SHOWN = 500


class LargestSource:
    """Shown in the place of search results: the mailbox treats it as such."""

    text = ""  # no search text: the server's search results never land here

    def __init__(
        self, cache: Callable[[], Cache], *, label_of: Callable[[str], str] = clean_line
    ) -> None:
        self._cache = cache
        self.label_of = label_of
        self.keys = [(folder, uid) for folder, uid, _size in cache().largest(LARGEST_SHOWN)]

    def _present(self) -> list[Summary]:
        """The messages still cached, in the view's order."""
        return self._cache().summaries_of(self.keys)

    def folder_label(self, row: Summary) -> str:
        return self.label_of(row.folder)

    def count(self, folder: str) -> int:
        return len(self._present())

    def page(self, folder: str, offset: int, limit: int) -> list[Summary]:
        return self._present()[max(0, offset) : max(0, offset) + max(0, limit)]

    def index_of(self, folder: str, uid: int) -> int | None:
        # The list asks with the row's own folder (search results span folders).
        rows = self._present()
        return next(
            (i for i, row in enumerate(rows) if (row.folder, row.uid) == (folder, uid)), None
        )

    def total_size(self, keys: Iterable[tuple[str, int]] | None = None) -> int:
        """Bytes of these messages of the view (all of them by default)."""
        wanted = None if keys is None else set(keys)
        return sum(
            row.size for row in self._present() if wanted is None or (row.folder, row.uid) in wanted
        )

    def merge(self, more: Sequence[Summary]) -> int:
        return 0  # not a search: nothing from the server joins it

    def close(self) -> None:
        self.keys = []
