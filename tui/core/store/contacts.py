"""The address book, in the user's durable store: it survives the cache.

One row per address (its lower case is the key), learnt from each message the SMTP
server accepts (tui/core/net/smtp.py), imported from vCard or CSV files
(tui/core/mail/contact_import.py) or edited on the contacts screen. A name the user
typed is never replaced by one learnt later.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING, Any

from tui.core.mail.addressbook import Person
from tui.core.mail.sanitize import clean_line

if TYPE_CHECKING:
    from tui.core.store.cache import Cache

SENT, IMPORT, MANUAL = "sent", "import", "manual"
MAX_CONTACTS = 50_000  # what one import may add, and what the completion reads
MAX_NAME = 200
MAX_ADDRESS = 254  # RFC 5321's path limit


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    address: str
    count: int
    last: float
    source: str


def clean_name(name: str, address: str = "") -> str:
    """A name fit to show and to put in a header: one line, no controls, not the address
    repeated, and nothing that reads as an address: a sender named « boss@ac-dijon.fr »
    (review) would be offered by completion under that name with its own address."""
    text = " ".join(clean_line(name[: MAX_NAME * 4]).split()).strip("'\"").strip()
    text = text.replace("<", "").replace(">", "")[:MAX_NAME].strip()
    return "" if "@" in text else text


def _upsert(
    db: sqlite3.Connection, name: str, address: str, source: str, *, sent: bool, when: float
) -> bool:
    """One person into the book; True when the row is new."""
    key = address.lower()
    row = db.execute("SELECT id, name, name_set FROM contacts WHERE key = ?", (key,)).fetchone()
    if row is None:
        db.execute(
            "INSERT INTO contacts (key, address, name, sent_count, last_sent, source, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, address, name, 1 if sent else 0, when if sent else 0.0, source, time.time()),
        )
        return True
    contact_id, old_name, name_set = row
    if name and not name_set and (sent or not old_name):
        db.execute("UPDATE contacts SET name = ? WHERE id = ?", (name, contact_id))
    if sent:
        db.execute(
            "UPDATE contacts SET sent_count = sent_count + 1, last_sent = max(last_sent, ?) "
            "WHERE id = ?",
            (when, contact_id),
        )
    return False


def recipients_of(raw: bytes) -> list[tuple[str, str]]:
    """(name, address) of each To, Cc and Bcc recipient of a message, once each."""
    from email.policy import default as default_policy

    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
        found: dict[str, tuple[str, str]] = {}
        for field in ("to", "cc", "bcc"):
            for header in headers.get_all(field, []):
                for address in getattr(header, "addresses", ()):
                    spec = clean_line(address.addr_spec or "")
                    if "@" in spec and len(spec) <= MAX_ADDRESS and " " not in spec:
                        name = clean_name(address.display_name or "", spec)
                        found.setdefault(spec.lower(), (name, spec))
    except (ValueError, TypeError, IndexError):  # a header the email package cannot read
        return []
    return list(found.values())


def learn(cache: Cache, raw: bytes, when: float | None = None) -> int:
    """The message left: each recipient counts once more, now; returns how many."""
    people = recipients_of(raw)
    if not people:
        return 0
    stamp = time.time() if when is None else when
    with cache.transaction() as db:
        for name, address in people:
            _upsert(db, name, address, SENT, sent=True, when=stamp)
    return len(people)


def add_many(cache: Cache, people: Iterable[tuple[str, str]], source: str = IMPORT) -> int:
    """Imported or typed people, in one transaction; returns how many are new. A known
    address keeps its counts and gets a name only if it had none."""
    added = 0
    with cache.transaction() as db:
        for name, address in people:
            added += _upsert(db, clean_name(name, address), address, source, sent=False, when=0.0)
    return added


def rename(cache: Cache, contact_id: int, name: str) -> None:
    """The user's own spelling: kept from now on, whatever later messages say."""
    with cache.transaction() as db:
        db.execute(
            "UPDATE contacts SET name = ?, name_set = 1 WHERE id = ?",
            (clean_name(name), contact_id),
        )


def delete(cache: Cache, contact_ids: Sequence[int]) -> None:
    with cache.transaction() as db:
        db.executemany("DELETE FROM contacts WHERE id = ?", [(i,) for i in contact_ids])


Row = tuple[Any, ...]


def rows(cache: Cache, limit: int = MAX_CONTACTS) -> list[Row]:
    """The book's rows as SQLite gives them: read on the connection's thread (quick),
    cleaned by `contacts_of` wherever suits (the completion does it in a thread)."""
    with cache.reading() as db:
        return db.execute(
            "SELECT id, name, address, sent_count, last_sent, source FROM contacts "
            "ORDER BY sent_count DESC, last_sent DESC, lower(name), key LIMIT ?",
            (limit,),
        ).fetchall()


def contacts_of(found: list[Row]) -> list[Contact]:
    """The file is the user's but may have been edited: names shown are cleaned again."""
    return [
        Contact(int(i), clean_line(str(n)), clean_line(str(a)), int(c), float(t), str(s))
        for i, n, a, c, t, s in found
    ]


def all_contacts(cache: Cache, limit: int = MAX_CONTACTS) -> list[Contact]:
    """Every contact, most written to first, then by name."""
    return contacts_of(rows(cache, limit))


def people(found: list[Row]) -> list[Person]:
    """The book as the completion reads it."""
    return [Person(c.name, c.address, c.count, c.last) for c in contacts_of(found)]
