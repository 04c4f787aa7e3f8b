"""Matching and ranking people for address completion: pure data, no store, no UI.

« Petit » finds Claire Petit, « clai » too, « eleve » finds « Élève »: every word of the
name and every part of the address is folded once (case and accents removed) when the
index is built, so a query is a scan of short prefixes, a few milliseconds at 5,000
contacts. The order is how often the user wrote to someone, weighted by how recently.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

HALF_LIFE_DAYS = 90.0  # a person written to 10 times a year ago ranks like 2.5 today
_PARTS = re.compile(r"[\s.,;_'’\"()<>@+-]+")


class _Folding(dict[int, str]):
    """Each character folded once, then looked up by str.translate in C: folding 5,000
    names char by char in Python was most of the index's cost."""

    SPECIAL = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = self.SPECIAL.get(char)
        if folded is None:
            decomposed = unicodedata.normalize("NFKD", char)
            folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        if len(self) < 20_000:  # hostile names full of rare characters stay bounded
            self[code] = folded
        return folded


_FOLDING = _Folding()


def fold(text: str) -> str:
    """Lower case without accents or ligatures: « Élève Œuvre » → « eleve oeuvre »."""
    return text.lower() if text.isascii() else text.translate(_FOLDING)


@dataclass(frozen=True)
class Person:
    """Someone the completion may offer: the address book's rows and the cache's senders."""

    name: str
    address: str
    count: int = 0  # messages the user sent them
    last: float = 0.0  # when, as a Unix time
    seen: int = 0  # messages received from them (the cache), a weaker sign


def score(person: Person, now: float) -> float:
    """Frequency weighted by recency: each message written counts less as it ages."""
    age_days = max(0.0, now - person.last) / 86_400 if person.last else 3650.0
    written = person.count * math.pow(0.5, age_days / HALF_LIFE_DAYS)
    return written + 0.1 * math.log1p(person.seen)


def _keys(person: Person) -> tuple[str, ...]:
    name, address = fold(person.name), fold(person.address)
    words = [w for w in _PARTS.split(name) if w]
    local = address.partition("@")[0]
    parts = [p for p in _PARTS.split(local) if p]
    return tuple(dict.fromkeys([name, *words, address, *parts]))


class AddressIndex:
    """The people known, ranked once, and searched by folded prefixes."""

    def __init__(self, people: Iterable[Person], now: float | None = None) -> None:
        now = time.time() if now is None else now
        merged: dict[str, Person] = {}
        for person in people:
            key = person.address.lower()
            old = merged.get(key)
            if old is None:
                merged[key] = person
            else:  # the address book's row wins; the cache adds what it saw
                merged[key] = Person(
                    old.name or person.name,
                    old.address,
                    old.count + person.count,
                    max(old.last, person.last),
                    old.seen + person.seen,
                )
        ranked = sorted(merged.values(), key=lambda p: (-score(p, now), p.address.lower()))
        self._entries = [(person, _keys(person)) for person in ranked]

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, fragment: str, limit: int = 5) -> list[Person]:
        """The best `limit` people whose name, a word of it, the address or a part of
        its local part starts with `fragment` (folded); "claire p" matches the full name."""
        needle = fold(fragment.strip())
        if not needle:
            return []
        found: list[Person] = []
        for person, keys in self._entries:
            if any(key.startswith(needle) for key in keys):
                found.append(person)
                if len(found) >= limit:
                    break
        return found

    def add(self, people: Iterable[Person]) -> None:
        """People written to in this session, offered first from now on."""
        fresh = [(p, _keys(p)) for p in people]
        known = {p.address.lower() for p, _k in fresh}
        self._entries = [*fresh, *(e for e in self._entries if e[0].address.lower() not in known)]
