"""Dates and sizes in French (default) and English."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tui.core.i18n import set_language
from tui.core.mail.formatting import figure, list_date, long_date, size_short

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dates are shown in local time: pin the zone so no other test's TZ leaks in."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("fr")


def test_list_date_today_this_year_and_older() -> None:
    assert list_date(NOW.replace(hour=9, minute=14), reference=NOW) == "09:14"
    assert list_date(NOW.replace(month=3, day=12), reference=NOW) == "12 mars"
    assert list_date(NOW.replace(year=2024, month=3, day=12), reference=NOW) == "12/03/24"
    assert list_date(None) == "inconnue"


def test_long_date_french_and_english(english: None) -> None:
    moment = datetime(2026, 3, 12, 9, 14, tzinfo=timezone(timedelta(hours=1)))
    assert long_date(moment).endswith(":14")
    assert "March 2026 at" in long_date(moment)
    set_language("fr")
    assert "mars 2026 à" in long_date(moment)


def test_sizes() -> None:
    assert size_short(512) == "512 o"
    assert size_short(12 * 1024) == "12 Ko"
    assert size_short(int(1.2 * 1024 * 1024)) == "1,2 Mo"


def test_sizes_english(english: None) -> None:
    assert size_short(int(1.2 * 1024 * 1024)) == "1.2 MB"


def test_figures_group_thousands_as_each_language_writes_them() -> None:
    set_language("fr")
    assert figure(100_001) == "100\u00a0001" and figure(999) == "999"
    set_language("en")
    assert figure(100_001) == "100,001"
    set_language("fr")


def test_attachment_kinds_in_words() -> None:
    """« classeur Excel », not the 65 characters of its MIME type that wrapped the
    reader's list at 80 columns (#20, seen in tmux)."""
    from tui.core.mail.formatting import MAX_KIND, attachment_kind

    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert attachment_kind(sheet) == "classeur Excel"
    assert attachment_kind("Application/PDF") == "PDF"
    assert attachment_kind("image/jpeg") == "image JPEG"
    assert attachment_kind("application/x-unknown") == "application/x-unknown"
    long = "application/" + "x" * 100
    assert len(attachment_kind(long)) == MAX_KIND and attachment_kind(long).endswith("…")
