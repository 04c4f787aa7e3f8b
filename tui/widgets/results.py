"""Search results as a row source, so the same virtual list shows them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tui.core.cache import Summary


@dataclass
class ResultsSource:
    """Summaries from several folders; a message is its (folder, uid), a uid alone is not."""

    rows: list[Summary] = field(default_factory=list)

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
        known = {(r.folder, r.uid) for r in self.rows}
        new = [r for r in more if (r.folder, r.uid) not in known]
        if new:
            epoch = 0.0
            self.rows = sorted(
                self.rows + new,
                key=lambda r: (r.date.timestamp() if r.date else epoch, r.uid),
                reverse=True,
            )
        return len(new)
