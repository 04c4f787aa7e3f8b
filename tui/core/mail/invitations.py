"""Invitations (text/calendar parts) summarised for the reader and `courriel show`.

What, when — in the user's own time zone, said plainly: « jeudi 10 décembre 2026,
14:00–15:30 (heure de Paris) » —, where, who organises; a cancellation or an update
is said as such. The event also keeps what an answer needs (UID, SEQUENCE,
RECURRENCE-ID, organiser, attendees: tui.core.mail.itip). Every shown string is sanitised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from tui.core.i18n import _
from tui.core.mail import dates
from tui.core.mail.formatting import local, long_date, long_day
from tui.core.mail.ical import Component, Property, parse, unescape_text
from tui.core.mail.icaltime import Moment, Zones, local_zone_name, parse_time, utc_text
from tui.core.mail.sanitize import clean_line

if TYPE_CHECKING:
    from tui.core.mail.mime import RenderedMessage  # mime imports this module

MAX_EVENTS = 10
MAX_ATTENDEES = 1000
MAX_UID_CHARS = 1000
REPLY_SHOWN = 5  # attendees' answers shown for a REPLY


@dataclass(frozen=True)
class Attendee:
    address: str  # after « mailto: », sanitised; checked strictly before any use
    name: str
    partstat: str  # NEEDS-ACTION, ACCEPTED, TENTATIVE, DECLINED…


@dataclass(frozen=True)
class CalendarEvent:
    """One VEVENT: what the reader shows, and what an answer copies."""

    method: str
    summary: str
    start: Moment | None
    end: Moment | None
    location: str
    organizer: str  # as shown: « Claire Martin <claire.martin@ac-dijon.fr> »
    organizer_address: str = ""
    uid: str = ""  # exactly as sent (unescaped); "" when absent or unusable
    sequence: int = 0
    # RECURRENCE-ID as a reply writes it (« :20261210T130000Z », « ;VALUE=DATE:… »);
    # None: the whole series; "": one occurrence whose time cannot be written back.
    recurrence_id: str | None = None
    status: str = ""
    attendees: tuple[Attendee, ...] = ()
    repeats: str = ""  # « chaque semaine »
    unknown_zone: str = ""  # a TZID nothing explained: the times are as written

    @property
    def kind(self) -> str:
        """cancel, update, request, reply, counter or other."""
        method = self.method.upper()
        if method == "CANCEL" or self.status == "CANCELLED":
            return "cancel"
        if method == "REQUEST":
            return "update" if self.sequence > 0 else "request"
        return {"REPLY": "reply", "COUNTER": "counter"}.get(method, "other")

    def attendee(self, address: str) -> Attendee | None:
        wanted = address.strip().lower()
        return next((a for a in self.attendees if a.address.lower() == wanted), None)

    def can_answer(self, address: str) -> bool:
        """An invitation (or its update) to this address, still on."""
        return self.kind in ("request", "update") and self.attendee(address) is not None

    def lines(self) -> list[str]:
        """The summary as lines in the user's language, ready to print."""
        summary = self.summary or _("(sans titre)")
        titles = {
            "cancel": _("Réunion annulée : {summary}"),
            "update": _("Invitation mise à jour : {summary}"),
            "request": _("Invitation : {summary}"),
            "reply": _("Réponse à une invitation : {summary}"),
            "counter": _("Contre-proposition : {summary}"),
        }
        out = [titles.get(self.kind, _("Événement : {summary}")).format(summary=summary)]
        if self.start is not None:
            out.append(_("Quand : {v}").format(v=when(self.start, self.end, self.unknown_zone)))
        if self.repeats:
            out.append(_("Répétition : {v}").format(v=self.repeats))
        if self.location:
            out.append(_("Où : {v}").format(v=self.location))
        if self.organizer:
            out.append(_("Organisateur : {v}").format(v=self.organizer))
        if self.kind == "reply":
            out.extend(_answer_line(a) for a in self.attendees[:REPLY_SHOWN])
        return out


def answerable(events: list[CalendarEvent], address: str) -> CalendarEvent | None:
    """The event an answer is about: the series rather than one of its occurrences."""
    candidates = [e for e in events if e.can_answer(address)]
    whole = [e for e in candidates if e.recurrence_id is None]
    return next(iter(whole or candidates), None)


def _answer_line(attendee: Attendee) -> str:
    who = attendee.name or attendee.address
    states = {
        "ACCEPTED": _("{who} accepte"),
        "TENTATIVE": _("{who} participera peut-être"),
        "DECLINED": _("{who} refuse"),
        "DELEGATED": _("{who} délègue"),
    }
    return states.get(attendee.partstat, _("{who} n'a pas encore répondu")).format(who=who)


# --- when, said plainly -----------------------------------------------------------------


def zone_label() -> str:
    """« heure de Paris », « heure UTC », or « heure locale » if the zone has no name."""
    name = local_zone_name()
    if name is None:
        return _("heure locale")
    if name.split("/")[-1].upper() in ("UTC", "UCT", "GMT", "ZULU", "UNIVERSAL"):
        return _("heure UTC")
    return _("heure de {city}").format(city=name.split("/")[-1].replace("_", " "))


def _hours(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def when(start: Moment, end: Moment | None, unknown_zone: str = "") -> str:
    """The moment or span of an event in the user's time zone."""
    if not isinstance(start, datetime):
        return _whole_days(start, end if type(end) is date else None)
    if not isinstance(end, datetime) or (end.tzinfo is None) != (start.tzinfo is None):
        end = None
    if start.tzinfo is None:
        label = (
            _("fuseau horaire « {zone} » inconnu").format(zone=clean_line(unknown_zone[:60]))
            if unknown_zone
            else _("heure locale")
        )
    else:
        start, end = local(start), local(end) if end else None
        label = zone_label()
    if end is None or end <= start:
        return f"{long_date(start)} ({label})"
    if end.date() == start.date():
        return f"{long_day(start.date())}, {_hours(start)}–{_hours(end)} ({label})"
    return f"{long_date(start)} – {long_date(end)} ({label})"


def _whole_days(start: date, end: date | None) -> str:
    """All-day events: DTEND is the day after the last one (RFC 5545 §3.6.1)."""
    last = end - timedelta(days=1) if end is not None and end > start else start
    if last == start:
        return _("{day}, toute la journée").format(day=long_day(start))
    return _("du {first} au {last}, journées entières").format(
        first=long_day(start), last=long_day(last)
    )


# --- reading ---------------------------------------------------------------------------


def summarise_calendar(text: str) -> list[CalendarEvent]:
    """The VEVENTs of an iCalendar text (at most MAX_EVENTS), each field sanitised."""
    events: list[CalendarEvent] = []
    for root in parse(text):
        calendars = [root] if root.name == "VCALENDAR" else []
        for calendar in calendars or [Component("", components=[root])]:
            method_prop = calendar.first("METHOD")
            method = clean_line(method_prop.value.strip())[:20] if method_prop else ""
            zones = Zones(calendar.walk("VTIMEZONE"))
            for vevent in calendar.walk("VEVENT"):
                events.append(_event(method, vevent, zones))
                if len(events) >= MAX_EVENTS:
                    return events
    return events


def _text(prop: Property | None, limit: int = 500) -> str:
    return clean_line(unescape_text(prop.value))[:limit].strip() if prop else ""


def _mailto(value: str) -> str:
    return clean_line(re.sub(r"(?i)^\s*mailto:", "", value).strip())[:320]


def _person(prop: Property) -> tuple[str, str]:
    return _mailto(prop.value), clean_line(prop.params.get("CN", ""))[:200].strip()


def _event(method: str, vevent: Component, zones: Zones) -> CalendarEvent:
    unknown = ""

    def moment(name: str) -> Moment | None:
        nonlocal unknown
        prop = vevent.first(name)
        if prop is None:
            return None
        value, zone_unknown = parse_time(prop, zones)
        if zone_unknown:
            unknown = prop.params.get("TZID", "")
        return value

    organizer, organizer_address = "", ""
    if (prop := vevent.first("ORGANIZER")) is not None:
        organizer_address, name = _person(prop)
        named = name and name.lower() != organizer_address.lower()  # Google: CN=the address
        organizer = clean_line(f"{name} <{organizer_address}>" if named else organizer_address)
    start = moment("DTSTART")
    end = moment("DTEND")
    if end is None and start is not None and (duration := vevent.first("DURATION")):
        end = _add_duration(start, duration.value)
    uid = unescape_text(uid_prop.value) if (uid_prop := vevent.first("UID")) else ""
    attendees = tuple(
        Attendee(*_person(p), clean_line(p.params.get("PARTSTAT", "NEEDS-ACTION"))[:20].upper())
        for p in vevent.all("ATTENDEE")[:MAX_ATTENDEES]
    )
    return CalendarEvent(
        method=method,
        summary=_text(vevent.first("SUMMARY")),
        start=start,
        end=end,
        location=_text(vevent.first("LOCATION")),
        organizer=organizer[:300],
        organizer_address=organizer_address,
        uid=uid if 0 < len(uid) <= MAX_UID_CHARS and uid.isprintable() else "",
        sequence=_sequence(vevent.first("SEQUENCE")),
        recurrence_id=_recurrence_id(vevent.first("RECURRENCE-ID"), zones),
        status=_text(vevent.first("STATUS"), 20).upper(),
        attendees=attendees,
        repeats=_repeats(vevent.first("RRULE")),
        unknown_zone=unknown,
    )


def _sequence(prop: Property | None) -> int:
    value = prop.value.strip() if prop else ""
    return int(value) if re.fullmatch(r"\d{1,9}", value) else 0


def _recurrence_id(prop: Property | None, zones: Zones) -> str | None:
    """The occurrence as the reply names it, without a TZID (which would need the
    VTIMEZONE copied too): in UTC, as a DATE, or floating as sent."""
    if prop is None:
        return None
    moment, unknown = parse_time(prop, zones)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return ":" + utc_text(moment)
    if isinstance(moment, datetime) and not unknown:
        return ":" + moment.strftime("%Y%m%dT%H%M%S")
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return ";VALUE=DATE:" + moment.strftime("%Y%m%d")
    return ""


def _repeats(prop: Property | None) -> str:
    """« chaque semaine », « toutes les 2 semaines »… from an RRULE; "" if none."""
    if prop is None:
        return ""
    parts = dict(p.partition("=")[::2] for p in prop.value.upper().split(";")[:20])
    interval = parts.get("INTERVAL", "1")
    n = int(interval) if re.fullmatch(r"\d{1,4}", interval) and int(interval) > 1 else 1
    every = {
        "DAILY": (_("chaque jour"), _("tous les {n} jours")),
        "WEEKLY": (_("chaque semaine"), _("toutes les {n} semaines")),
        "MONTHLY": (_("chaque mois"), _("tous les {n} mois")),
        "YEARLY": (_("chaque année"), _("tous les {n} ans")),
    }.get(parts.get("FREQ", ""))
    if every is None:
        return _("périodique")
    return every[0] if n == 1 else every[1].format(n=n)


# At most 9 digits a field: a longer number is no real duration, and int() of 5,000
# digits raises ValueError (a hostile invitation made the whole message unreadable).
_DURATION = re.compile(
    r"P(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?"
)


def _add_duration(start: Moment, value: str) -> Moment | None:
    match = _DURATION.fullmatch(value.strip().lstrip("+"))
    if not match:
        return None
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    try:
        delta = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
        end = start + delta
    except OverflowError:
        return None
    if isinstance(end, datetime):
        return end if dates.usable(end) else None
    return end if dates.usable(datetime(end.year, end.month, end.day)) else None


def invitation_blocks(message: RenderedMessage, address: str) -> list[list[str]]:
    """Each invitation's summary; the one the user can answer says how (#20)."""
    answered = answerable(message.calendar, address) if address else None
    blocks = []
    for event in message.calendar:
        lines = event.lines()
        if event is answered:
            lines.append(_("Répondre : touche i (Accepter, Peut-être, Refuser)."))
        blocks.append(lines)
    return blocks
