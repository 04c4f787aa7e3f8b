"""Marking by pattern (#19): which messages of a folder a person means by « from Dupont,
older than two years, larger than 5 Mo ».

What the user types is read here, in French or English, with an error in their words
when it cannot be; the cache answers the date and size part in SQL, and `matches`
the text part, without case or accents (« elodie » finds « Élodie »).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.core.i18n import _

# Units of age as people type them, in days: « 2 ans », « 6 mois », « 3 semaines »,
# « 10 j », « 2y », « 1 week ». « min » is not « mois »: it is refused.
_AGE_UNITS: dict[str, int] = {
    **dict.fromkeys(("j", "jour", "jours", "d", "day", "days"), 1),
    **dict.fromkeys(("s", "sem", "semaine", "semaines", "w", "week", "weeks"), 7),
    **dict.fromkeys(("m", "mois", "month", "months"), 30),
    **dict.fromkeys(("a", "an", "ans", "année", "années", "y", "year", "years"), 365),
}
_SIZE_UNITS: dict[str, int] = {
    **dict.fromkeys(("", "o", "b", "octet", "octets", "byte", "bytes"), 1),
    **dict.fromkeys(("k", "ko", "kb", "kib"), 1024),
    **dict.fromkeys(("m", "mo", "mb", "mib"), 1024**2),
    **dict.fromkeys(("g", "go", "gb", "gib"), 1024**3),
}
_NUMBER = r"(\d+(?:[.,]\d+)?)"
MAX_DAYS = 365 * 200
MAX_SIZE = 1024**4  # larger than any message: a bigger figure is a typo


@dataclass(frozen=True)
class Pattern:
    """Every part given must match; an empty pattern matches nothing."""

    sender: str = ""  # in the sender's name or address
    subject: str = ""
    before: datetime | None = None  # older than this moment
    larger: int | None = None  # bytes

    @property
    def empty(self) -> bool:
        return not (self.sender or self.subject or self.before or self.larger is not None)


def strip_accents(text: str) -> str:
    """« Élodie » → « Elodie » (compatibility forms folded too: « ﬁ » → « fi »)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def folded(text: str) -> str:
    """Lower case, without accents: what a search for a name compares."""
    if text.isascii():  # most names and subjects: no accent to take off (sorting 50k)
        return text.lower()
    return strip_accents(text.casefold())


def matches(pattern: Pattern, sender_name: str, sender_address: str, subject: str) -> bool:
    """The text part of the pattern (the cache has checked dates and sizes)."""
    if pattern.sender:
        wanted = folded(pattern.sender)
        if wanted not in folded(sender_name) and wanted not in folded(sender_address):
            return False
    return not pattern.subject or folded(pattern.subject) in folded(subject)


def parse_age(text: str, now: datetime) -> datetime:
    """« 2 ans », « 6 mois », « 30 jours », « 2y » (before `now` by that much) or a date,
    « 31/12/2023 » or « 2023-12-31 » (before that day). ValueError: what to type."""
    value = text.strip().lower()
    for form in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, form).replace(tzinfo=now.tzinfo)
        except ValueError:
            pass
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}", value):
        raise ValueError(_("« {text} » : cette date n'existe pas.").format(text=text.strip()))
    found = re.fullmatch(_NUMBER + r"\s*([a-zé]*)", value)
    unit = found.group(2) if found else ""
    if found is None or unit not in _AGE_UNITS:
        raise ValueError(
            _(
                "« {text} » n'est pas une durée : écrivez par exemple « 2 ans », « 6 mois », "
                "« 30 jours » ou une date « 31/12/2023 »."
            ).format(text=text.strip())
        )
    days = float(found.group(1).replace(",", ".")) * _AGE_UNITS[unit]
    return now - timedelta(days=min(days, MAX_DAYS))


def parse_size(text: str) -> int:
    """« 5 Mo », « 500 Ko », « 1,5M », « 2 MB » in bytes. ValueError: what to type."""
    value = text.strip().lower().replace(" ", "")
    found = re.fullmatch(_NUMBER + r"([a-z]*)", value)
    if found is None or found.group(2) not in _SIZE_UNITS:
        raise ValueError(
            _(
                "« {text} » n'est pas une taille : écrivez par exemple « 5 Mo » ou « 500 Ko »."
            ).format(text=text.strip())
        )
    size = float(found.group(1).replace(",", ".")) * _SIZE_UNITS[found.group(2)]
    if not size <= MAX_SIZE:  # also inf: a 400-digit figure
        raise ValueError(
            _("« {text} » : aucun message n'est aussi gros.").format(text=text.strip())
        )
    return int(size)
