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

# Units of age, by their first letters as people type them: « 2 ans », « 6 mois »,
# « 3 semaines », « 10 j », « 2y », « 1w ».
_AGE_UNITS: dict[str, int] = {
    "j": 1,
    "d": 1,
    "s": 7,
    "w": 7,
    "m": 30,
    "a": 365,
    "y": 365,
}
_SIZE_UNITS: dict[str, int] = {"": 1, "o": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_NUMBER = r"(\d+(?:[.,]\d+)?)"
MAX_DAYS = 365 * 200


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


def folded(text: str) -> str:
    """Lower case, without accents: what a search for a name compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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
    found = re.fullmatch(_NUMBER + r"\s*([a-zé]*)", value)
    unit = found.group(2)[:1] if found else ""
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
    found = re.fullmatch(_NUMBER + r"([a-z]?)[ob]?", value)
    if found is None or found.group(2) not in _SIZE_UNITS:
        raise ValueError(
            _(
                "« {text} » n'est pas une taille : écrivez par exemple « 5 Mo » ou « 500 Ko »."
            ).format(text=text.strip())
        )
    return int(float(found.group(1).replace(",", ".")) * _SIZE_UNITS[found.group(2)])
