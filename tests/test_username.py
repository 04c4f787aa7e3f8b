"""The username trap: what people type becomes the short username, or a clear refusal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.i18n import set_language
from tui.core.username import USERNAME_RE, normalise_username


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


@pytest.mark.parametrize("typed", ["prenom.nom", "jdupont", "jdupont2", "jean-pierre.dupont"])
def test_valid_usernames_pass_unchanged(typed: str) -> None:
    check = normalise_username(typed)
    assert check.ok and check.username == typed
    assert check.changes == () and check.notes == () and check.error == ""
    assert not check.changed


def test_full_academy_address_becomes_short_username_with_reason() -> None:
    check = normalise_username("prenom.nom@ac-dijon.fr")
    assert check.ok and check.username == "prenom.nom"
    assert check.changes == ("domain_removed",)
    (note,) = check.notes
    assert "« prenom.nom »" in note and "refuse l'adresse complète" in note
    assert "webmail" in note


def test_other_domain_is_removed_and_questioned() -> None:
    check = normalise_username("jdupont@gmail.com")
    assert check.ok and check.username == "jdupont"
    assert check.changes == ("domain_removed", "other_domain")
    assert "gmail.com" in check.notes[1] and "ac-dijon.fr" in check.notes[1]


def test_upper_case_is_lowered_with_a_note() -> None:
    check = normalise_username("JDupont2")
    assert check.ok and check.username == "jdupont2"
    assert check.changes == ("lowercased",)
    assert "minuscules" in check.notes[0] and "« jdupont2 »" in check.notes[0]


def test_address_in_capitals_with_spaces_around() -> None:
    check = normalise_username("  Prenom.Nom@AC-DIJON.FR\n")
    assert check.ok and check.username == "prenom.nom"
    assert check.changes == ("stripped", "domain_removed", "lowercased")
    assert len(check.notes) == 3


def test_pasted_invisible_edges_are_stripped() -> None:
    check = normalise_username("\u200bjdupont\u00a0")
    assert check.ok and check.username == "jdupont" and check.changes == ("stripped",)


def test_name_and_address_from_a_header() -> None:
    check = normalise_username("Marie Durand <marie.durand@ac-dijon.fr>")
    assert check.ok and check.username == "marie.durand"
    assert check.changes == ("display_name", "domain_removed")


def test_accents_are_an_error_with_a_suggestion_and_the_expected_forms() -> None:
    check = normalise_username("hélène.lefèvre")
    assert not check.ok
    assert "accents" in check.error
    assert check.suggestion == "helene.lefevre"
    for form in ("prenom.nom", "jdupont", "jdupont2"):
        assert f"« {form} »" in check.error


def test_inner_space_is_an_error() -> None:
    check = normalise_username("Jean Dupont")
    assert not check.ok and "espace" in check.error
    assert check.suggestion == "jean.dupont"


def test_accents_and_space_are_both_named() -> None:
    check = normalise_username("Hélène Lefèvre")
    assert "accents" in check.error and "espace" in check.error


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("", "Saisissez"),
        ("   ", "Saisissez"),
        ("a@b@ac-dijon.fr", "« @ »"),
        ("@ac-dijon.fr", "avant le « @ »"),
        ("jean+dupont", "« + »"),
        ("d'artagnan", "« ' »"),
        (".jdupont", "commence par une lettre"),
        ("jdupont.", "commence par une lettre"),
        ("jean..dupont", "commence par une lettre"),
        ("2dupont", "commence par une lettre"),
        ("jdupont\n@ac-dijon.fr", "espace"),
        ("a" * 65, "trop long"),
    ],
)
def test_impossible_usernames_are_refused(typed: str, fragment: str) -> None:
    check = normalise_username(typed)
    assert not check.ok
    assert fragment in check.error
    assert "Formes attendues" in check.error


def test_control_characters_are_named_not_echoed() -> None:
    check = normalise_username("jdupont\x1b[31m")
    assert not check.ok
    assert "U+001B" in check.error and "\x1b" not in check.error
    assert all("\x1b" not in note for note in check.notes)


def test_hostile_text_in_a_note_is_neutralised() -> None:
    check = normalise_username("JD\x1b]0;x\x07@evil\x1b.com")
    assert all(text.isprintable() for text in check.notes)


def test_english_has_the_same_structure() -> None:
    set_language("en")
    try:
        check = normalise_username("Prenom.Nom@ac-dijon.fr")
    finally:
        set_language("fr")
    assert check.ok and check.username == "prenom.nom"
    assert check.changes == ("domain_removed", "lowercased") and len(check.notes) == 2


# --- properties ------------------------------------------------------------------------

_valid = st.from_regex(r"\A[a-z][a-z0-9]{0,10}(?:[.-][a-z0-9]{1,8}){0,2}\Z")


@given(st.text(max_size=80))
def test_never_raises_and_ok_means_a_valid_username(text: str) -> None:
    check = normalise_username(text)
    assert check.original == text
    if check.ok:
        assert USERNAME_RE.fullmatch(check.username)
        assert "@" not in check.username and check.username == check.username.lower()
        assert check.error == ""
    else:
        assert check.error
    assert len(check.changes) == len(check.notes)


@given(st.text(max_size=80))
def test_normalising_twice_changes_nothing_more(text: str) -> None:
    check = normalise_username(text)
    if check.ok:
        again = normalise_username(check.username)
        assert again.ok and again.username == check.username and again.changes == ()


@given(_valid, st.sampled_from(["ac-dijon.fr", "AC-Dijon.fr", "example.org"]))
def test_any_address_gives_its_local_part(local: str, domain: str) -> None:
    check = normalise_username(f"{local}@{domain}")
    assert check.ok and check.username == local
    assert "domain_removed" in check.changes


@given(_valid)
def test_valid_usernames_are_fixed_points(name: str) -> None:
    check = normalise_username(name)
    assert check.ok and check.username == name and not check.changes


@given(st.text(max_size=80))
def test_suggestions_are_valid_usernames(text: str) -> None:
    suggestion = normalise_username(text).suggestion
    if suggestion:
        assert USERNAME_RE.fullmatch(suggestion)
