"""The message list: a Line-API view that draws only visible rows, read by page from the cache.

No widget per message: a 50,000-message folder costs one count query and one page of
rows per screenful (PITFALLS.md: DataTable and ListView do not scale). The cursor is a
reactive with repaint=False; moving it repaints two lines, not the widget. A source that
knows threads (`ThreadedRowSource`) gives each row a depth, drawn as an indent; a reply
whose subject only repeats the row above's (« Re: » added) shows its mark alone, as mutt
does, so a conversation reads as one subject and its replies.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from tui.boundary import report
from tui.core.i18n import _
from tui.core.mail.formatting import list_date, size_short
from tui.core.mail.sanitize import clean_line
from tui.core.mail.subjects import base_subject
from tui.widgets.lines import LinesView
from tui.widgets.rows import FolderLabelledRowSource, Row, RowSource, ThreadedRowSource, markers

T = TypeVar("T")

PAGE_SIZE = 200
PAGES_KEPT = 16
THREAD_MARK = "└ "
THREAD_INDENT = 2  # cells per level of a reply
THREAD_LEVELS = 8  # deeper replies are drawn at this level
MARK = "*"  # in the mark column, before the markers, as mutt tags
FOLDER_LABEL_CELLS = 16  # a search result's folder, before its subject


@dataclass(frozen=True)
class _Columns:
    date: int
    sender: int
    size: int


class MessageList(LinesView, can_focus=True):
    """Virtual list of one folder's messages, newest first."""

    COMPONENT_CLASSES = {
        "message-list--cursor",
        "message-list--unread",
        "message-list--flagged",
        "message-list--deleted",
        "message-list--empty",
        "message-list--thread",
        "message-list--marked",
    }

    DEFAULT_CSS = """
    MessageList {
        background: $surface;
        overflow-x: hidden;
    }
    MessageList > .message-list--cursor {
        background: $block-cursor-blurred-background;
    }
    MessageList:focus > .message-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    MessageList > .message-list--unread {
        text-style: bold;
    }
    MessageList > .message-list--flagged {
        color: $warning;
    }
    MessageList > .message-list--deleted {
        color: $text-muted;
        text-style: strike;
    }
    MessageList > .message-list--empty {
        color: $text-muted;
    }
    MessageList > .message-list--thread {
        color: $text-muted;
    }
    MessageList > .message-list--marked {
        background: $primary-muted;
    }
    """

    BINDINGS = [
        Binding("up,k", "cursor_up", _("Précédent"), show=False, id="list.up"),
        Binding("down,j", "cursor_down", _("Suivant"), show=False, id="list.down"),
        Binding("pageup", "page_up", _("Page précédente"), show=False, id="list.page_up"),
        Binding("pagedown", "page_down", _("Page suivante"), show=False, id="list.page_down"),
        Binding("home,g", "first", _("Premier message"), show=False, id="list.first"),
        Binding("end,G", "last", _("Dernier message"), show=False, id="list.last"),
        Binding("enter", "open", _("Ouvrir"), show=False, id="list.open"),
        Binding("space,v", "toggle_mark", _("Marquer"), show=False, id="list.mark"),
    ]

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    class Highlighted(Message):
        """The cursor moved onto a message."""

        def __init__(self, folder: str, uid: int | None) -> None:
            super().__init__()
            self.folder = folder
            self.uid = uid

    class MarksChanged(Message):
        """Messages were marked or unmarked: how many are marked now."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class Opened(Message):
        """Enter (or a click on the row under the cursor) on a message."""

        def __init__(self, folder: str, uid: int) -> None:
            super().__init__()
            self.folder = folder
            self.uid = uid

    def __init__(
        self, source: RowSource, *, page_scroll: bool = False, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.source = source  # a property: it notes whether the source knows threads
        # Past the last row, show the next page (mutt's default) rather than one more
        # line: scrolling redraws every visible row (~3 KB at 80x24), so holding j
        # through a folder costs one redraw a page instead of one a line.
        self.page_scroll = page_scroll
        self.folder = ""
        self.total = 0
        self._pages: OrderedDict[int, Sequence[Row]] = OrderedDict()
        self.empty_text = _("Aucun message dans ce dossier.")
        # Called at once on Enter, instead of the Opened message, by an owner that must
        # act before the next key (keys typed ahead over SSH: tui/typeahead.py).
        self.opener: Callable[[str, int], None] | None = None
        # The size column at every width, not only from 100 columns (sorted by size).
        self.show_size = False
        # Marked messages, (folder, uid): the batch the next action applies to. The
        # mark column is drawn only while there are some.
        self.marks: set[tuple[str, int]] = set()

    # --- data ---------------------------------------------------------------------

    @property
    def source(self) -> RowSource:
        return self._source

    @source.setter
    def source(self, source: RowSource) -> None:
        self._source = source
        self._threads = source if isinstance(source, ThreadedRowSource) else None
        self._labels = source if isinstance(source, FolderLabelledRowSource) else None

    def show_folder(self, folder: str) -> None:
        """Switch to another folder, cursor on its newest message; marks are let go
        (an action never applies to messages out of sight)."""
        self.folder = folder
        if self.marks:
            self.set_marks(())
        self._pages.clear()
        self.total = self._read(lambda: self.source.count(folder), 0)
        self._resize()
        self.set_reactive(MessageList.cursor, 0)
        self.scroll_to(0, 0, animate=False)
        self.refresh()
        self._announce()

    def reload(self) -> None:
        """Re-read the folder after a sync, keeping the cursor on the same message."""
        row = self.row(self.cursor)
        selected = row.uid if row is not None else None
        # Search results span folders: the row's own folder tells equal uids apart.
        folder = getattr(row, "folder", self.folder)
        self._pages.clear()
        self.total = self._read(lambda: self.source.count(self.folder), 0)
        self._resize()
        index = (
            self._read(lambda: self.source.index_of(folder, selected), None)
            if selected is not None
            else None
        )
        if index is None:
            index = min(self.cursor, max(self.total - 1, 0))
        self.set_reactive(MessageList.cursor, index)
        self._scroll_to_cursor()
        self.refresh()
        if index != self.cursor or self.selected_uid != selected:
            self._announce()

    def switch_source(self, source: RowSource) -> None:
        """Show the folder from another source (threaded or flat) with the same message
        under the cursor: the list does not scroll if it is still in view, else it comes
        at the height on screen it had."""
        selected = self.selected_uid
        top = self.scroll_offset.y
        height = self.cursor - top
        self.source = source
        self._pages.clear()
        self.total = self._read(lambda: source.count(self.folder), 0)
        self._resize()
        index = (
            self._read(lambda: source.index_of(self.folder, selected), None)
            if selected is not None
            else None
        )
        self.set_reactive(MessageList.cursor, index if index is not None else 0)
        if not top <= self.cursor < top + self.scrollable_content_region.height:
            self.scroll_to(y=max(self.cursor - height, 0), animate=False, immediate=True)
        self._scroll_to_cursor()
        self.refresh()
        if self.selected_uid != selected:
            self._announce()

    def has_uid(self, uid: int) -> bool:
        """Whether the folder shown still holds this message."""
        return self._read(lambda: self.source.index_of(self.folder, uid), None) is not None

    def select_uid(self, uid: int) -> None:
        """Put the cursor on this message, if the folder has it."""
        index = self._read(lambda: self.source.index_of(self.folder, uid), None)
        if index is not None:
            self.cursor = index

    # --- marks --------------------------------------------------------------------

    def key_of(self, row: Row) -> tuple[str, int]:
        # Search results span folders: the row's own folder tells equal uids apart.
        return (getattr(row, "folder", self.folder), row.uid)

    def set_marks(self, keys: Iterable[tuple[str, int]]) -> None:
        self.marks = set(keys)
        self.refresh()  # the mark column comes or goes: every row moves
        self.post_message(self.MarksChanged(len(self.marks)))

    def action_toggle_mark(self) -> None:
        """Mark or unmark the message under the cursor, then go to the next one."""
        row = self.row(self.cursor)
        if row is None:
            return
        key = self.key_of(row)
        had_marks = bool(self.marks)
        self.marks.symmetric_difference_update({key})
        if had_marks != bool(self.marks):
            self.refresh()
        else:
            self.refresh_line(self.cursor)
        self.post_message(self.MarksChanged(len(self.marks)))
        self.cursor += 1

    def _read(self, read: Callable[[], T], default: T) -> T:
        """A read of the cache; a damaged file (SQLite's « malformed ») must not end
        the app before the worker's check sets it aside and rebuilds it (issue #15)."""
        try:
            return read()
        except Exception as error:
            report(self, error, "message list read")
            return default

    def row(self, index: int) -> Row | None:
        if not 0 <= index < self.total:
            return None
        number, offset = divmod(index, PAGE_SIZE)
        page = self._pages.get(number)
        if page is None:
            page = self._read(
                lambda: self.source.page(self.folder, number * PAGE_SIZE, PAGE_SIZE), None
            )
            if page is None:
                return None  # unreadable for now: asked again at the next draw
            self._pages[number] = page
            while len(self._pages) > PAGES_KEPT:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[offset] if offset < len(page) else None

    @property
    def selected_uid(self) -> int | None:
        row = self.row(self.cursor)
        return row.uid if row is not None else None

    def _resize(self) -> None:
        # The content width, not the widget's: wider would add a horizontal scrollbar
        # that is redrawn with every cursor move. Hidden (the reader in its place at
        # 80x24), the list keeps its width: shown again, it is not laid out and painted
        # a second time for a width that changed back (#21, Échap).
        width = self.scrollable_content_region.width or self.virtual_size.width
        self.virtual_size = Size(width, self.total)

    # --- drawing ------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._resize()
        self._scroll_to_cursor()

    def _columns(self, width: int) -> _Columns:
        # Dates are at most 8 cells: "14:05", "22 nov.", "12 sept.", "12/03/24".
        size = 7 if self.show_size else 0
        if width >= 100:
            return _Columns(date=8, sender=24, size=7)
        if width >= 60:
            return _Columns(date=8, sender=18, size=size)
        return _Columns(date=8, sender=14, size=size)

    def render_line(self, y: int) -> Strip:
        try:
            return self._render_row(y)
        except Exception as error:  # one bad row shows as such; the list keeps working
            report(self, error, "message list row")
            text = " " + _("message illisible")
            width = self.scrollable_content_region.width
            return Strip([Segment(set_cell_size(text, width), self.rich_style)], width)

    def _render_row(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if self.total == 0:
            if y == 0:
                style = base + self.get_component_rich_style("message-list--empty")
                return Strip([Segment(set_cell_size(" " + self.empty_text, width), style)])
            return Strip.blank(width, base)
        row = self.row(index)
        if row is None:
            return Strip.blank(width, base)
        style = base
        if "\\Seen" not in row.flags:
            style += self.get_component_rich_style("message-list--unread")
        if "\\Flagged" in row.flags:
            style += self.get_component_rich_style("message-list--flagged")
        if "\\Deleted" in row.flags:
            style += self.get_component_rich_style("message-list--deleted")
        marked = self.key_of(row) in self.marks if self.marks else None
        if marked:
            style += self.get_component_rich_style("message-list--marked")
        on_cursor = index == self.cursor
        if on_cursor:
            style += self.get_component_rich_style("message-list--cursor")
        depth = self._threads.depth_of(index) if self._threads is not None else 0
        hide = self._repeats_above(index, row)
        head, mark, tail = self._row_parts(row, width, depth, hide, self._folder_of(row), marked)
        if not mark:
            return Strip([Segment(head + tail, style)], width)
        mark_style = base + self.get_component_rich_style("message-list--thread")
        if on_cursor:
            mark_style += self.get_component_rich_style("message-list--cursor")
        return Strip([Segment(head, style), Segment(mark, mark_style), Segment(tail, style)], width)

    def _repeats_above(self, index: int, row: Row) -> bool:
        """In threaded order: does this reply's subject only repeat the row above's?"""
        if self._threads is None or index == 0 or not self._threads.depth_of(index):
            return False
        above = self.row(index - 1)
        return above is not None and base_subject(row.subject) == base_subject(above.subject)

    def _folder_of(self, row: Row) -> str:
        return self._labels.folder_label(row) if self._labels is not None else ""

    def _row_parts(
        self,
        row: Row,
        width: int,
        depth: int = 0,
        hide_subject: bool = False,
        folder: str = "",
        marked: bool | None = None,
    ) -> tuple[str, str, str]:
        """The row as three runs of plain text filling `width` cells: before the
        subject, the thread mark (indent and `└`, empty at depth 0), the rest.
        `marked`: None while nothing is marked (no mark column), else this row's mark."""
        columns = self._columns(width)
        sender = clean_line(row.sender_name or row.sender_address)
        date = list_date(row.date, columns.date)
        head = "" if marked is None else (MARK if marked else " ")
        head += f"{markers(row)} {set_cell_size(date, columns.date)} "
        head += set_cell_size(sender, columns.sender) + " "
        head = set_cell_size(head, min(cell_len(head), width))  # cut, never padded
        size = f" {size_short(row.size):>6}" if columns.size else ""
        subject_width = max(width - cell_len(head) - len(size), 0)
        mark = ""
        if depth:
            # At most a third of the subject goes to the indent: the subject is the point.
            levels = min(depth, THREAD_LEVELS, max(subject_width // 3 // THREAD_INDENT, 1))
            mark = (" " * THREAD_INDENT * (levels - 1) + THREAD_MARK)[:subject_width]
        subject = "" if hide_subject else clean_line(row.subject)
        if folder:
            # The subject is the point: in a narrow pane the folder gets a third of the room.
            room = FOLDER_LABEL_CELLS if subject_width >= 40 else max(subject_width // 3, 4)
            if cell_len(folder) > room:
                folder = set_cell_size(folder, room - 1) + "…"
            subject = f"{folder} › {subject}"  # plain text: both are sanitised
        tail = set_cell_size(subject, subject_width - len(mark)) + size
        return head, mark, set_cell_size(tail, width - cell_len(head) - len(mark))

    # --- cursor -------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.total - 1)) if self.total else 0

    def refresh_line(self, y: int) -> None:
        """Repaint one row of the content. ScrollView's own spans the widget's full
        width, so every cursor move also resent the scrollbar's cells: ~80 of 351 bytes
        per move at 80x24 (bench/README.md)."""
        width = self.scrollable_content_region.width
        self.refresh(Region(0, y - self.scroll_offset.y, width, 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_to_cursor()
        self._announce()

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if self.cursor < top:
            # Up past the first row: whole pages up, so no row is skipped (PgUp too).
            pages = -(-(top - self.cursor) // height) if height else 0
            y = top - pages * height if self.page_scroll and height else self.cursor
            self.scroll_to(y=max(y, 0), animate=False, immediate=True)
        elif height and self.cursor >= top + height:
            # Down past the last row: whole pages down, the pages side by side.
            pages = (self.cursor - top) // height
            y = top + pages * height if self.page_scroll else self.cursor - height + 1
            self.scroll_to(y=y, animate=False, immediate=True)

    def _announce(self) -> None:
        row = self.row(self.cursor)
        folder = getattr(row, "folder", self.folder) if row is not None else self.folder
        self.post_message(self.Highlighted(folder, row.uid if row is not None else None))

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= max(self.scrollable_content_region.height - 1, 1)

    def action_page_down(self) -> None:
        self.cursor += max(self.scrollable_content_region.height - 1, 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.total - 1

    def action_open(self) -> None:
        row = self.row(self.cursor)
        if row is not None:
            # Search results span folders: a row that knows its folder says so.
            folder = getattr(row, "folder", self.folder)
            if self.opener is not None:
                self.opener(folder, row.uid)
            else:
                self.post_message(self.Opened(folder, row.uid))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < self.total:
            if index == self.cursor or event.chain > 1:
                self.cursor = index
                self.action_open()
            else:
                self.cursor = index
