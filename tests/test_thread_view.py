"""The threaded view of the message list, driven with the Pilot on the demo mailbox:
the toggle, the selection kept, the depth marks, search staying flat, re-threading only
when messages come or go, and a cursor move still repainting two lines."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.strip import Strip

from tests.app_helpers import demo_app
from tests.test_message_list import FakeRow, FakeSource, make_rows
from tui.config import load_config
from tui.core.errors import ConfigError
from tui.core.mail.subjects import base_subject
from tui.screens.mailbox import MailboxScreen
from tui.widgets import thread_source
from tui.widgets.message_list import MessageList
from tui.widgets.results import ResultsSource
from tui.widgets.thread_source import ThreadedSource

REPLY = "Re: Réunion de l'équipe de lettres"


def line(messages: MessageList, y: int) -> str:
    return "".join(segment.text for segment in messages.render_line(y))


def subject_at(messages: MessageList, index: int) -> str:
    row = messages.row(index)
    assert row is not None
    return row.subject


async def test_toggle_groups_the_reply_under_its_thread_and_keeps_the_selection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen) and not screen.threaded
            messages = screen.query_one(MessageList)
            await pilot.press("down", "down", "down")  # the newest reply, flat
            uid = messages.selected_uid
            assert subject_at(messages, 3) == REPLY and "└" not in line(messages, 3)
            total = messages.total

            await pilot.press("t")
            assert screen.threaded and isinstance(messages.source, ThreadedSource)
            assert messages.total == total
            assert messages.selected_uid == uid and messages.cursor == 4
            # The thread's start (older) comes first, its reply under it, marked.
            assert subject_at(messages, 3) == "Réunion de l'équipe de lettres"
            # The reply only repeats its parent's subject: its mark stands alone (mutt).
            assert "└" in line(messages, 4) and "Réunion" not in line(messages, 4)
            assert "└" not in line(messages, 3)
            assert any("fil de discussion" in n.message for n in app._notifications)

            await pilot.press("up")  # the list is really in the new order
            assert subject_at(messages, messages.cursor) == "Réunion de l'équipe de lettres"
            await pilot.press("down", "t")
            assert not screen.threaded and messages.source is app.account.cache
            assert messages.selected_uid == uid and messages.cursor == 3
            assert "└" not in line(messages, 3)


async def test_config_makes_threads_the_default_and_search_stays_flat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        app.config.ui["threads"] = True
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            messages = screen.query_one(MessageList)
            assert screen.threaded and isinstance(messages.source, ThreadedSource)
            # The reply only repeats its parent's subject: its mark stands alone (mutt).
            assert "└" in line(messages, 4) and "Réunion" not in line(messages, 4)

            await pilot.press("slash", *"réunion", "enter")
            assert isinstance(messages.source, ResultsSource)
            assert not any("└" in line(messages, y) for y in range(messages.total))
            assert screen.check_action("toggle_threads", ()) is None  # greyed out
            await pilot.press("t")
            assert isinstance(messages.source, ResultsSource) and screen.threaded

            await pilot.press("escape")
            assert isinstance(messages.source, ThreadedSource)
            # The reply only repeats its parent's subject: its mark stands alone (mutt).
            assert "└" in line(messages, 4) and "Réunion" not in line(messages, 4)


async def test_flags_do_not_rethread_new_mail_does_and_keeps_the_selection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[int] = []
    real = thread_source.thread_order

    def counted(rows):  # type: ignore[no-untyped-def]
        runs.append(1)
        return real(rows)

    monkeypatch.setattr(thread_source, "thread_order", counted)
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            messages = screen.query_one(MessageList)
            await pilot.press("t", "down", "down", "down")
            assert len(runs) == 1
            start = messages.row(messages.cursor)
            assert start is not None and start.subject == "Réunion de l'équipe de lettres"

            await pilot.press("exclamation_mark")  # a flag: same threads, new flags shown
            row = messages.row(messages.cursor)
            assert row is not None and "\\Flagged" in row.flags
            assert len(runs) == 1

            # New mail: a second reply to the thread's start, and a newer lone message.
            cache = app.account.cache
            assert start.date is not None
            later = start.date + timedelta(days=2)
            answer = replace(
                start,
                uid=900,
                date=later,
                subject="Re: Réunion (salle 14)",
                message_id="<900@ac-dijon.fr>",
                in_reply_to=start.message_id,
                references=start.message_id,
                flags=frozenset(),
            )
            alone = replace(
                answer,
                uid=901,
                date=later + timedelta(days=9),
                subject="Nouveau",
                message_id="<901@ac-dijon.fr>",
                in_reply_to="",
                references="",
            )
            cache.put_summaries([answer, alone])
            screen.refresh_folder("INBOX")
            await pilot.pause()
            assert len(runs) == 2
            # The revived thread moves above the newsletter; the cursor follows it.
            assert subject_at(messages, 0) == "Nouveau"
            assert messages.selected_uid == start.uid and messages.cursor == 3
            assert [subject_at(messages, i) for i in (4, 5)] == [REPLY, "Re: Réunion (salle 14)"]
            assert "└ Re: Réunion (salle 14)" in line(messages, 5)
            assert subject_at(messages, 6).startswith("La lettre du numérique")


async def test_cursor_move_repaints_only_the_two_lines_in_threaded_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            await pilot.press("t", "down", "down", "down")
            await pilot.pause()
            painted: list[int] = []
            original = messages.render_line

            def render_line(y: int) -> Strip:
                painted.append(y)
                return original(y)

            monkeypatch.setattr(messages, "render_line", render_line)
            await pilot.press("down")  # onto the reply with its tree mark
            await pilot.pause()
            assert sorted(set(painted)) == [3, 4]
            painted.clear()
            await pilot.press("up")
            await pilot.pause()
            assert sorted(set(painted)) == [3, 4]


def test_threads_setting_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[ui]\nthreads = true\n", encoding="utf-8")
    assert load_config(path).ui["threads"] is True
    path.write_text('[ui]\nthreads = "oui"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "ui.threads" in caught.value.message and "true ou false" in caught.value.message
    path.write_text("[ui]\nthread = true\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "Vouliez-vous dire « threads »" in caught.value.message


# --- the widget alone: depth marks from any source that knows depths -------------------


@dataclass
class DepthSource(FakeSource):
    depths: list[int] | None = None

    def depth_of(self, index: int) -> int:
        return self.depths[index] if self.depths and 0 <= index < len(self.depths) else 0


class ListApp(App[None]):
    def __init__(self, source: FakeSource) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        yield MessageList(self.source)

    def on_mount(self) -> None:
        self.query_one(MessageList).show_folder("INBOX")


@pytest.mark.parametrize("width", [40, 80, 120])
async def test_depth_marks_are_plain_text_and_fill_the_line(width: int) -> None:
    rows: list[FakeRow] = make_rows(4, subject="[@click=app.quit]x[/] \x1b]0;pwned\x07 [b]{n}")
    source = DepthSource(rows, depths=[0, 1, 2, 200])
    app = ListApp(source)
    async with app.run_test(size=(width, 10)) as pilot:
        messages = app.query_one(MessageList)
        shown = [line(messages, y) for y in range(4)]
        assert "└" not in shown[0] and "[@click=app" in shown[0]
        assert "\x1b" not in "".join(shown) and "pwned" not in "".join(shown)
        assert all(len(text) == messages.scrollable_content_region.width for text in shown)
        # Deeper rows are indented further, up to a bound that leaves room for the subject.
        marks = [text.index("└") for text in shown[1:]]
        assert marks[0] <= marks[1] <= marks[2]
        assert marks[0] < marks[1] or width < 60
        assert "[@click" in shown[3]
        await pilot.click(MessageList, offset=(width - 5, 1))
        await pilot.pause()
        assert app.is_running


async def test_a_reply_that_changes_the_subject_shows_it() -> None:
    rows: list[FakeRow] = make_rows(4, subject="Sortie au musée")
    rows = [
        replace(rows[0], subject="Sortie au musée"),
        replace(rows[1], subject="RE : Réf. : sortie  AU musée"),
        replace(rows[2], subject="Re: Sortie au musée — car réservé"),
        replace(rows[3], subject="TR: Re: Sortie au musée — car réservé"),
    ]
    app = ListApp(DepthSource(rows, depths=[0, 1, 1, 2]))
    async with app.run_test(size=(80, 10)):
        messages = app.query_one(MessageList)
        shown = [line(messages, y) for y in range(4)]
        assert "Sortie au musée" in shown[0]
        assert "└" in shown[1] and "musée" not in shown[1]  # same subject, prefixes aside
        assert "car réservé" in shown[2]  # a new subject is news: shown
        assert "└" in shown[3] and "car" not in shown[3]


def test_base_subject_ignores_prefixes_case_and_spaces() -> None:
    assert base_subject("RE: Réf. : TR:  Sortie AU musée ") == "sortie au musée"
    assert base_subject("Fwd: Re: AW: x") == base_subject("x")
    assert base_subject("Re: Sortie — car") != base_subject("Sortie")
    # Hostile: long runs of spaces made the prefix pattern backtrack for tens of seconds.
    assert base_subject("Re" + " " * 4000 + "x") == "re x"
    assert base_subject("Re :" + " \t" * 3000 + "Sortie") == "sortie"
