"""Search results as a row source, so the same virtual list shows them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tui.core.cache import Cache, Summary
from tui.core.sanitize import clean_line


@dataclass
class ResultsSource:
    """Summaries from several folders; a message is its (folder, uid), a uid alone is not."""

    rows: list[Summary] = field(default_factory=list)
    # The folder searched from, whose rows need no label, and how to name the others.
    home: str = ""
    label_of: Callable[[str], str] = clean_line
    # Every message the search matched, even one removed since: an undo brings it back.
    matched: list[Summary] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self.matched = list(self.rows)

    def folder_label(self, row: Summary) -> str:
        return "" if row.folder == self.home else self.label_of(row.folder)

    def count(self, folder: str) -> int:
        return len(self.rows)

    def page(self, folder: str, offset: int, limit: int) -> list[Summary]:
        return self.rows[offset : offset + limit]

    def index_of(self, folder: str, uid: int) -> int | None:
        for index, row in enumerate(self.rows):
            if row.uid == uid and row.folder == folder:
                return index
        return None

    def merge(self, more: Sequence[Summary]) -> int:
        """Add server results not already listed; newest first. Returns how many were new."""
        known = {(r.folder, r.uid) for r in self.matched}
        new = [r for r in more if (r.folder, r.uid) not in known]
        if new:
            self.matched = _newest_first(self.matched + new)
            self.rows = _newest_first(self.rows + new)
        return len(new)

    def refresh(self, cache: Cache) -> None:
        """Re-read the matches after an action: flags as they are now, a message deleted,
        moved or archived left out (and back after an undo)."""
        found = (cache.summary(r.folder, r.uid) for r in self.matched)
        self.rows = [r for r in found if r is not None]


def _newest_first(rows: list[Summary]) -> list[Summary]:
    epoch = 0.0
    return sorted(
        rows, key=lambda r: (r.date.timestamp() if r.date else epoch, r.uid), reverse=True
    )
