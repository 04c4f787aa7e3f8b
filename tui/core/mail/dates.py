"""Dates from messages and servers, kept inside what `datetime` can carry.

A `Date:` header is hostile input: `31 Dec 9999 23:59:59 -1200` is year 10000 in UTC,
and `fromtimestamp`, `astimezone` and date arithmetic raise on it (PITFALLS.md). Every
moment that enters courriel goes through `usable`, which keeps only moments at least
two days inside the year 1 … 9999 range, so that any UTC offset, the local time zone
and a day's arithmetic stay representable. What fails is treated as no date at all:
the caller falls back to the server's arrival time, or shows « date inconnue ».
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone

_MARGIN = timedelta(days=2)
EARLIEST = datetime.min.replace(tzinfo=UTC) + _MARGIN
LATEST = datetime.max.replace(tzinfo=UTC) - _MARGIN
_MAX_HEADER = 200  # a real Date header is about 40 characters
_FOLD = re.compile(r"[\r\n]+")
_MAX_OFFSET_MINUTES = 24 * 60 - 1


def usable(moment: object) -> datetime | None:
    """`moment` as an aware datetime if it is one safely inside datetime's range, else None.

    A naive datetime is taken as UTC (RFC 5322's "-0000": the time is UTC, the zone unknown).
    """
    if not isinstance(moment, datetime):
        return None
    try:
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        aware.utcoffset()  # a tzinfo whose offset is out of range raises here
        if not EARLIEST <= aware <= LATEST:
            return None
    except (ValueError, OverflowError, TypeError):
        return None
    return aware


def parse_header(raw: str | None) -> datetime | None:
    """A `Date:` header value as a usable aware datetime, or None for anything else."""
    if not raw:
        return None
    text = _FOLD.sub(" ", raw)[:_MAX_HEADER].strip()
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return usable(parsed)


def to_stored(moment: datetime) -> tuple[int, int]:
    """(seconds since the epoch, UTC offset in minutes) for the cache; `moment` is usable."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return int(moment.timestamp()), minutes


def from_stored(seconds: object, offset_minutes: object) -> datetime | None:
    """The inverse of `to_stored`, on whatever a cache file holds: None when unusable.

    A cache written by an older courriel, or damaged, can hold any integer here.
    """
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        return None
    minutes = offset_minutes if isinstance(offset_minutes, int) else 0
    if abs(minutes) > _MAX_OFFSET_MINUTES:
        minutes = 0
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if usable(moment) is None:
        return None
    return moment.astimezone(timezone(timedelta(minutes=minutes)))


def sort_key(moment: datetime | None) -> float:
    """Seconds since the epoch for ordering; undated sorts as the oldest."""
    safe = usable(moment)
    return safe.timestamp() if safe is not None else float("-inf")
