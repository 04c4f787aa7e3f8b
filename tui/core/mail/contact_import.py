"""Importing contacts from a file: which format, the limits, and what was left out.

The file is hostile whatever its name: at most 10 MiB, no NUL byte (a binary file is
refused whole), every name cleaned, every address checked as strictly as a typed one;
what is left out is counted by reason, so the user reads « 120 contacts importés,
3 ignorés (adresse invalide) ».
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.errors import MailError
from tui.core.i18n import N_, _, ngettext
from tui.core.mail import contacts_csv, vcard
from tui.core.mail.compose import AddressError, check_address
from tui.core.mail.sanitize import clean_line
from tui.core.userfiles import UserFileError, read_limited, shown_path

MAX_BYTES = 10 * 1024 * 1024
MAX_PEOPLE = 50_000
MAX_NAME = 200

INVALID = N_("adresse invalide")
NO_ADDRESS = N_("sans adresse")
UNREADABLE = N_("ligne illisible")
TOO_MANY = N_("au-delà de 50 000 contacts")
TWICE = N_("en double")


class ImportFailed(MailError):
    """The file cannot be imported at all (missing, binary, too big, no address column)."""


@dataclass
class Imported:
    """The people read, each address once, and how many were left out, by reason."""

    people: list[tuple[str, str]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    _seen: set[str] = field(default_factory=set)

    def add(self, name: str, address: str) -> None:
        address = address.strip()
        try:
            check_address(address)
        except AddressError:
            self.skipped[INVALID] += 1
            return
        if len(address) > 254:
            self.skipped[INVALID] += 1
            return
        if address.lower() in self._seen:
            self.skipped[TWICE] += 1
            return
        if len(self.people) >= MAX_PEOPLE:
            self.skipped[TOO_MANY] += 1
            return
        self._seen.add(address.lower())
        self.people.append((clean_name(name), address))

    def add_all(self, name: str, addresses: Iterable[str]) -> None:
        found = False
        for address in addresses:
            found = True
            self.add(name, address)
        if not found:
            self.skipped[NO_ADDRESS] += 1


def clean_name(name: str) -> str:
    text = " ".join(clean_line(name[: MAX_NAME * 4]).split())
    return text.replace("<", "").replace(">", "")[:MAX_NAME].strip()


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without its BOM, as Excel writes it), else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def is_vcard(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return head.startswith(b"BEGIN:VCARD")


def from_bytes(data: bytes, where: str = "") -> Imported:
    """Read a vCard or CSV file's bytes; raises ImportFailed when nothing can be read."""
    if b"\0" in data:
        raise ImportFailed(
            _("{path} n'est pas un fichier texte (vCard ou CSV) : rien n'a été importé.").format(
                path=where or "?"
            )
        )
    result = Imported()
    if is_vcard(data):
        for card in vcard.parse(data):
            if card.broken:
                result.skipped[UNREADABLE] += card.broken
            result.add_all(card.name, card.emails)
        return result
    try:
        for row in contacts_csv.parse(decode_text(data)):
            result.add_all(row.name, row.emails)
    except contacts_csv.NoAddressColumn:
        raise ImportFailed(
            _(
                "{path} : aucune colonne d'adresse électronique reconnue. courriel lit les "
                "fichiers vCard (.vcf) et les exports CSV avec une ligne de titres "
                "(« Adresse de messagerie », « E-mail Address »…)."
            ).format(path=where or "?")
        ) from None
    except csv.Error:
        result.skipped[UNREADABLE] += 1  # what came before the bad line is kept
    return result


def from_file(path: Path) -> Imported:
    """Read a file the user named, within the limits."""
    where = shown_path(path)
    try:
        data = read_limited(path, MAX_BYTES)
    except FileNotFoundError:
        raise ImportFailed(_("{path} : fichier introuvable.").format(path=where)) from None
    except UserFileError as error:
        raise ImportFailed(error.message) from None
    return from_bytes(data, where)


def summary(added: int, known: int, skipped: Counter[str]) -> str:
    """« 12 contacts importés, 3 ignorés (adresse invalide : 2, sans adresse : 1) »."""
    text = ngettext("{n} contact importé", "{n} contacts importés", added).format(n=added)
    if known:
        text += ", " + ngettext("{n} déjà connu", "{n} déjà connus", known).format(n=known)
    skipped = Counter({reason: n for reason, n in skipped.items() if n > 0})
    total = sum(skipped.values())
    if total:
        reasons = ", ".join(
            f"{_(reason)} : {count}" if len(skipped) > 1 else _(reason)
            for reason, count in skipped.most_common()
        )
        text += ", " + ngettext("{n} ignoré", "{n} ignorés", total).format(n=total)
        text += f" ({reasons})"
    return text + "."
