"""What the message list reads: a row (a message summary, or anything shaped like one)
and a source of rows by page, plain or threaded or labelled with its folder. The
sources (folder, threads, sorted, search results, clean-up view) implement these; the
list (tui/widgets/message_list.py) draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable


class Row(Protocol):
    """What the list needs of a message summary (tui.core.mail.summary.Summary has it), read
    only: a frozen dataclass fits."""

    @property
    def uid(self) -> int: ...
    @property
    def date(self) -> datetime | None: ...
    @property
    def sender_name(self) -> str: ...
    @property
    def sender_address(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def flags(self) -> frozenset[str]: ...
    @property
    def has_attachment(self) -> bool: ...


class RowSource(Protocol):
    def count(self, folder: str) -> int: ...
    def page(self, folder: str, offset: int, limit: int) -> Sequence[Row]: ...
    def index_of(self, folder: str, uid: int) -> int | None: ...


@runtime_checkable
class ThreadedRowSource(RowSource, Protocol):
    """A source in thread order: how deep the row at an index is (0: a thread's start)."""

    def depth_of(self, index: int) -> int: ...


@runtime_checkable
class FolderLabelledRowSource(RowSource, Protocol):
    """A source mixing folders (search results): the folder to name before a row's
    subject, or "" for the folder the list is showing."""

    def folder_label(self, row: Row) -> str: ...


def markers(row: Row) -> str:
    """Four one-cell markers, like mutt's: N unread, ! flagged, R answered, + attachment."""
    flags = row.flags
    return (
        ("N" if "\\Seen" not in flags else " ")
        + ("!" if "\\Flagged" in flags else " ")
        + ("R" if "\\Answered" in flags else " ")
        + ("+" if row.has_attachment else " ")
    )
