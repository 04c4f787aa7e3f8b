"""Quiet hours, including ranges across midnight and weekends."""

from __future__ import annotations

from datetime import datetime

from tui.core.quiet import is_quiet, valid_range

MONDAY = datetime(2026, 11, 23)
SATURDAY = datetime(2026, 11, 28, 10, 0)


def test_range_across_midnight() -> None:
    assert is_quiet("19:00-07:30", False, MONDAY.replace(hour=22))
    assert is_quiet("19:00-07:30", False, MONDAY.replace(hour=7, minute=29))
    assert not is_quiet("19:00-07:30", False, MONDAY.replace(hour=7, minute=30))
    assert not is_quiet("19:00-07:30", False, MONDAY.replace(hour=12))


def test_daytime_range_weekends_and_none() -> None:
    assert is_quiet("12:00-14:00", False, MONDAY.replace(hour=13))
    assert not is_quiet("", False, MONDAY.replace(hour=23))
    assert is_quiet("", True, SATURDAY)
    assert not is_quiet("", False, SATURDAY)


def test_validation() -> None:
    assert valid_range("") and valid_range("19:00-07:30")
    assert not valid_range("19h-7h") and not valid_range("25:00-07:00")
