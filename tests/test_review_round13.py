"""Review round 13 (contacts #20, replay lock, early rows, reader selection #21, strict
addresses): each test here failed on main when written (75e0c79..64b9bde)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from tests.app_helpers import demo_app
from tests.test_contacts_store import sent_message
from tests.test_durable_store import paths
from tests.test_reader_selection import drag, row_of
from tui.core.i18n import set_language
from tui.core.mail import contact_import
from tui.core.store import contacts, outbox
from tui.core.store.cache import Cache
from tui.widgets.reader import Reader, ReaderView


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


# --- vCard import: a CHARSET the codecs module knows but cannot decode with ----------


@pytest.mark.parametrize("charset", ["undefined", "punycode", "idna"])
def test_a_card_naming_a_hostile_charset_does_not_sink_the_whole_file(charset: str) -> None:
    """vcard._decode catches LookupError and UnicodeDecodeError only; the codecs
    `undefined`, `punycode` and `idna` raise plain UnicodeError. One such line in a
    5,000-card file made the whole import fail: `courriel contacts import` printed an
    internal error, the contacts screen's import worker died without a word."""
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Claire Petit\r\nEMAIL:claire.petit@ac-dijon.fr\r\n"
        b"END:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=" + charset.encode() + b":xn--a+\\\r\n"
        b"EMAIL:marie.durand@ac-dijon.fr\r\nEND:VCARD\r\n"
    )
    found = contact_import.from_bytes(data, "carnet.vcf")
    addresses = [address for _name, address in found.people]
    assert addresses == ["claire.petit@ac-dijon.fr", "marie.durand@ac-dijon.fr"]


# --- the reader's selection ------------------------------------------------------------


class ReaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Reader(id="reader")


async def test_showing_another_message_drops_the_selection_of_the_previous_one() -> None:
    """A selection made in message A stays in the screen's selections when j/k shows
    message B: B is drawn with a highlight the user never made, and ctrl+c copies text
    of B the user never selected."""
    app = ReaderApp()
    async with app.run_test(size=(60, 20)) as pilot:
        reader = app.query_one(Reader)
        reader.show_view(ReaderView(headers=[], body="la réunion est jeudi à 17 h"))
        await pilot.pause()
        y = row_of(reader, "jeudi")
        await drag(pilot, (1, y), (10, y))
        assert app.screen.get_selected_text() == "la réunion"

        reader.show_view(ReaderView(headers=[], body="mot de passe : Hx7-kq2-Lm9"))
        await pilot.pause()
        assert not app.screen.get_selected_text()


async def test_ctrl_c_on_a_selection_of_nothing_still_says_how_to_quit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A drag over the blank line between the headers and the body selects "" (not
    None): Screen.action_copy_text copies it, and the app's toast says « 0 caractère
    copié » instead of how to quit (action_help_quit)."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("enter")
            reader = app.screen.query_one(Reader)
            await pilot.pause()
            blank = next(
                y
                for y in range(1, reader.size.height)
                if not "".join(s.text for s in reader.render_line(y)).strip()
                and "".join(s.text for s in reader.render_line(y - 1)).strip()
            )
            await drag(pilot, (3, blank), (6, blank))
            await pilot.press("ctrl+c")
            await pilot.pause()
            messages = [n.message for n in app._notifications]
            assert not any("0 caractère" in m for m in messages), messages
            assert any("Pour quitter" in m for m in messages), messages


# --- the address book never costs the outbox ---------------------------------------------


def test_marking_sent_is_kept_when_learning_the_recipients_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """outbox.mark_sent learns the recipients inside its own transaction, unguarded:
    a failure there (the send path logs and goes on, smtp._Attempt.learn) rolls back the
    user's « envoyé » and raises out of OutboxScreen.action_mark_sent (crash screen).
    The message stays « envoi incertain », one key away from « Renvoyer »."""
    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    try:
        outbox_id = outbox.queue(cache, sent_message("Claire Petit <claire.petit@ac-dijon.fr>"))
        outbox.set_status(cache, outbox_id, outbox.UNCERTAIN)

        def broken(*_args: object, **_kwargs: object) -> int:
            raise RuntimeError("the address book failed")

        monkeypatch.setattr(contacts, "learn", broken)
        with contextlib.suppress(RuntimeError):
            outbox.mark_sent(cache, outbox_id)
        with cache.reading() as db:
            query = "SELECT status FROM outbox WHERE id = ?"
            (status,) = db.execute(query, (outbox_id,)).fetchone()
        assert status == outbox.SENT
    finally:
        cache.close()


# --- completion: the ghost drawn is what Tab takes ---------------------------------------


@pytest.mark.parametrize(
    ("typed", "name", "address"),
    [
        ("oeuv", "Œuvre Élève", "e.oeuvre@ac-dijon.fr"),
        ("strauss a", "Strauß Anna", "anna.strauss@ac-dijon.fr"),
    ],
)
def test_the_ghost_shows_the_name_that_tab_will_write(typed: str, name: str, address: str) -> None:
    """AddressSuggester.ghost cuts `shown` at len(fragment) when the folded forms match,
    but folding changes lengths (œ → oe, ß → ss, æ → ae): « oeuv » drew « oeuve Élève »,
    « strauss a » drew « strauss ana », while Tab wrote « Œuvre Élève » / « Strauß Anna »."""
    from tui.core.mail.addressbook import AddressIndex, Person, fold
    from tui.widgets.address_input import AddressSuggester

    suggester = AddressSuggester.__new__(AddressSuggester)  # no cache: the index given
    suggester._index = AddressIndex([Person(name, address, 1, 0.0)])
    suggester.choice, suggester._chosen_for = 0, ""
    taken = suggester.completion(typed)
    assert taken == f"{name} <{address}>"
    ghost = suggester.ghost(typed)
    drawn_name = ghost.split(" <")[0].split("→")[-1].strip()
    assert fold(drawn_name) == fold(name), ghost


# --- contacts screen: an import under way when the screen closes --------------------------


async def test_an_import_under_way_is_not_dropped_when_the_contacts_screen_closes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ContactsScreen._read_file is a thread worker of the screen: Escape while a big
    file is read cancels it, and its result (call_from_thread(self._add)) never lands —
    nothing imported and nothing said, after « Importer » was confirmed."""
    import asyncio

    from tui.screens.contacts import ContactsScreen

    big = tmp_path / "carnet.vcf"
    big.write_bytes(
        b"".join(
            b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Personne %d\r\nEMAIL:p%d@ac-dijon.fr\r\n"
            b"END:VCARD\r\n" % (i, i)
            for i in range(20_000)
        )
    )
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.pause()
            await pilot.press("C")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ContactsScreen)
            screen._read_file(big)  # what « i », a path and Enter start
            await pilot.press("escape")
            for _ in range(50):
                await asyncio.sleep(0.2)
                await pilot.pause()
                if app._notifications or contacts.all_contacts(app.account.cache):
                    break
            imported = len(contacts.all_contacts(app.account.cache))
            said = [n.message for n in app._notifications]
            assert imported == 20_000 or said, (imported, said)


# --- completion: a stranger's name that is someone else's address ----------------------------


def test_a_sender_named_after_another_address_is_not_offered_under_that_name() -> None:
    """A phishing message « From: =?utf-8?q?boss=40ac-dijon.fr?= <evil@x.fr> » puts a
    person in the completion (cache_people) whose name is the boss's address: typing
    « boss » offers `"boss@ac-dijon.fr" <evil@x.fr>`, the real address at the far end of
    the ghost (off the field for a long name). contacts.clean_name drops a name equal to
    its own address only; a name holding any other address should go too."""
    from tui.widgets.address_input import cache_people

    people = cache_people(([], [("evil@x.fr", "boss@ac-dijon.fr <boss@ac-dijon.fr>")]))
    (person,) = people
    assert person.address == "evil@x.fr"
    assert "@" not in person.name, person.name
