"""People from a CSV export: the académie's webmail, Outlook, Thunderbird, Google.

Each writes its own column names, in French or in English (« Adresse de messagerie »,
"E-mail Address", "Primary Email", "E-mail 1 - Value"…); the columns are recognised
by their folded names, the delimiter (`;` in French Excel, `,` elsewhere) by
csv.Sniffer. Only names and addresses are read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tui.core.mail.addressbook import fold

_DISPLAY = {"displayname", "fullname", "name", "nomcomplet", "nomaafficher", "nomdaffichage"}
_FIRST = {"firstname", "givenname", "prenom"}
_LAST = {"lastname", "familyname", "surname", "nom", "nomdefamille"}
_MAIL_WORDS = ("mail", "courriel", "messagerie", "electronique")
_NOT_MAIL_WORDS = ("name", "nom", "type", "label", "display", "afficher")


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(header))


@dataclass(frozen=True)
class Columns:
    """Where the name parts and the addresses are, by column index."""

    display: int | None
    first: int | None
    last: int | None
    emails: tuple[int, ...]


def columns(header: list[str]) -> Columns | None:
    """The header row read; None when no column holds addresses."""
    keys = [_key(h) for h in header]

    def find(names: set[str]) -> int | None:
        return next((i for i, k in enumerate(keys) if k in names), None)

    emails = tuple(
        i
        for i, k in enumerate(keys)
        if any(w in k for w in _MAIL_WORDS) and not any(w in k for w in _NOT_MAIL_WORDS)
    )
    if not emails:
        return None
    return Columns(find(_DISPLAY), find(_FIRST), find(_LAST), emails)


def delimiter(text: str) -> str:
    """`;` or `,` (or a tab), as the file's first lines say. Only the delimiter is taken
    from csv.Sniffer: every export quotes the Excel way, which the sniffer may miss."""
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return "," if first.count(",") >= first.count(";") else ";"


@dataclass(frozen=True)
class Row:
    """One line of the file: a name and the addresses written on it."""

    name: str
    emails: tuple[str, ...]


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


class NoAddressColumn(ValueError):
    """No column of the header row looks like an e-mail address."""


def parse(text: str) -> Iterator[Row]:
    """The rows of a CSV export with a header row; raises NoAddressColumn, and
    csv.Error for a line csv cannot read (the rows before it were given)."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter(text)
    )  # notes span lines
    header = next(reader, None)
    found = columns(header) if header else None
    if found is None:
        raise NoAddressColumn
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        name = _cell(row, found.display)
        if not name:
            name = " ".join(p for p in (_cell(row, found.first), _cell(row, found.last)) if p)
        yield Row(name, tuple(e for e in (_cell(row, i) for i in found.emails) if e))
