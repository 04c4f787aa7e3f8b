"""Completion of recipients from the address book (#20 contacts): by name or address,
without accents or case, ranked by how often and how recently the user wrote."""

from __future__ import annotations

import time

import pytest
from textual.widgets import Input

from tests.test_compose_screen import Host
from tui.core.i18n import set_language
from tui.core.mail.addressbook import AddressIndex, Person, fold
from tui.core.mail.compose import parse_address_list
from tui.core.mail.new_drafts import new_draft
from tui.core.store import contacts
from tui.screens.compose import ComposeScreen

NOW = 1_800_000_000.0
DAY = 86_400.0


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


def index() -> AddressIndex:
    return AddressIndex(
        [
            Person("Claude Petitjean", "claude.petitjean@ac-dijon.fr", 3, NOW - 400 * DAY),
            Person("Claire Petit", "claire.petit@ac-dijon.fr", 4, NOW - 2 * DAY),
            Person("Élève Œuvre", "e.oeuvre@ac-dijon.fr", 1, NOW - DAY),
            Person("", "secretariat.0210001a@ac-dijon.fr", 0, 0.0, seen=40),
            Person("Claire Lefèvre", "c.lefevre@ac-dijon.fr", 1, NOW - 30 * DAY),
        ],
        now=NOW,
    )


def names(found: list[Person]) -> list[str]:
    return [p.name or p.address for p in found]


def test_names_and_addresses_match_without_accents_or_case() -> None:
    book = index()
    assert names(book.search("Petit")) == ["Claire Petit", "Claude Petitjean"]
    assert names(book.search("clai")) == ["Claire Petit", "Claire Lefèvre"]
    assert names(book.search("eleve")) == ["Élève Œuvre"]
    assert names(book.search("OEUV")) == ["Élève Œuvre"]
    assert names(book.search("lefevre")) == ["Claire Lefèvre"]
    assert names(book.search("claire p")) == ["Claire Petit"]
    assert names(book.search("secr")) == ["secretariat.0210001a@ac-dijon.fr"]
    assert book.search("zzz") == [] and book.search("  ") == []
    assert fold("Œillet Æsop Straße") == "oeillet aesop strasse"


def test_ranking_weighs_how_often_by_how_recently() -> None:
    book = index()
    # Claude was written to 3 times, but more than a year ago: Claire Petit comes first.
    assert names(book.search("cla")) == ["Claire Petit", "Claire Lefèvre", "Claude Petitjean"]
    recent = AddressIndex(
        [
            Person("Ancien", "a.1@ac-dijon.fr", 50, NOW - 900 * DAY),
            Person("Actuel", "a.2@ac-dijon.fr", 5, NOW - 3 * DAY),
        ],
        now=NOW,
    )
    assert names(recent.search("a.")) == ["Actuel", "Ancien"]


def test_five_thousand_contacts_are_indexed_and_searched() -> None:
    """Not a timing assertion (bench/ measures speed): the figures are printed with -s."""
    people = [
        Person(f"Prénom{i} Nom{i % 97}", f"p{i}.n{i % 97}@ac-dijon.fr", i % 13, NOW - i * 600)
        for i in range(5000)
    ]
    start = time.perf_counter()
    book = AddressIndex(people, now=NOW)
    built = time.perf_counter() - start
    start = time.perf_counter()
    for fragment in ("nom4", "prenom12", "p49", "zz", "ac-dijon"):
        book.search(fragment)
    searched = (time.perf_counter() - start) / 5
    print(f"\n5,000 contacts: index {built * 1000:.1f} ms, search {searched * 1000:.2f} ms")
    assert len(book) == 5000 and len(book.search("nom4", 9)) == 9


async def test_compose_completes_from_the_address_book(demo) -> None:
    identity, cache = demo
    now = time.time()
    with cache.transaction() as db:
        for name, address, count, age in [
            ("Petit, Claire", "claire.petit@ac-dijon.fr", 6, 1),
            ("Claude Petitjean", "claude.petitjean@ac-dijon.fr", 2, 5),
            ('Élève "Œuvre"', "e.oeuvre@ac-dijon.fr", 1, 1),
        ]:
            db.execute(
                "INSERT INTO contacts (key, address, name, sent_count, last_sent, source, "
                "created) VALUES (?, ?, ?, ?, ?, 'sent', ?)",
                (address, address, name, count, now - age * DAY, now),
            )
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        to = app.screen.query_one("#to", Input)
        assert app.focused is to
        await pilot.press(*"petit")
        await pilot.pause(0.2)
        shown = "".join(segment.text for segment in to.render_line(0))
        assert '→ "Petit, Claire" <claire.petit' in shown and "1/2 ↓" in shown
        await pilot.press("down")
        await pilot.pause(0.05)
        shown = "".join(segment.text for segment in to.render_line(0))
        assert "Claude Petitjean" in shown and "2/2 ↓" in shown
        await pilot.press("up", "tab")
        assert to.value == '"Petit, Claire" <claire.petit@ac-dijon.fr>'
        cc = app.screen.query_one("#cc", Input)
        assert app.focused is cc
        await pilot.press(*"eleve")
        await pilot.pause(0.2)
        await pilot.press("right")
        assert cc.value == '"Élève \\"Œuvre\\"" <e.oeuvre@ac-dijon.fr>'
        await pilot.press(*", clau")
        await pilot.pause(0.2)
        await pilot.press("tab")
        assert parse_address_list(cc.value) == [
            ('Élève "Œuvre"', "e.oeuvre@ac-dijon.fr"),
            ("Claude Petitjean", "claude.petitjean@ac-dijon.fr"),
        ]
        assert parse_address_list(to.value) == [("Petit, Claire", "claire.petit@ac-dijon.fr")]
    assert {c.address for c in contacts.all_contacts(cache)} >= {"claire.petit@ac-dijon.fr"}


async def test_a_completion_that_cannot_be_built_never_stops_the_typing(
    demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.widgets import address_input

    def broken(*_args: object) -> None:
        raise OSError("disque illisible")

    monkeypatch.setattr(address_input, "build_index", broken)
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"claire")
        await pilot.pause(0.2)
        await pilot.press("tab")
        assert app.is_running
        assert app.screen.query_one("#to", Input).value == "claire"
