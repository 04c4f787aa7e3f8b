"""The clean-up view (`L`): the largest messages of every folder, to make room (#19)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.app_helpers import demo_app
from tests.test_cache import make
from tui.core.store.cache import Cache
from tui.screens.mailbox import MailboxScreen
from tui.widgets.largest_source import LargestSource
from tui.widgets.message_list import MessageList
from tui.widgets.status_bar import StatusBar


def test_the_largest_of_every_folder_largest_first(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries(
        [make("INBOX", 1, size=10), make("Projets", 4, size=900), make("INBOX", 2, size=500)]
    )
    assert cache.largest(2) == [("Projets", 4, 900), ("INBOX", 2, 500)]
    assert cache.folder_sizes() == [("Projets", 900), ("INBOX", 510)]
    source = LargestSource(lambda: cache)
    assert [(r.folder, r.uid) for r in source.page("", 0, 10)] == [
        ("Projets", 4),
        ("INBOX", 2),
        ("INBOX", 1),
    ]
    assert source.total_size() == 1410 and source.total_size([("INBOX", 2)]) == 500
    assert source.index_of("INBOX", 1) == 2 and source.index_of("Projets", 1) is None
    cache.remove_messages("Projets", [4])  # deleted since: left out
    assert source.count("") == 2 and source.index_of("INBOX", 1) == 1
    cache.close()


async def test_L_shows_them_marks_say_what_deleting_frees_and_esc_goes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            messages = screen.query_one(MessageList)
            status = screen.query_one(StatusBar)
            await pilot.press("L")
            assert isinstance(screen.results, LargestSource)
            rows = [messages.row(i) for i in range(messages.total)]
            sizes = [r.size for r in rows]  # type: ignore[union-attr]
            assert sizes == sorted(sizes, reverse=True)
            assert len({r.folder for r in rows}) > 1  # type: ignore[union-attr]
            assert status.folder.startswith(f"Plus gros messages : {messages.total},")
            assert messages.show_size
            await pilot.press("space", "space")
            assert status.marked == 2 and status.marked_size == sizes[0] + sizes[1]
            await pilot.press("d")
            assert messages.total == len(rows) - 2
            assert status.marked == 0
            await pilot.press("escape")  # back to the folder, newest first
            assert screen.results is None and not messages.show_size
            assert status.folder.startswith("Boîte de réception")
            await pilot.press("u")  # the two come back
            assert (
                app.account.cache.largest(2)
                == [
                    (r.folder, r.uid, r.size)  # type: ignore[union-attr]
                    for r in rows[:2]
                ]
            )


async def test_the_clean_up_view_keeps_its_order_and_says_what_a_mixed_delete_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review: `t` there showed the inbox's threads under the view's status; `d` on
    marks from the Trash and elsewhere said « placés dans la corbeille » of all."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            messages = screen.query_one(MessageList)
            await pilot.press("slash", *"réunion", "enter")  # from a search…
            await pilot.press("L")
            assert not screen.has_class("-searching")  # …its box goes
            await pilot.press("t")
            assert isinstance(messages.source, LargestSource) and not screen.threaded
            trash = app.account.cache.special_folder("trash")
            assert trash is not None
            app.account.cache.put_summaries(
                [
                    replace(
                        app.account.cache.summaries("INBOX", [messages.row(0).uid])[0],
                        folder=trash,
                        uid=999_999,
                        size=10**9,
                    )
                ]  # type: ignore[union-attr]
            )
            screen.action_largest()
            await pilot.press("space", "space", "d")
            assert any("dont 1 définitivement" in n.message for n in app._notifications)
            await pilot.press("slash", *"x", "enter")
            assert not messages.show_size  # a search lists by date


def test_in_a_narrow_pane_the_folder_leaves_room_for_the_subject(tmp_path: Path) -> None:
    """At 160 columns the list pane is ~55 wide: a 16-cell folder ate the subject."""
    from rich.cells import cell_len

    cache = Cache.open(tmp_path / "c.sqlite")
    row = make("Boîte de réception", 1, subject="Conseil pédagogique du 3 décembre")
    _head, _mark, tail = MessageList(cache)._row_parts(row, 55, folder="Boîte de réception")
    cache.close()
    folder, subject = tail.split(" › ", 1)
    assert cell_len(folder) <= 8 and subject.startswith("Conseil")
