"""`courriel mailto:…` (RFC 6068): the link is hostile input; the compose screen opens
pre-filled with what it may ask for, and nothing else (issue #20)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import Input, TextArea

from tests.app_helpers import FIXED_NOW
from tui import cli
from tui.account import Account
from tui.app import CourrielApp
from tui.commands import take_mailto
from tui.core.i18n import set_language
from tui.core.mail import formatting, mailto
from tui.core.mail.compose import Identity, parse_address_list
from tui.core.mail.mailto import MAX_RECIPIENTS, Mailto, MailtoError, parse
from tui.core.mail.sanitize import clean_line
from tui.demo import open_demo
from tui.screens.compose import ComposeScreen


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


# --- reading the link ----------------------------------------------------------------


def test_the_usual_fields_are_read_and_percent_decoded() -> None:
    link = parse(
        "mailto:marie.durand@ac-dijon.fr?subject=Conseil%20de%20classe%20%E2%80%94%203e%20B"
        "&cc=vie.scolaire@ac-dijon.fr,cpe@ac-dijon.fr&bcc=moi@ac-dijon.fr"
        "&body=Bonjour%2C%0D%0A%0D%0AJeudi%20%C3%A0%2017%20h%C2%A0%3F"
    )
    assert link.to == ("marie.durand@ac-dijon.fr",)
    assert link.cc == ("vie.scolaire@ac-dijon.fr", "cpe@ac-dijon.fr")
    assert link.bcc == ("moi@ac-dijon.fr",)
    assert link.subject == "Conseil de classe — 3e B"
    assert link.body == "Bonjour,\n\nJeudi à 17 h\u00a0?"
    assert link.ignored == () and link.rejected == ()


def test_plus_is_a_plus_and_to_may_come_from_the_query_too() -> None:
    """RFC 6068 section 5: « + » is not a space in a mailto: link."""
    link = parse("MAILTO:?to=a+b@ac-dijon.fr&To=c@ac-dijon.fr&subject=1+1")
    assert link.to == ("a+b@ac-dijon.fr", "c@ac-dijon.fr")
    assert link.subject == "1+1"


def test_header_values_never_carry_a_line_break() -> None:
    link = parse(
        "mailto:a@ac-dijon.fr?subject=Bonjour%0D%0ABcc:%20espion@exemple.com%0AX-Y:%20z"
        "&cc=c@ac-dijon.fr%0D%0ABcc:espion@exemple.com"
    )
    assert "\n" not in link.subject and "\r" not in link.subject
    assert link.subject == "Bonjour Bcc: espion@exemple.com X-Y: z"
    assert link.cc == ()  # one address with a line break in it is no address
    assert link.bcc == ()
    assert link.rejected


def test_other_headers_and_attachments_are_ignored_and_named() -> None:
    link = parse(
        "mailto:a@ac-dijon.fr?attach=/home/prof/.ssh/id_rsa&Attachment=file:///etc/passwd"
        "&in-reply-to=%3Cx@y%3E&X-Mailer=z&from=directeur@ac-dijon.fr&subject=ok"
    )
    assert link.subject == "ok" and link.to == ("a@ac-dijon.fr",)
    assert link.ignored == ("attach", "attachment", "in-reply-to", "x-mailer", "from")
    (notice,) = mailto.notices(link)
    assert "ne joint jamais de fichier" in notice and "attach" in notice


def test_addresses_are_bare_and_valid_or_refused() -> None:
    link = parse(
        "mailto:%22Rectorat%22%20%3Cpirate@exemple.com%3E,sans-arobase,"
        "%C3%A9lodie@ac-dijon.fr,ok@ac-dijon.fr,OK@ac-dijon.fr"
    )
    assert link.to == ("ok@ac-dijon.fr",)  # once, whatever its case
    assert len(link.rejected) == 3
    (notice,) = mailto.notices(link)
    assert "sans-arobase" in notice and "ne sont pas valides" in notice


def test_escape_sequences_in_the_body_are_removed() -> None:
    link = parse("mailto:a@ac-dijon.fr?body=Bonjour%1B%5D0;titre%07%1B%5B31m%E2%80%AEfin%00")
    assert link.body == "Bonjourfin"


def test_the_link_is_bounded() -> None:
    with pytest.raises(MailtoError, match="trop long"):
        parse("mailto:a@ac-dijon.fr?body=" + "x" * mailto.MAX_URL_CHARS)
    many = ",".join(f"p{n}@ac-dijon.fr" for n in range(MAX_RECIPIENTS + 50))
    link = parse(f"mailto:{many}")
    assert len(link.to) == MAX_RECIPIENTS and len(link.rejected) == 10
    long_subject = parse("mailto:a@ac-dijon.fr?subject=" + "mot%20" * 1000)
    assert len(long_subject.subject) <= mailto.MAX_SUBJECT_CHARS
    assert (
        len(parse("mailto:a@ac-dijon.fr?" + "&".join(f"x{n}=1" for n in range(50))).ignored) == 10
    )


def test_not_a_mailto_link() -> None:
    with pytest.raises(MailtoError):
        parse("https://ac-dijon.fr")


def test_the_draft_keeps_the_signature_below_the_text() -> None:
    identity = Identity("Élodie Fèvre", "elodie.fevre@ac-dijon.fr", "Élodie Fèvre\nCollège")
    draft = mailto.draft(Mailto(to=("a@ac-dijon.fr",), subject="S", body="Texte\n\n"), identity)
    assert draft.to == "a@ac-dijon.fr" and draft.subject == "S"
    assert draft.body == "Texte\n\n\n-- \nÉlodie Fèvre\nCollège\n"


header_text = st.text(st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    to=st.lists(header_text, max_size=4),
    subject=header_text,
    body=header_text,
    extra=st.dictionaries(header_text, header_text, max_size=4),
)
def test_any_link_gives_one_line_headers_and_valid_addresses(
    to: list[str], subject: str, body: str, extra: dict[str, str]
) -> None:
    query = {"subject": subject, "body": body, **extra}
    url = "mailto:" + ",".join(quote(a, safe="") for a in to) + "?"
    url += "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items())
    link = parse(url)
    for text in (link.subject, *link.to, *link.cc, *link.bcc, *link.ignored, *link.rejected):
        assert clean_line(text) == text and "\n" not in text and "\r" not in text
    for address in (*link.to, *link.cc, *link.bcc):
        assert parse_address_list(address) == [("", address)]
    identity = Identity("", "moi@ac-dijon.fr")
    assert mailto.draft(link, identity).attachments == []  # whatever the link says


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_after_the_scheme_is_read_or_refused_never_crashes(rest: str) -> None:
    try:
        link = parse("mailto:" + rest)
    except MailtoError:
        return
    assert "\n" not in link.subject


# --- the command line ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "left", "link"),
    [
        (["mailto:a@ac-dijon.fr"], [], "mailto:a@ac-dijon.fr"),
        (["--lang", "en", "mailto:a@b.fr?x=1"], ["--lang", "en"], "mailto:a@b.fr?x=1"),
        (["--config", "mailto:c.toml"], ["--config", "mailto:c.toml"], None),
        (["--", "mailto:a@b.fr"], [], "mailto:a@b.fr"),
        (["send", "--subject", "mailto:x"], ["send", "--subject", "mailto:x"], None),
        (["--demo"], ["--demo"], None),
    ],
)
def test_the_link_is_taken_only_in_the_place_of_a_command(
    argv: list[str], left: list[str], link: str | None
) -> None:
    assert take_mailto(argv) == (left, link)


def test_the_command_line_hands_the_link_to_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def run(self: CourrielApp, **kwargs: object) -> None:
        seen["mailto"] = self._mailto

    monkeypatch.setattr(CourrielApp, "run", run)
    config = tmp_path / "config.toml"
    config.write_text("")
    link = "mailto:a@ac-dijon.fr?subject=Sortie"
    assert cli.main(["--demo", "--config", str(config), link]) == cli.EXIT_OK
    assert seen["mailto"] == parse(link)


def test_a_link_too_long_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    link = "mailto:a@ac-dijon.fr?body=" + "x" * mailto.MAX_URL_CHARS
    assert cli.main(["--demo", link]) == cli.EXIT_USAGE
    assert "trop long" in capsys.readouterr().err


# --- the compose screen --------------------------------------------------------------


def value(screen: ComposeScreen, field: str) -> str:
    return screen.query_one(f"#{field}", Input).value


async def test_the_compose_screen_opens_pre_filled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(formatting, "now", lambda: FIXED_NOW)
    link = parse(
        "mailto:marie.durand@ac-dijon.fr?subject=R%C3%A9union%20%5B@click=app.quit%5D"
        "&cc=cpe@ac-dijon.fr&bcc=moi@ac-dijon.fr&body=Bonjour%2C%0D%0A%C3%A0%20jeudi."
        "&attach=/etc/passwd"
    )
    config, cache, folder = open_demo()
    with folder:
        app = CourrielApp(config, Account(config, cache, demo=True), mailto=link)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            for _ in range(50):
                if isinstance(app.screen, ComposeScreen):
                    break
                await pilot.pause(0.05)
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            assert value(screen, "to") == "marie.durand@ac-dijon.fr"
            assert value(screen, "cc") == "cpe@ac-dijon.fr"
            assert value(screen, "bcc") == "moi@ac-dijon.fr"
            assert value(screen, "subject") == "Réunion [@click=app.quit]"
            body = screen.query_one("#body", TextArea)
            assert body.text.startswith("Bonjour,\nà jeudi.\n")
            assert screen.attachments == []
            assert app.focused is body  # the recipients are there: the user writes
            notes = [n.message for n in app._notifications]
            assert any("attach" in n and "jamais de fichier" in n for n in notes)
            await pilot.press("escape")  # closing the screen keeps the draft
        cache.close()


async def test_without_an_account_the_setup_comes_first_and_the_link_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.config import load_config
    from tui.screens.setup import SetupScreen

    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    link = parse("mailto:a@ac-dijon.fr")
    app = CourrielApp.for_account(load_config(tmp_path / "absent.toml"), mailto=link)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen)
            assert app._mailto == link  # opened once an account is saved
    finally:
        app.close_account()


def test_the_desktop_file_makes_courriel_the_mailto_handler() -> None:
    """docs/courriel.desktop, as `xdg-mime default courriel.desktop
    x-scheme-handler/mailto` reads it: the link handed over as one argument (%u)."""
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(Path(__file__).parents[1] / "docs" / "courriel.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Terminal"] == "true"
    assert entry["Exec"] == "courriel %u"
    assert "x-scheme-handler/mailto" in entry["MimeType"].split(";")
