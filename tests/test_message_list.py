"""The virtual message list: paging, cursor keys, selection kept across reloads, hostile text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult

from tui.widgets.message_list import PAGE_SIZE, MessageList


@dataclass(frozen=True)
class FakeRow:
    uid: int
    date: datetime | None
    sender_name: str
    sender_address: str
    subject: str
    size: int
    flags: frozenset[str]
    has_attachment: bool = False


@dataclass
class FakeSource:
    rows: list[FakeRow]
    pages_read: list[int] = field(default_factory=list)

    def count(self, folder: str) -> int:
        return len(self.rows)

    def page(self, folder: str, offset: int, limit: int) -> list[FakeRow]:
        self.pages_read.append(offset)
        return self.rows[offset : offset + limit]

    def index_of(self, folder: str, uid: int) -> int | None:
        for index, row in enumerate(self.rows):
            if row.uid == uid:
                return index
        return None


def make_rows(count: int, subject: str = "Conseil de classe {n}") -> list[FakeRow]:
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)
    return [
        FakeRow(
            uid=count - n,
            date=start - timedelta(minutes=n),
            sender_name="Marie Durand",
            sender_address="marie.durand@ac-dijon.fr",
            subject=subject.format(n=n),
            size=2048,
            flags=frozenset() if n % 3 else frozenset({"\\Seen"}),
        )
        for n in range(count)
    ]


class ListApp(App[None]):
    def __init__(self, source: FakeSource, *, page_scroll: bool = False) -> None:
        super().__init__()
        self.source = source
        self.page_scroll = page_scroll
        self.highlighted: list[int | None] = []

    def compose(self) -> ComposeResult:
        yield MessageList(self.source, page_scroll=self.page_scroll)

    def on_mount(self) -> None:
        message_list = self.query_one(MessageList)
        message_list.show_folder("INBOX")
        message_list.focus()

    def on_message_list_highlighted(self, event: MessageList.Highlighted) -> None:
        self.highlighted.append(event.uid)


async def test_large_folder_reads_only_the_pages_it_shows() -> None:
    source = FakeSource(make_rows(50_000))
    app = ListApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down", "j")
        message_list = app.query_one(MessageList)
        assert message_list.cursor == 3
        assert message_list.selected_uid == 50_000 - 3
        assert source.pages_read == [0]
        await pilot.press("end")
        assert message_list.cursor == 49_999
        assert message_list.scroll_offset.y > 49_000
        assert len(source.pages_read) == 2
        await pilot.press("home", "pagedown")
        assert 20 <= message_list.cursor <= 24


async def test_selection_stays_on_the_same_message_when_new_mail_arrives() -> None:
    source = FakeSource(make_rows(500))
    app = ListApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down")
        message_list = app.query_one(MessageList)
        uid = message_list.selected_uid
        newer = make_rows(3, subject="Nouveau {n}")
        source.rows = [
            FakeRow(1000 + r.uid, r.date, r.sender_name, r.sender_address, r.subject, 1, r.flags)
            for r in newer
        ] + source.rows
        message_list.reload()
        await pilot.pause()
        assert message_list.selected_uid == uid
        assert message_list.cursor == 5


async def test_hostile_subject_is_shown_literally_and_clicking_does_nothing() -> None:
    source = FakeSource(make_rows(5, subject="[@click=app.quit]x[/] \x1b]0;pwned\x07 [b]gras {n}"))
    app = ListApp(source)
    async with app.run_test(size=(100, 10)) as pilot:
        message_list = app.query_one(MessageList)
        line = "".join(segment.text for segment in message_list.render_line(0))
        assert "[@click=app.quit]x[/]" in line
        assert "\x1b" not in line and "pwned" not in line and "[b]gras 0" in line
        await pilot.click(MessageList, offset=(60, 0))
        await pilot.pause()
        assert app.is_running


async def test_empty_folder_says_so() -> None:
    app = ListApp(FakeSource([]))
    async with app.run_test(size=(80, 24)):
        message_list = app.query_one(MessageList)
        line = "".join(segment.text for segment in message_list.render_line(0))
        assert "Aucun message" in line
        assert message_list.selected_uid is None


def test_page_size_is_a_screenful_or_more() -> None:
    assert PAGE_SIZE >= 100


async def test_a_cursor_move_repaints_two_rows_and_not_the_scrollbar() -> None:
    """Over SSH every cell counts: a move resends the two rows, nothing beside them."""
    app = ListApp(FakeSource(make_rows(500)))
    async with app.run_test(size=(80, 24)) as pilot:
        message_list = app.query_one(MessageList)
        await pilot.pause()
        regions: list[object] = []
        original = message_list.refresh

        def spy(*args: object, **kwargs: object) -> object:
            regions.extend(args)
            return original(*args, **kwargs)  # type: ignore[arg-type]

        message_list.refresh = spy  # type: ignore[method-assign]
        await pilot.press("j")
        await pilot.pause()
        width = message_list.scrollable_content_region.width
        assert width < message_list.region.width  # there is a scrollbar to spare
        assert len(regions) == 2
        assert all(r.height == 1 and r.width == width for r in regions)  # type: ignore[attr-defined]


@pytest.mark.parametrize("page_scroll", [True, False])
async def test_moving_past_the_edge_shows_a_page_or_a_line(page_scroll: bool) -> None:
    """mutt's default (a new page, the cursor on its first row) redraws the list once a
    screenful; line by line, every move past the edge redraws it."""
    app = ListApp(FakeSource(make_rows(500)), page_scroll=page_scroll)
    async with app.run_test(size=(80, 12)) as pilot:
        message_list = app.query_one(MessageList)
        height = message_list.scrollable_content_region.height
        await pilot.press(*["j"] * height)  # one past the last visible row
        assert message_list.cursor == height
        top = message_list.scroll_offset.y
        assert top == (height if page_scroll else 1)
        await pilot.press("j")
        assert message_list.scroll_offset.y == (top if page_scroll else top + 1)
        await pilot.press(*["j"] * height)  # further down, then back above the view
        top = message_list.scroll_offset.y
        await pilot.press(*["k"] * (message_list.cursor - top + 1))
        assert message_list.cursor == top - 1
        expected = max(top - height, 0) if page_scroll else top - 1
        assert message_list.scroll_offset.y == expected


async def test_page_down_and_up_show_every_row_in_page_mode() -> None:
    """Pages sit side by side: PgDn/PgUp in page mode never skip a message."""
    app = ListApp(FakeSource(make_rows(500)), page_scroll=True)
    async with app.run_test(size=(80, 12)) as pilot:
        message_list = app.query_one(MessageList)
        height = message_list.scrollable_content_region.height
        seen: set[int] = set()
        for key in ["pagedown"] * 4 + ["pageup"] * 4:
            top = message_list.scroll_offset.y
            seen.update(range(top, top + height))
            await pilot.press(key)
            assert message_list.scroll_offset.y % height == 0
        deepest = max(seen)
        assert seen >= set(range(deepest + 1))  # nothing between the pages went unseen
