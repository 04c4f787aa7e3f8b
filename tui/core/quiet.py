"""Quiet hours (« ne pas déranger »): no bell for new mail in the evening or at weekends."""

from __future__ import annotations

import re
from datetime import datetime, time

_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def valid_range(spec: str) -> bool:
    """ "" (none) or "HH:MM-HH:MM"; the range may cross midnight (19:00-07:30)."""
    return spec == "" or bool(_RANGE.match(spec))


def is_quiet(spec: str, weekends: bool, moment: datetime) -> bool:
    if weekends and moment.weekday() >= 5:
        return True
    match = _RANGE.match(spec)
    if not match:
        return False
    start = time(int(match[1]), int(match[2]))
    end = time(int(match[3]), int(match[4]))
    now = moment.time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end
