"""The mailbox screen on the demo mailbox, driven with the Pilot as a user would."""

from __future__ import annotations

import email
import email.policy
import gc
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from tests.app_helpers import burst, demo_app
from tui.screens.mailbox import MailboxScreen
from tui.widgets.message_list import MessageList
from tui.widgets.reader import Reader


def body_text(app: object) -> str:
    reader = app.screen.query_one(Reader)  # type: ignore[attr-defined]
    return reader.text


async def test_open_read_and_return_at_80x24(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            messages = screen.query_one(MessageList)
            assert messages.total > 60
            first = messages.row(0)
            assert first is not None and "\\Seen" not in first.flags
            await pilot.press("enter")
            assert screen.reading and screen.query_one(Reader).display
            assert "Conseil pédagogique" in body_text(app)
            await pilot.press("escape")
            assert not screen.reading
            row = messages.row(0)
            assert row is not None and "\\Seen" in row.flags  # opening marked it read


async def test_delete_and_undo(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            messages = app.screen.query_one(MessageList)
            total, uid = messages.total, messages.selected_uid
            await pilot.press("d")
            assert messages.total == total - 1
            assert any("corbeille" in n.message for n in app._notifications)
            await pilot.press("u")
            assert messages.total == total
            assert messages.selected_uid == uid
            assert uid is not None
            assert app.account.reader_view("INBOX", uid) is not None  # body restored too


async def test_flag_and_mark_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            await pilot.press("down", "down", "down", "down", "down")
            before = messages.row(messages.cursor)
            assert before is not None and "\\Seen" in before.flags
            await pilot.press("n", "exclamation_mark")
            after = messages.row(messages.cursor)
            assert after is not None
            assert "\\Seen" not in after.flags and "\\Flagged" in after.flags


async def test_folder_pane_toggle_and_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            await pilot.press("b")
            assert screen.has_class("-folders")
            await pilot.press("down", "down", "enter")  # Inbox, Drafts, Sent
            assert screen.folder == "Envoyés"
            assert screen.query_one(MessageList).total == 1


async def test_move_to_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            total = messages.total
            await pilot.press("m")
            await pilot.pause()
            await pilot.press("end", "enter")
            await pilot.pause()
            assert messages.total == total - 1


async def test_wide_terminal_shows_three_panes(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(130, 40)) as pilot:
            screen = app.screen
            await pilot.pause()
            assert screen.has_class("-wide")
            assert "Conseil pédagogique" in body_text(app)


async def test_help_lists_the_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("question_mark")
            text = str(app.screen.query_one("Static").render())
            assert "Supprimer" in text and "Synchroniser" in text and "Quitter" in text


async def test_search_shows_results_across_folders_and_escape_returns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            messages = screen.query_one(MessageList)
            total = messages.total
            await pilot.press("slash")
            await pilot.press(*"réunion", "enter")
            assert screen.has_class("-searching")
            assert 0 < messages.total < total
            folders = {messages.row(i).folder for i in range(messages.total)}  # type: ignore[union-attr]
            assert "Envoyés" in folders and "INBOX" in folders
            # A result from another folder says where it is; the searched folder's do not.
            for index in range(messages.total):
                row = messages.row(index)
                text = "".join(segment.text for segment in messages.render_line(index))
                assert row is not None
                assert ("Envoyés › " in text) is (row.folder == "Envoyés"), text
            await pilot.press("enter")
            assert "Réunion" in body_text(app)
            await pilot.press("escape", "escape")
            assert not screen.has_class("-searching")
            assert messages.total == total


async def test_search_with_no_result_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("slash", *"introuvablexyz", "enter")
            messages = app.screen.query_one(MessageList)
            line = "".join(segment.text for segment in messages.render_line(0))
            assert "Aucun résultat" in line


async def test_reply_then_send_queues_in_the_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.core.store import outbox
    from tui.screens.compose import ComposeScreen

    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("down", "down", "down", "r")
            await pilot.pause()
            assert isinstance(app.screen, ComposeScreen)
            await pilot.press(*"Merci", "ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, MailboxScreen)
            rows = outbox.pending(app.account.cache)
            assert len(rows) == 1
            sent = email.message_from_bytes(rows[0].raw, policy=email.policy.default)
            assert sent["Subject"] == "Re: Réunion de l'équipe de lettres"
            assert "Merci" in sent.get_body(("plain",)).get_content()
            assert app.screen.status.outbox == 1
            assert any("démonstration" in n.message for n in app._notifications)


async def test_save_attachments_into_the_chosen_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("down", "down", "down", "s")  # the reply with the PDF
            await pilot.pause()
            field = app.screen.query_one("#folder")
            field.value = str(tmp_path / "pj")  # type: ignore[attr-defined]
            await pilot.press("enter")
            await pilot.press("s")
            await pilot.pause()
            app.screen.query_one("#folder").value = str(tmp_path / "pj")  # type: ignore[attr-defined]
            await pilot.press("enter")
            await pilot.pause()
            names = sorted(p.name for p in (tmp_path / "pj").iterdir())
            assert names == ["ordre-du-jour-reunion (1).pdf", "ordre-du-jour-reunion.pdf"]


@pytest.mark.parametrize(("delay", "read_after"), [(-1, False), (1, True)])
async def test_mark_read_delay(
    monkeypatch: pytest.MonkeyPatch, delay: int, read_after: bool
) -> None:
    with demo_app(monkeypatch) as app:
        app.config.ui["mark_read_after_seconds"] = delay
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            await pilot.press("enter")
            row = messages.row(0)
            assert row is not None and "\\Seen" not in row.flags  # not at once
            await pilot.pause(1.3)
            row = messages.row(0)
            assert row is not None and ("\\Seen" in row.flags) == read_after


async def test_user_keymap_rebinds_by_binding_id(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        app.set_keymap({"mailbox.delete": "x"})
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            total = messages.total
            await pilot.press("d")
            assert messages.total == total
            await pilot.press("x")
            assert messages.total == total - 1


async def test_unknown_keymap_id_is_reported() -> None:
    from tui.account import Account
    from tui.app import CourrielApp, binding_ids
    from tui.demo import open_demo

    assert {"mailbox.delete", "list.down", "compose.send", "app.quit"} <= binding_ids()
    config, cache, folder = open_demo()
    config.values["keys"] = {"mailbox.nope": "z"}
    with folder:
        app = CourrielApp(config, Account(config, cache, demo=True))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.pause()
            assert any("mailbox.nope" in n.message for n in app._notifications)
        cache.close()


async def test_garbage_collection_comes_back_after_the_first_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command line pauses the collector for start-up; the app must turn it back on,
    or a long session would never free a reference cycle."""
    with demo_app(monkeypatch) as app:
        gc.disable()
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                assert gc.isenabled()
        finally:
            gc.enable()


@pytest.mark.parametrize(("width", "palette"), [(80, False), (120, True)])
async def test_footer_keeps_quit_at_80_columns(
    monkeypatch: pytest.MonkeyPatch, width: int, palette: bool
) -> None:
    """« q Quitter » is what a newcomer looks for; under 100 columns it takes the place
    of the palette key, which the help screen lists instead."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(width, 24)) as pilot:
            await pilot.pause()
            keys = {key.key: key for key in app.screen.query(FooterKey)}
            assert keys["q"].region.right <= width  # on screen, not scrolled off
            assert ("ctrl+p" in keys) is palette
            await pilot.press("question_mark")
            assert any("Palette" in str(static.render()) for static in app.screen.query("Static"))


async def test_sync_in_the_demo_says_there_is_no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("f5")
            assert any("pas de serveur" in n.message for n in app._notifications)


async def test_save_on_a_message_without_attachments_says_just_that(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """« (ouvrez-le d'abord) » was said even of an open message with no attachment (#17)."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("s")  # the first demo message has no attachment
            await pilot.pause()
            said = [n.message for n in app._notifications]
            assert "Ce message n'a pas de pièce jointe." in said
            assert not any("ouvrez-le" in text for text in said)


async def test_a_path_typed_right_after_s_reaches_the_save_dialog(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue #24: over SSH the save dialog lost the first 27 characters of a path typed
    just after `s`: keys sent before the dialog took focus went nowhere."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("down", "down", "down")  # the reply with the PDF
            await pilot.pause()
            target = str(tmp_path / "pieces-jointes")
            burst(app, "s", target, "enter")
            await pilot.pause(0.5)
            assert (tmp_path / "pieces-jointes" / "ordre-du-jour-reunion.pdf").exists()


async def test_each_sync_restarts_the_interval_the_status_bar_promises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Timer.reset() waits out the current sleep first: resetting it at each sync made
    15 minutes into 30 while the bar said 15. Each sync now starts a fresh interval."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            first = app._sync_timer = app.set_interval(3600, lambda: None)
            app._sync_done(app.screen)  # type: ignore[arg-type]
            await pilot.pause()
            second = app._sync_timer
            assert second is not first and second is not None
            assert first._task is None or first._task.done()  # the old one stopped
            minutes = app.config.sync["interval_minutes"]
            assert second._interval == minutes * 60
