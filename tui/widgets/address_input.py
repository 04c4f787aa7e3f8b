"""The address fields of the compose screen (À, Cc, Cci) and their completion.

The word typed after the last comma is matched against the address book
(tui/core/store/contacts.py) and the people of the cache, by name or address, without
accents or case (tui/core/mail/addressbook.py). The best match is drawn after the
cursor in the field itself — one line, no pop-up to redraw over SSH — with how many
others there are: ↓ and ↑ go through them, Tab or → takes the one shown, written as a
header wants it (`"Petit, Claire" <claire.petit@ac-dijon.fr>`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.suggester import Suggester
from textual.widgets import Input

from tui.core import logs
from tui.core.i18n import _
from tui.core.mail.addressbook import AddressIndex, Person, fold
from tui.core.mail.compose import format_address, one_line
from tui.core.mail.sanitize import clean_line
from tui.core.store import contacts
from tui.core.store.cache import Cache

MAX_SCANNED = 100_000  # messages read to find the people of the cache
SHOWN = 9  # matches gone through with ↓


CacheRows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def cache_rows(cache: Cache) -> CacheRows:
    """The Sent folder's recipients and the newest senders, as SQLite gives them: read
    on the UI's connection, which belongs to its thread; `cache_people` does the rest."""
    sent = cache.special_folder("sent")
    with cache.reading() as db:
        recipients = (
            db.execute("SELECT recipients, cc FROM messages WHERE folder = ?", (sent,)).fetchall()
            if sent
            else []
        )
        senders = db.execute(
            "SELECT sender_address, sender_name FROM messages ORDER BY sort_date DESC LIMIT ?",
            (MAX_SCANNED,),
        ).fetchall()
    return recipients, senders


def cache_people(found: CacheRows) -> list[Person]:
    """The people of the cache: those written to (the Sent folder's recipients), then
    senders, by how often they appear; each under the name it was last seen with."""
    recipients, senders = found
    wrote_to: Counter[str] = Counter()
    for to, cc in recipients:
        for item in f"{to},{cc}".split(","):
            addr = clean_line(one_line(item)).strip()
            if "@" in addr and "<" not in addr:
                wrote_to[addr.lower()] += 1
    frequency: Counter[str] = Counter()
    spelled: dict[str, tuple[str, str]] = {}
    for address, name in senders:
        addr = clean_line(one_line(address or ""))
        if "@" not in addr:
            continue
        key = addr.lower()
        spelled.setdefault(key, (contacts.clean_name(name or "", addr), addr))
        frequency[key] += 1
    for key in wrote_to:
        spelled.setdefault(key, ("", key))
    return [
        Person(name, addr, seen=frequency[key] + 10 * wrote_to[key])
        for key, (name, addr) in spelled.items()
    ]


def address_book(cache: Cache) -> list[Person]:
    """The people of the cache, read and sorted out at once (tests, scripts)."""
    return cache_people(cache_rows(cache))


def build_index(path: Path, durable_path: Path) -> AddressIndex:
    """Reading, cleaning, folding and ranking (~0.15 s at 5,000 contacts on a loaded
    2-core machine): in a thread, on a connection of its own, so no keystroke waits."""
    store = Cache.open(path, durable_path=durable_path, check=False)
    try:
        book: list[tuple[Any, ...]] = []
        try:
            book = contacts.rows(store)
        except Exception as error:  # an unreadable book: the cache's people still help
            logs.record(error, "compose: reading the address book")
        found = cache_rows(store)
    finally:
        store.close()
    return AddressIndex([*contacts.people(book), *cache_people(found)])


def split_fragment(value: str) -> tuple[str, str]:
    """What stays (up to the last comma or semicolon, and the spaces after it) and the
    word being typed."""
    cut = max(value.rfind(","), value.rfind(";")) + 1
    fragment = value[cut:].lstrip()
    return value[: len(value) - len(fragment)], fragment


class AddressSuggester(Suggester):
    """Completes the address being typed after the last comma, by name or address."""

    def __init__(self, cache: Cache) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.source = cache  # not `cache`: Suggester uses that name for its LRU
        self._index: AddressIndex | None = None
        self._building: asyncio.Future[AddressIndex] | None = None
        self._pending: list[Person] = []
        self.choice = 0  # which match ↓/↑ picked, for the value it was picked on
        self._chosen_for = ""

    def use(self, cache: Cache) -> None:
        """Another account's « De »: its address book, built again in a thread (#20)."""
        if cache is not self.source:
            self.source, self._index, self._building = cache, None, None
            self.warm()

    def warm(self) -> None:
        """Start building the index in a thread; called when an address field may be
        typed in (the UI's own connection is not used: it belongs to its thread)."""
        if self._building is None and self._index is None:
            work = asyncio.to_thread(build_index, self.source.path, self.source.durable_path)
            self._building = asyncio.ensure_future(work)

    async def ready(self) -> AddressIndex:
        """The index, once built; an empty one if it could not be (logged), so that a
        broken file never takes the compose screen down with it."""
        if self._index is None:
            self.warm()
            assert self._building is not None
            try:
                index = await self._building
            except Exception as error:
                logs.record(error, "compose: building the address completion")
                index = AddressIndex([])
            if self._index is None:
                index.add(self._pending)
                self._index = index
        return self._index

    def remember(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Addresses written to in this session are offered first next time."""
        people = [Person(name, addr) for name, addr in pairs]
        if self._index is None:
            self._pending = [*people, *self._pending]
        else:
            self._index.add(people)

    def matches(self, value: str) -> list[Person]:
        head, fragment = split_fragment(value)
        if len(fragment) < 2 or "<" in fragment:
            return []
        if self._index is None:
            return []  # not built yet: nothing is drawn, nothing can be taken
        typed = head.lower()  # someone already in the field is not offered again
        found = self._index.search(fragment, SHOWN + typed.count("@"))
        return [p for p in found if p.address.lower() not in typed][:SHOWN]

    def _picked(self, value: str) -> tuple[Person, int, int] | None:
        found = self.matches(value)
        if not found:
            return None
        if value != self._chosen_for:
            self.choice, self._chosen_for = 0, value
        return found[self.choice % len(found)], self.choice % len(found), len(found)

    def completion(self, value: str) -> str | None:
        """The value with the word typed replaced by the match shown."""
        picked = self._picked(value)
        if picked is None:
            return None
        head, _fragment = split_fragment(value)
        return head + format_address(picked[0].name, picked[0].address)

    def ghost(self, value: str) -> str:
        """What the field draws: the value, then the rest of the match (or the match
        after an arrow when the word is inside the name), then « 1/3 ↓ »."""
        picked = self._picked(value)
        if picked is None:
            return ""
        person, position, total = picked
        _head, fragment = split_fragment(value)
        shown = format_address(person.name, person.address)
        # The rest is drawn after what was typed only when the two read the same letter
        # for letter: « oeuv » against « Œuvre » folds alike but would draw « oeuve »
        # while Tab writes « Œuvre » (review).
        if fold(shown[: len(fragment)]) == fold(fragment):
            text = value + shown[len(fragment) :]
        else:
            text = value + "  → " + shown
        if total > 1:
            text += "  " + _("{n}/{total} ↓").format(n=position + 1, total=total)
        return text

    async def get_suggestion(self, value: str) -> str | None:
        if len(split_fragment(value)[1]) < 2:
            return None
        await self.ready()
        return self.ghost(value) or None


class AddressInput(Input):
    """An Input whose completion is taken as an address, never as the text drawn."""

    BINDINGS = [
        Binding("down", "other_match(1)", show=False),
        Binding("up", "other_match(-1)", show=False),
    ]

    def __init__(
        self, value: str, placeholder: str, *, suggester: AddressSuggester, id: str
    ) -> None:
        # select_on_focus off: coming back to add an address keeps those typed.
        super().__init__(value, placeholder, suggester=suggester, select_on_focus=False, id=id)
        self.addresses = suggester

    def take_completion(self) -> bool:
        """Put the match shown in place of the word typed; False when none is shown."""
        if not (self._suggestion and self.cursor_at_end):
            return False
        completed = self.addresses.completion(self.value)
        if completed is None:
            return False
        self.value = completed
        self.cursor_position = len(completed)
        self._suggestion = ""
        return True

    def action_cursor_right(self, select: bool = False) -> None:
        if select or not self.take_completion():
            super().action_cursor_right(select)

    def action_other_match(self, step: int) -> None:
        if not self._suggestion:
            return
        self.addresses.choice += step
        self._suggestion = self.addresses.ghost(self.value)
