"""The contacts screen (#20): `C` from the mailbox at 80x24, filter as you type (without
accents), rename, delete after a question, import a file, Enter to write; hostile
names shown as text, never as markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from tests.app_helpers import demo_app
from tui.core.i18n import set_language
from tui.core.store import contacts
from tui.screens.choice import Choice
from tui.screens.compose import ComposeScreen
from tui.screens.contacts import ContactsScreen

HOSTILE = "[@click=app.quit]x[/]"


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


def rows(screen: ContactsScreen) -> list[str]:
    return [f"{c.name} <{c.address}>" for c in screen.rows]


async def test_filter_rename_delete_and_write(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        cache = app.account.cache
        contacts.add_many(
            cache,
            [
                ("Claire Petit", "claire.petit@ac-dijon.fr"),
                ("Élève Œuvre", "eleve.oeuvre@ac-dijon.fr"),
                (HOSTILE, "hostile@ac-dijon.fr"),
            ],
        )
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.pause()
            await pilot.press("C")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            assert len(screen.rows) == 3 and app.is_running  # the hostile name did nothing
            table = screen.query_one(DataTable)
            await pilot.click(table, offset=(5, 2))  # on a name: no action runs
            assert app.is_running

            await pilot.press("/", *"eleve")
            await pilot.pause()
            assert rows(screen) == ["Élève Œuvre <eleve.oeuvre@ac-dijon.fr>"]
            await pilot.press("enter")  # from the filter to the list
            assert app.focused is table

            await pilot.press("e")
            await pilot.pause()
            field = app.screen.query_one(Input)
            field.value = "Élève Œuvre (CM2)"
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen
            assert rows(screen) == ["Élève Œuvre (CM2) <eleve.oeuvre@ac-dijon.fr>"]

            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, Choice)
            await pilot.press("escape")  # changed her mind: nothing deleted
            await pilot.pause()
            assert len(contacts.all_contacts(cache)) == 3
            await pilot.press("d")
            await pilot.pause()
            await pilot.click("#delete")
            await pilot.pause()
            assert sorted(c.address for c in contacts.all_contacts(cache)) == [
                "claire.petit@ac-dijon.fr",
                "hostile@ac-dijon.fr",
            ]

            filter_field = screen.query_one("#contacts-filter", Input)
            filter_field.value = "petit"
            await pilot.pause()
            screen.set_focus(table)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ComposeScreen)
            assert (
                app.screen.query_one("#to", Input).value
                == "Claire Petit <claire.petit@ac-dijon.fr>"
            )


async def test_import_from_the_screen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    card = tmp_path / "contacts.vcf"
    card.write_bytes(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:François Garçon\r\nEMAIL:f.garcon@ac-dijon.fr\r\n"
        "EMAIL:pas-une-adresse\r\nEND:VCARD\r\n".encode()
    )
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.pause()
            await pilot.press("C")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            await pilot.press("i")
            await pilot.pause()
            app.screen.query_one(Input).value = str(card)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert rows(screen) == ["François Garçon <f.garcon@ac-dijon.fr>"]
            texts = [n.message for n in app._notifications]
            assert "1 contact importé, 1 ignoré (adresse invalide)." in texts

            await pilot.press("i")
            await pilot.pause()
            app.screen.query_one(Input).value = str(tmp_path / "absent.csv")
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert any("introuvable" in n.message for n in app._notifications)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_contacts(snap_compare, demo, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    from tests.test_compose_screen import Host, no_blink

    _identity, cache = demo
    with cache.transaction() as db:
        for i, (name, address, count) in enumerate(
            [
                ("Petit, Claire", "claire.petit@ac-dijon.fr", 12),
                ("Élève Œuvre", "eleve.oeuvre@ac-dijon.fr", 3),
                ("Secrétariat du collège Les Lentillères", "ce.0210001a@ac-dijon.fr", 1),
                ("", "parents.delegues@exemple.fr", 0),
                (HOSTILE, "hostile@ac-dijon.fr", 0),
            ]
        ):
            db.execute(
                "INSERT INTO contacts (key, address, name, sent_count, last_sent, source, "
                "created) VALUES (?, ?, ?, ?, ?, 'sent', 0)",
                (address, address, name, count, 1000.0 - i),
            )
    assert snap_compare(Host(ContactsScreen(cache)), terminal_size=size, run_before=no_blink)
