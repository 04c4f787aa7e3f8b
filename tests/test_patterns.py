"""Reading what a person types to mark messages by pattern (#19, tui/core/mail/patterns.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.mail.patterns import Pattern, matches, parse_age, parse_size

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("2 ans", 730),
        ("1 an", 365),
        ("6 mois", 180),
        ("3 semaines", 21),
        ("30 jours", 30),
        ("10j", 10),
        ("2y", 730),
        ("1 week", 7),
        ("1,5 an", 547.5),
        ("  2 ANS ", 730),
    ],
)
def test_an_age_is_read_in_french_and_english(text: str, days: float) -> None:
    assert parse_age(text, NOW) == NOW - timedelta(days=days)


@pytest.mark.parametrize("text", ["31/12/2023", "2023-12-31"])
def test_a_date_means_before_that_day(text: str) -> None:
    assert parse_age(text, NOW) == datetime(2023, 12, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["2", "deux ans", "2 heures", "2 min", "-2 ans", "2 ans!", "2 anss"]
)
def test_an_unreadable_age_says_what_to_type(text: str) -> None:
    with pytest.raises(ValueError, match="2 ans"):
        parse_age(text, NOW)


@pytest.mark.parametrize("text", ["29/02/2023", "31/13/2023", "2023-02-30"])
def test_a_date_that_does_not_exist_is_said_so(text: str) -> None:
    with pytest.raises(ValueError, match="cette date n'existe pas"):
        parse_age(text, NOW)


def test_a_huge_age_does_not_overflow() -> None:
    assert parse_age("999999999 ans", NOW).year >= 1800


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("5 Mo", 5 * 1024**2),
        ("500 Ko", 500 * 1024),
        ("1,5M", int(1.5 * 1024**2)),
        ("2 MB", 2 * 1024**2),
        ("1 Go", 1024**3),
        ("300", 300),
        ("300 o", 300),
        ("5 KiB", 5 * 1024),
        ("2 octets", 2),
    ],
)
def test_a_size_is_read_as_people_write_it(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["cinq Mo", "5 To", "5 Mo Ko", ""])
def test_an_unreadable_size_says_what_to_type(text: str) -> None:
    with pytest.raises(ValueError, match="5 Mo"):
        parse_size(text)


@pytest.mark.parametrize("text", ["99999999999 Go", "2000 Go", "9" * 400])
def test_a_size_no_message_has_is_refused_not_a_crash(text: str) -> None:
    """SQLite cannot bind 10^20: the cache's query raised OverflowError (review)."""
    with pytest.raises(ValueError, match="aucun message n'est aussi gros"):
        parse_size(text)


def test_text_is_compared_without_case_or_accents() -> None:
    pattern = Pattern(sender="elodie")
    assert matches(pattern, "Élodie Martin", "e.martin@ac-dijon.fr", "")
    assert matches(Pattern(sender="AC-DIJON"), "", "e.martin@ac-dijon.fr", "")
    assert not matches(pattern, "Claire Petit", "c.petit@ac-dijon.fr", "Élodie")
    both = Pattern(sender="petit", subject="réunion")
    assert matches(both, "Claire Petit", "", "Re: REUNION de rentrée")
    assert not matches(both, "Claire Petit", "", "Conseil de classe")


def test_an_empty_pattern_is_said_to_be_empty() -> None:
    assert Pattern().empty
    assert not Pattern(larger=0).empty


@given(st.text(max_size=40))
def test_anything_typed_is_read_or_refused_in_words(text: str) -> None:
    for parse in (lambda t: parse_age(t, NOW), parse_size):
        try:
            parse(text)
        except ValueError as error:
            assert "« " in str(error)
