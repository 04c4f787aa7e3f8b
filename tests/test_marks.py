"""Marking several messages and acting on them at once, as a user does it (#19).

Driven with the Pilot on the demo mailbox: what the screen shows (the mark column, the
count in the status bar, the toasts) and what the cache holds afterwards.
"""

from __future__ import annotations

import pytest

from tests.app_helpers import demo_app
from tui.screens.choice import Choice
from tui.screens.mailbox import MailboxScreen
from tui.screens.mark_pattern import MarkPattern
from tui.widgets.message_list import MessageList
from tui.widgets.status_bar import StatusBar


def lines(app: object) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]  # type: ignore[attr-defined]


def toasts(app: object) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


async def test_space_marks_and_moves_on_the_mark_column_comes_and_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            status = app.screen.query_one(StatusBar)
            first = messages.row(0)
            assert first is not None
            plain = lines(app)
            await pilot.press("space", "v")
            assert messages.cursor == 2  # marking moves on, as mutt's tag does
            assert len(messages.marks) == 2 and status.marked == 2
            await pilot.pause()
            shown = lines(app)
            assert shown[0].startswith("*") and shown[1].startswith("*")
            assert shown[2].startswith(" N") or shown[2].startswith("  ")  # blank mark
            assert any("2 marqués" in line for line in shown)
            await pilot.press("k", "space")  # unmark the second
            assert len(messages.marks) == 1
            await pilot.press("escape")  # the first Échap lets the marks go
            assert not messages.marks and status.marked == 0
            await pilot.pause()
            assert lines(app)[:10] == plain[:10]  # the mark column gone with them


async def test_delete_on_marked_messages_removes_them_all_and_u_puts_them_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            messages = app.screen.query_one(MessageList)
            total = messages.total
            uids = [messages.row(i).uid for i in range(3)]  # type: ignore[union-attr]
            await pilot.press("space", "space", "space", "d")
            assert messages.total == total - 3
            assert not messages.marks  # gone with the messages
            assert any("3 messages placés dans la corbeille" in t for t in toasts(app))
            await pilot.press("u")
            assert messages.total == total
            assert [messages.row(i).uid for i in range(3)] == uids  # type: ignore[union-attr]
            assert any("3 messages remis" in t for t in toasts(app))


async def test_read_and_flag_act_on_all_marked_and_keep_the_marks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            messages = app.screen.query_one(MessageList)
            await pilot.press("space", "space")
            rows = [messages.row(i) for i in range(2)]
            assert any("\\Seen" not in r.flags for r in rows)  # type: ignore[union-attr]
            await pilot.press("n")  # one is unread: both become read
            assert all("\\Seen" in messages.row(i).flags for i in range(2))  # type: ignore[union-attr]
            assert len(messages.marks) == 2
            await pilot.press("n")  # all read: all unread
            assert all("\\Seen" not in messages.row(i).flags for i in range(2))  # type: ignore[union-attr]
            await pilot.press("exclamation_mark")
            assert all("\\Flagged" in messages.row(i).flags for i in range(2))  # type: ignore[union-attr]
            await pilot.press("u")  # the flag, for both
            assert all("\\Flagged" not in messages.row(i).flags for i in range(2))  # type: ignore[union-attr]


async def test_V_marks_the_whole_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            await pilot.press("V")
            assert len(messages.marks) == messages.total > 60
            await pilot.press("b", "down", "down", "enter")  # another folder
            assert not messages.marks  # never an action on messages out of sight


async def test_marking_by_pattern_asks_again_on_what_it_cannot_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            messages = screen.query_one(MessageList)
            row = messages.row(0)
            assert row is not None
            word = row.sender_name.split()[-1].lower()
            await pilot.press("T")
            assert isinstance(app.screen, MarkPattern)
            await pilot.press(*word)
            await pilot.press("tab", "tab", *"deux ans", "enter")
            assert isinstance(app.screen, MarkPattern)  # refused, the text kept
            problem = app.screen.query_one("#mark-problem").render()
            assert "n'est pas une durée" in str(problem)
            assert app.screen.query_one("#mark-sender").value == word  # type: ignore[attr-defined]
            await pilot.press(*["backspace"] * 8, "enter")
            assert app.screen is screen
            expected = {
                uid
                for uid, name, address, _subject in app.account.cache.candidates("INBOX")
                if word in name.lower() or word in address.lower()
            }
            assert {uid for _f, uid in messages.marks} == expected and expected
            assert any("marqué" in t for t in toasts(app))


async def test_an_empty_pattern_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("T", "enter")
            assert isinstance(app.screen, MarkPattern)
            assert "au moins un critère" in str(app.screen.query_one("#mark-problem").render())
            await pilot.press("escape")
            assert isinstance(app.screen, MailboxScreen)


async def test_a_batch_over_the_undo_limit_is_asked_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui import undo

    monkeypatch.setattr(undo, "UNDO_MAX_MESSAGES", 2)
    monkeypatch.setattr("tui.screens.message_actions.UNDO_MAX_MESSAGES", 2)
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            total = messages.total
            await pilot.press("space", "space", "space", "d")
            assert isinstance(app.screen, Choice)
            assert "ne pourra pas être annulée" in app.screen.text
            await pilot.press("escape")
            assert messages.total == total and len(messages.marks) == 3  # nothing done
            await pilot.press("d")
            await pilot.press("right", "enter")  # « Continuer »
            assert messages.total == total - 3


# --- found by the review ---------------------------------------------------------------


async def test_marking_by_a_huge_size_does_not_end_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("T", "tab", "tab", "tab", *"99999999999", "space", "G", "o", "enter")
            assert isinstance(app.screen, MarkPattern)  # refused, in words
            assert "aussi gros" in str(app.screen.query_one("#mark-problem").render())


async def test_n_over_the_undo_limit_asks_first_and_u_then_undoes_nothing_older(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui import undo

    monkeypatch.setattr(undo, "UNDO_MAX_MESSAGES", 2)
    monkeypatch.setattr("tui.screens.message_actions.UNDO_MAX_MESSAGES", 2)
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            messages = app.screen.query_one(MessageList)
            total = messages.total
            await pilot.press("end", "d")  # undoable
            await pilot.press("home", "space", "space", "space", "n")
            assert isinstance(app.screen, Choice)  # asked, as d, m and A do
            await pilot.press("right", "enter")  # « Continuer »
            assert all("\\Seen" in messages.row(i).flags for i in range(3))  # type: ignore[union-attr]
            assert not any(t.startswith("3 messages") and "u pour" in t for t in toasts(app))
            assert not app.account.can_undo  # `u` greyed out: the delete before stays
            await pilot.press("u")
            assert messages.total == total - 1


async def test_d_while_reading_acts_on_the_message_read_not_marks_out_of_sight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            messages = screen.query_one(MessageList)
            marked = [messages.row(i).uid for i in range(2)]  # type: ignore[union-attr]
            await pilot.press("space", "space", "j", "j", "j", "enter")
            assert screen.reading  # 80 columns: the reader has the screen
            opened = screen.opened
            await pilot.press("d")
            assert messages.has_uid(marked[0]) and messages.has_uid(marked[1])
            assert opened is not None and not messages.has_uid(opened[1])


async def test_marks_of_messages_a_sync_removed_are_let_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            messages = screen.query_one(MessageList)
            uids = [messages.row(i).uid for i in range(3)]  # type: ignore[union-attr]
            await pilot.press("space", "space", "space")
            screen.account.cache.remove_messages("INBOX", uids[:2])  # gone elsewhere
            screen.refresh_folder("INBOX")
            await pilot.pause()
            assert screen.query_one(StatusBar).marked == 1


async def test_marks_do_not_survive_a_uidvalidity_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    """A renumbered folder is fetched again: the same uids name other messages."""
    from tui.bridge import carry
    from tui.core.account.contract import FolderSynced
    from tui.core.account.sync import FolderSyncResult

    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            await pilot.press("space")
            assert messages.marks
            app.post_message(carry(FolderSynced(FolderSyncResult("INBOX", new=3, reset=True))))
            await pilot.pause()
            assert not messages.marks
