"""Dates and sizes the way the user's language writes them (French by default).

Done here rather than with `locale`: the C/POSIX locale of an SSH session must still
give « 12 mars » and « 1,2 Mo ».
"""

from __future__ import annotations

from datetime import date, datetime

from tui.core.i18n import N_, _, current_language

_MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_MONTHS_SHORT = {
    "fr": [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}
_DAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
_UNITS = {"fr": ("o", "Ko", "Mo", "Go"), "en": ("B", "KB", "MB", "GB")}


def now() -> datetime:
    """The current local time; the one clock tests and snapshots replace."""
    return datetime.now().astimezone()


def _lang() -> str:
    return "en" if current_language() == "en" else "fr"


def local(moment: datetime) -> datetime:
    """The moment in the machine's local time zone (naive datetimes are taken as local);
    unchanged if that cannot be computed (near year 1 or 9999: tui.core.mail.dates)."""
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone()
    except (ValueError, OverflowError, OSError):
        return moment


def list_date(moment: datetime | None, width: int = 12, reference: datetime | None = None) -> str:
    """Short date for a list row: the time today, the day and month this year, else d/m/y."""
    if moment is None:
        return _("inconnue")
    moment = local(moment)
    today = local(reference) if reference else now()
    if moment.date() == today.date():
        return moment.strftime("%H:%M")
    if moment.year == today.year and width >= 7:
        return f"{moment.day} {_MONTHS_SHORT[_lang()][moment.month - 1]}"
    return moment.strftime("%d/%m/%y")


def day_date(moment: date) -> str:
    """« 3 mars 2026 » / "3 March 2026"."""
    return f"{moment.day} {_MONTHS[_lang()][moment.month - 1]} {moment.year}"


def long_day(day: date) -> str:
    """« lundi 1er décembre 2026 » / "Monday 1 December 2026"."""
    lang = _lang()
    number = "1er" if day.day == 1 and lang == "fr" else str(day.day)
    return f"{_DAYS[lang][day.weekday()]} {number} {_MONTHS[lang][day.month - 1]} {day.year}"


def long_date(moment: datetime | None) -> str:
    """« lundi 23 novembre 2026 à 09:14 » / "Monday 23 November 2026 at 09:14"."""
    if moment is None:
        return ""
    moment = local(moment)
    at = "à" if _lang() == "fr" else "at"
    return f"{long_day(moment.date())} {at} {moment:%H:%M}"


def shown_date(moment: datetime | None, raw: str = "") -> str:
    """The reader's date: the long form, else the header as sent, else « date inconnue »."""
    if moment is not None:
        return long_date(moment)
    return raw or _("date inconnue")


def figure(n: int) -> str:
    """« 100 001 » in French (a no-break space between thousands), "100,001" in English."""
    return f"{n:,}".replace(",", "\u00a0") if _lang() == "fr" else f"{n:,}"


def size_short(size: int) -> str:
    """« 512 o », « 12 Ko », « 1,2 Mo » (binary multiples, one decimal under ten)."""
    units = _UNITS[_lang()]
    value = float(max(size, 0))
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{int(value)} {units[0]}"
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    if _lang() == "fr":
        text = text.replace(".", ",")
    return f"{text} {units[unit]}"


_KINDS: dict[str, str] = {
    "application/pdf": N_("PDF"),
    "application/msword": N_("document Word"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": N_("document Word"),
    "application/vnd.ms-excel": N_("classeur Excel"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": N_("classeur Excel"),
    "application/vnd.ms-powerpoint": N_("présentation PowerPoint"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": N_(
        "présentation PowerPoint"
    ),
    "application/vnd.oasis.opendocument.text": N_("document Writer"),
    "application/vnd.oasis.opendocument.spreadsheet": N_("classeur Calc"),
    "application/vnd.oasis.opendocument.presentation": N_("présentation Impress"),
    "application/zip": N_("archive ZIP"),
    "text/calendar": N_("invitation (agenda)"),
    "application/ics": N_("invitation (agenda)"),
    "text/csv": N_("tableau CSV"),
    "text/plain": N_("texte"),
    "text/html": N_("page HTML"),
    "message/rfc822": N_("message joint"),
}
MAX_KIND = 40  # characters of an unknown content type shown


def attachment_kind(content_type: str) -> str:
    """What an attachment is, in words: « classeur Excel » rather than the 65 characters of
    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, which wrapped the
    reader's list at 80 columns. An unknown type is shown as it is, cut short."""
    kind = "".join(c for c in content_type if c.isprintable()).strip().lower()
    if kind in _KINDS:
        return _(_KINDS[kind])
    major, _sep, minor = kind.partition("/")
    if major == "image" and minor:
        return _("image {format}").format(format=minor.removeprefix("x-").upper()[:10])
    return kind if len(kind) <= MAX_KIND else kind[: MAX_KIND - 1] + "…"
