"""Times in an invitation (RFC 5545 §3.3.4–5, §3.6.5): DATE, UTC, floating, TZID.

A TZID is read, in order, as an IANA name (Thunderbird: « Europe/Paris », older ones
« /mozilla.org/…/Europe/Paris »), then through the invitation's own VTIMEZONE (Outlook:
« Romance Standard Time », with its rules), then through the Windows names Exchange
uses without a VTIMEZONE. A zone none of these explains gives a naive time and the
caller says the zone is unknown. Every moment is kept inside what `datetime` can carry
(tui.core.mail.dates).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import NamedTuple

from tui.core.mail import dates
from tui.core.mail.ical import Component, Property

Moment = datetime | date

_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)")
_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})(\d{2})?")
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+-]{1,40}(?:/[A-Za-z0-9_+-]{1,40}){0,3}")
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
# Files of the zoneinfo folder that are not a zone: « localtime » is this machine's.
_NOT_ZONES = {"localtime", "posixrules", "factory"}
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

# The Windows names Exchange writes in TZID, for the zones of metropolitan and overseas
# France and their neighbours (Unicode CLDR's windowsZones table).
WINDOWS_ZONES = {
    "romance standard time": "Europe/Paris",
    "w. europe standard time": "Europe/Berlin",
    "central europe standard time": "Europe/Budapest",
    "central european standard time": "Europe/Warsaw",
    "gmt standard time": "Europe/London",
    "greenwich standard time": "Atlantic/Reykjavik",
    "e. europe standard time": "Europe/Chisinau",
    "gtb standard time": "Europe/Bucharest",
    "fle standard time": "Europe/Kiev",
    "morocco standard time": "Africa/Casablanca",
    "utc": "UTC",
    "coordinated universal time": "UTC",
    "sa western standard time": "America/La_Paz",  # Guadeloupe, Martinique
    "sa eastern standard time": "America/Cayenne",
    "mauritius standard time": "Indian/Mauritius",  # La Réunion's UTC+4
    "central pacific standard time": "Pacific/Guadalcanal",  # Nouvelle-Calédonie
    "eastern standard time": "America/New_York",
    "pacific standard time": "America/Los_Angeles",
}


def zoneinfo(name: str) -> tzinfo | None:
    """The IANA zone of that name, or None; a hostile name never reaches the disk."""
    if not _ZONE_KEY.fullmatch(name) or name.split("/")[-1].lower() in _NOT_ZONES:
        return None
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # unknown key, or no time zone data on this machine
        return None


def _iana(tzid: str) -> tzinfo | None:
    """« Europe/Paris », or the IANA name at the end of a longer one."""
    parts = tzid.strip().strip("/").split("/")
    for start in range(max(0, len(parts) - 3), len(parts)):
        zone = zoneinfo("/".join(parts[start:]))
        if zone is not None:
            return zone
    return None


class Zones:
    """The TZIDs of one VCALENDAR, resolved once each."""

    def __init__(self, vtimezones: Iterable[Component]) -> None:
        self._defined: dict[str, Component] = {}
        for component in vtimezones:
            tzid = component.first("TZID")
            if tzid is not None and tzid.value.strip() not in self._defined:
                self._defined[tzid.value.strip()] = component
        self._resolved: dict[str, tzinfo | None] = {}

    def get(self, tzid: str) -> tzinfo | None:
        tzid = tzid.strip()
        if tzid not in self._resolved:
            zone = _iana(tzid)
            if zone is None and tzid in self._defined:
                zone = VTimezone.from_component(self._defined[tzid])
            if zone is None:
                zone = zoneinfo(WINDOWS_ZONES.get(tzid.lower(), ""))
            self._resolved[tzid] = zone
        return self._resolved[tzid]


def parse_time(prop: Property, zones: Zones) -> tuple[Moment | None, bool]:
    """The moment, and whether its TZID was given but unknown (the time is then naive,
    as written). A floating time (no Z, no TZID) is naive too."""
    value = prop.value.strip()
    if prop.params.get("VALUE", "").upper() == "DATE" or _DATE.fullmatch(value):
        match = _DATE.match(value)
        return (_date(match) if match else None), False
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return None, False
    moment = _wall(match)
    if moment is None:
        return None, False
    if match.group(7):
        return dates.usable(moment.replace(tzinfo=UTC)), False
    tzid = prop.params.get("TZID")
    zone = zones.get(tzid) if tzid else None
    if zone is None:
        kept = moment if dates.usable(moment) else None
        return kept, bool(tzid)
    return dates.usable(moment.replace(tzinfo=zone)), False


def _date(match: re.Match[str]) -> date | None:
    year, month, number = (int(g) for g in match.groups())
    try:
        day = date(year, month, number)
    except ValueError:
        return None
    return day if dates.usable(datetime(day.year, day.month, day.day)) else None


def utc_text(moment: datetime) -> str:
    """A DATE-TIME in UTC as iCalendar writes it: 20261210T130000Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# --- VTIMEZONE ------------------------------------------------------------------------


class _Yearly(NamedTuple):
    """The part of an RRULE a time zone needs: FREQ=YEARLY;BYMONTH=…;BYDAY=…"""

    month: int
    weekday: int | None
    nth: int  # 1…5 from the start of the month, -1…-5 from its end, 0: any
    monthdays: tuple[int, ...]
    interval: int
    until: datetime | None


class _Observance(NamedTuple):
    start: datetime  # local wall time, in the offset before the change
    offset_from: timedelta
    offset_to: timedelta
    rule: _Yearly | None
    rdates: tuple[datetime, ...]

    def onsets(self, year: int) -> list[datetime]:
        found = [d for d in self.rdates if d.year == year]
        if self.start.year == year:
            found.append(self.start)
        rule = self.rule
        if rule is None or year <= self.start.year or (year - self.start.year) % rule.interval:
            return found
        day = _rule_day(rule, year)
        if day is not None:
            onset = datetime.combine(day, self.start.time())
            if rule.until is None or onset <= rule.until:
                found.append(onset)
        return found


def _rule_day(rule: _Yearly, year: int) -> date | None:
    """The day of `year` the rule names (the last Sunday of October…)."""
    try:
        first = date(year, rule.month, 1)
        following = date(year + (rule.month == 12), rule.month % 12 + 1, 1)
    except ValueError:
        return None
    days = [first + timedelta(n) for n in range((following - first).days)]
    if rule.monthdays:
        days = [d for d in days if d.day in rule.monthdays]
    if rule.weekday is not None:
        days = [d for d in days if d.weekday() == rule.weekday]
    if not days or abs(rule.nth) > len(days):
        return None
    if rule.nth == 0:
        return days[0]
    return days[rule.nth - 1] if rule.nth > 0 else days[rule.nth]


def _offset(value: str) -> timedelta | None:
    match = _OFFSET.fullmatch(value.strip())
    if match is None:
        return None
    sign, hours, minutes, seconds = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
    if delta >= timedelta(hours=24):
        return None
    return -delta if sign == "-" else delta


def _local(value: str) -> datetime | None:
    match = _DATE_TIME.fullmatch(value.strip())
    return _wall(match) if match else None


def _wall(match: re.Match[str]) -> datetime | None:
    """The naive date-time of a _DATE_TIME match, None if there is no such day or time."""
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _rule(value: str) -> _Yearly | None:
    """FREQ=YEARLY with one BYMONTH, as time zones write them; anything else: None."""
    parts = dict(p.partition("=")[::2] for p in value.upper().split(";")[:20])
    try:
        month = int(parts.get("BYMONTH", ""))
        interval = int(parts.get("INTERVAL", "1") or 1)
        monthdays = tuple(int(d) for d in parts.get("BYMONTHDAY", "").split(",")[:31] if d)
    except ValueError:  # absent, several months, or not a number
        return None
    if parts.get("FREQ") != "YEARLY" or not 1 <= month <= 12 or not 1 <= interval <= 100:
        return None
    weekday, nth = None, 0
    if "BYDAY" in parts:
        match = _BYDAY.fullmatch(parts["BYDAY"])
        if match is None:
            return None
        weekday, nth = _DAYS.index(match.group(2)), int(match.group(1) or 0)
    until = _local(parts.get("UNTIL", "").rstrip("Z")) if "UNTIL" in parts else None
    return _Yearly(month, weekday, nth, monthdays, interval, until)


def _value(component: Component, name: str) -> str:
    prop = component.first(name)
    return prop.value if prop else ""


class VTimezone(tzinfo):
    """A zone described by a VTIMEZONE: yearly rules (the usual Outlook and Thunderbird
    form), RDATEs, or fixed observances."""

    def __init__(self, name: str, observances: list[_Observance]) -> None:
        self._name = name
        self._observances = observances
        self._years: dict[int, list[tuple[datetime, timedelta]]] = {}

    @classmethod
    def from_component(cls, component: Component) -> VTimezone | None:
        observances = []
        for child in component.components[:20]:
            if child.name not in ("STANDARD", "DAYLIGHT"):
                continue
            start = _local(_value(child, "DTSTART"))
            to = _offset(_value(child, "TZOFFSETTO"))
            since = _offset(_value(child, "TZOFFSETFROM")) if child.first("TZOFFSETFROM") else to
            if start is None or to is None or since is None:
                continue
            rrule = child.first("RRULE")
            rdates = tuple(
                d
                for prop in child.all("RDATE")[:50]
                for d in map(_local, prop.value.split(",")[:50])
                if d is not None
            )
            rule = _rule(rrule.value) if rrule else None
            observances.append(_Observance(start, since, to, rule, rdates))
        if not observances:
            return None
        tzid = component.first("TZID")
        return cls(tzid.value.strip()[:60] if tzid else "", observances)

    def _changes(self, year: int) -> list[tuple[datetime, timedelta]]:
        """The changes of offset in `year`: (moment in UTC, as naive; the new offset)."""
        if year not in self._years:
            changes = []
            for observance in self._observances:
                for onset in observance.onsets(year):
                    try:
                        changes.append((onset - observance.offset_from, observance.offset_to))
                    except OverflowError:
                        continue
            self._years[year] = sorted(changes)
        return self._years[year]

    def utcoffset(self, dt: datetime | None) -> timedelta:
        """The offset in force at that wall time: the last change before it."""
        if dt is None:
            return self._observances[0].offset_to
        wall = dt.replace(tzinfo=None)
        found: tuple[datetime, timedelta] | None = None
        for year in (wall.year - 1, wall.year):
            if not 1 <= year <= 9999:
                continue
            for moment, offset in self._changes(year):
                try:
                    passed = wall - offset >= moment
                except OverflowError:
                    continue
                if passed and (found is None or moment > found[0]):
                    found = (moment, offset)
        if found is not None:
            return found[1]
        earliest = min(self._observances, key=lambda o: o.start)
        return earliest.offset_from

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)  # not needed to convert from this zone

    def tzname(self, dt: datetime | None) -> str:
        return self._name


# --- the user's zone ------------------------------------------------------------------


def local_zone_name() -> str | None:
    """The IANA name of this machine's zone (TZ, else /etc/localtime's link, else
    /etc/timezone), to say « heure de Paris »; None when it cannot be known."""
    import os

    tz = os.environ.get("TZ")
    if tz is not None:
        name = tz.lstrip(":").split("zoneinfo/")[-1] or "UTC"
    else:
        try:
            target = os.path.realpath("/etc/localtime")
            if "zoneinfo/" in target:
                name = target.split("zoneinfo/")[-1]
            else:
                with open("/etc/timezone", encoding="utf-8") as file:
                    name = file.read(100).strip()
        except (OSError, UnicodeDecodeError):
            return None
    name = name.removeprefix("posix/").removeprefix("right/")
    return name if zoneinfo(name) is not None else None
