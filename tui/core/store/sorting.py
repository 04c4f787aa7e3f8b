"""The orders a folder can be listed in besides the newest first (#19).

Computed in Python, where names compare without case or accents (SQLite's own
collation knows only ASCII), into a compact array of uids.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.core.mail.patterns import folded
from tui.core.mail.subjects import base_subject

SORT_KEYS = ("date", "size", "sender", "subject")


@dataclass(frozen=True)
class Sort:
    """`reverse` turns the natural order round: newest, largest first; A to Z."""

    key: str = "date"
    reverse: bool = False

    @property
    def is_default(self) -> bool:
        return self.key == "date" and not self.reverse


Row = tuple[int, int, Any]  # Cache.sort_rows: uid, sort_date, the value sorted on
# Natural order of each key: (sort key of a row, descending?).
_ORDERS: dict[str, tuple[Callable[[Row], Any], bool]] = {
    "date": (lambda r: (r[1], r[0]), True),
    "size": (lambda r: (r[2], r[1], r[0]), True),
    "sender": (lambda r: (folded(r[2]), -r[1], -r[0]), False),
    "subject": (lambda r: (folded(base_subject(r[2])), -r[1], -r[0]), False),
}


def sorted_uids(rows: list[Row], sort: Sort) -> array[int]:
    """`rows` from Cache.sort_rows(folder, sort.key), in place, as uids in order."""
    key, descending = _ORDERS.get(sort.key, _ORDERS["date"])
    rows.sort(key=key, reverse=descending != sort.reverse)
    return array("q", (row[0] for row in rows))
