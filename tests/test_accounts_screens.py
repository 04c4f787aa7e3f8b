"""Several accounts on screen (#20), without a server: the folder pane's account rows,
the compose screen's « De », the app's account switch, and what reaches the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from textual.widgets import Select, Static

from tui.account import Account
from tui.app import CourrielApp
from tui.core.mail.compose import Draft, Identity
from tui.demo import open_demo
from tui.screens.compose import ComposeScreen
from tui.screens.compose_from import FromSelector
from tui.screens.mailbox import MailboxScreen
from tui.several import Sender
from tui.widgets.folder_list import AccountRow, FolderEntry, FolderList, with_accounts

HOSTILE = "Perso [@click=app.quit]x[/] \x1b]0;titre\x07"


def test_account_rows_hold_the_shown_account_folders() -> None:
    folders = [FolderEntry("INBOX", "Boîte de réception", 0, 2)]
    rows = [
        AccountRow(0, "Académie", 2, "", shown=True),
        AccountRow(1, "Collège", 5, "hors ligne depuis 10:02", shown=False),
    ]
    entries = with_accounts(folders, rows)
    assert [(e.label, e.depth, e.account) for e in entries] == [
        ("Académie", 0, 0),
        ("Boîte de réception", 1, None),
        ("Collège", 0, 1),
    ]
    assert with_accounts(folders, rows[:1]) == folders  # one account: as before


@contextmanager
def two_demo_accounts(label: str = "Collège") -> Iterator[CourrielApp]:
    with ExitStack() as stack:
        config, cache, folder = open_demo()
        stack.enter_context(folder)
        _config, other_cache, other_folder = open_demo()
        stack.enter_context(other_folder)
        second = dict(config.account, label=label, email="ce.0211234x@ac-dijon.fr")
        config.others = [second]
        app = CourrielApp(
            config,
            Account(config, cache, demo=True),
            others=[(Account(config.for_account(1), other_cache, demo=True), None)],
        )
        try:
            yield app
        finally:
            cache.close()
            other_cache.close()


async def test_the_pane_lists_both_accounts_and_switches() -> None:
    with two_demo_accounts() as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            pane = mailbox.query_one(FolderList)
            accounts = [pane.account_at(i) for i in range(pane.option_count)]
            assert accounts[0] == 0 and 1 in accounts
            pane.highlighted = accounts.index(1)
            pane.focus()
            await pilot.press("enter")
            await pilot.pause(0.3)
            shown = app.screen
            assert isinstance(shown, MailboxScreen) and shown.account is app.slots[1].account
            assert app.sub_title == "Collège"


async def test_a_hostile_label_is_shown_literally() -> None:
    with two_demo_accounts(HOSTILE) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            pane = mailbox.query_one(FolderList)
            prompts = [str(pane.get_option_at_index(i).prompt) for i in range(pane.option_count)]
            shown = next(p for p in prompts if "Perso" in p)
            assert "[@click=app.quit]x[/]" in shown and "\x1b" not in shown
            assert app.is_running  # clicking it runs no action
            await pilot.click(FolderList, offset=(2, prompts.index(shown)))
            assert app.is_running


@pytest.mark.parametrize("size", [(80, 24)])
async def test_from_moves_the_draft_to_the_chosen_account(size: tuple[int, int]) -> None:
    with two_demo_accounts() as app:
        first, second = app.slots[0].account.cache, app.slots[1].account.cache
        senders = [
            Sender("Académie", Identity("Marie Durand", "marie.durand@ac-dijon.fr"), first),
            Sender("Collège", Identity("Secrétariat", "ce.0211234x@ac-dijon.fr"), second),
        ]
        async with app.run_test(size=size) as pilot:
            screen = ComposeScreen(
                senders[0].identity, Draft(subject="Réunion"), first, senders=senders
            )
            app.push_screen(screen)
            await pilot.pause()
            assert not screen.query(Static).filter("#from")  # the selector stands there
            selector = screen.query_one(FromSelector)
            before = len(first.drafts())
            screen.save()
            assert len(first.drafts()) == before + 1
            selector.value = 1
            await pilot.pause()
            assert screen.identity.email == "ce.0211234x@ac-dijon.fr"
            assert screen.cache is second
            assert len(first.drafts()) == before  # moved, not copied
            assert any(Draft.from_json(row.raw).subject == "Réunion" for row in second.drafts())
            assert isinstance(selector, Select)


async def test_what_another_account_says_is_titled_with_its_name() -> None:
    with two_demo_accounts() as app:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await pilot.pause()
            app.in_slot(app.slots[1], app.notify, "Mot de passe refusé")
            app.notify("Sur le compte affiché")
            await pilot.pause()
            titles = {n.message: n.title for n in app._notifications}
            assert titles["Mot de passe refusé"] == "Collège"
            assert titles["Sur le compte affiché"] == ""
