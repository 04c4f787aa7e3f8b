"""The address book in the user's store (#20 contacts): schema 3, learning, survival.

It lives in the data directory beside the outbox, so deleting the cache keeps it, and
migrating an older store keeps the outbox and drafts it already held.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tests.test_durable_store import fill, identity_for, paths
from tui.core.mail.compose import Draft, build_message, to_bytes
from tui.core.store import contacts, durable, outbox
from tui.core.store.cache import Cache


def test_a_schema_2_store_gains_contacts_and_keeps_outbox_and_drafts(tmp_path: Path) -> None:
    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    queued, draft = fill(cache)
    cache.close()
    with sqlite3.connect(store) as db:  # back to what courriel wrote before contacts
        db.execute("DROP TABLE contacts")
        db.execute("PRAGMA user_version = 2")
    db.close()

    cache = Cache.open(cache_file, durable_path=store)
    try:
        assert [row.id for row in outbox.pending(cache)] == [queued]
        assert [draft_id for draft_id, _d in outbox.load_drafts(cache)] == [draft]
        assert contacts.add_many(cache, [("Claire Petit", "claire.petit@ac-dijon.fr")]) == 1
    finally:
        cache.close()
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == durable.SCHEMA_VERSION == 3
    db.close()


def sent_message(to: str, cc: str = "", bcc: str = "") -> bytes:
    draft = Draft(to=to, cc=cc, bcc=bcc, subject="Conseil de classe", body="Bonjour\n")
    return to_bytes(build_message(identity_for("prenom.nom@ac-dijon.fr"), draft))


def test_learning_counts_every_recipient_once_and_keeps_a_typed_name(tmp_path: Path) -> None:
    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    try:
        raw = sent_message(
            '"Petit, Claire" <claire.petit@ac-dijon.fr>, marc.leroy@ac-dijon.fr',
            cc="Élève Œuvre <eleve@ac-dijon.fr>",
            bcc="CLAIRE.PETIT@ac-dijon.fr",
        )
        assert contacts.learn(cache, raw, when=1000.0) == 3
        contacts.learn(cache, sent_message("Marc Leroy <Marc.Leroy@ac-dijon.fr>"), when=2000.0)
        book = {c.address.lower(): c for c in contacts.all_contacts(cache)}
        assert book["claire.petit@ac-dijon.fr"].name == "Petit, Claire"
        assert book["claire.petit@ac-dijon.fr"].count == 1
        assert (book["marc.leroy@ac-dijon.fr"].count, book["marc.leroy@ac-dijon.fr"].last) == (
            2,
            2000.0,
        )
        assert book["marc.leroy@ac-dijon.fr"].name == "Marc Leroy"
        assert book["eleve@ac-dijon.fr"].name == "Élève Œuvre"
        assert {c.source for c in book.values()} == {contacts.SENT}

        contacts.rename(cache, book["marc.leroy@ac-dijon.fr"].id, "M. Leroy (maths)")
        contacts.learn(cache, sent_message("Marc <marc.leroy@ac-dijon.fr>"), when=3000.0)
        marc = next(c for c in contacts.all_contacts(cache) if c.address.startswith("marc"))
        assert (marc.name, marc.count) == ("M. Leroy (maths)", 3)

        contacts.delete(cache, [marc.id])
        assert "marc.leroy@ac-dijon.fr" not in {c.address for c in contacts.all_contacts(cache)}
    finally:
        cache.close()


def test_hostile_names_are_cleaned(tmp_path: Path) -> None:
    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    try:
        contacts.add_many(cache, [("\x1b]0;pwn\x07Mé\x9bchant <x@y.fr>", "x@ac-dijon.fr")])
        (contact,) = contacts.all_contacts(cache)
        assert "\x1b" not in contact.name and "\x9b" not in contact.name
        assert "<" not in contact.name
    finally:
        cache.close()


def test_contacts_survive_deleting_the_cache(tmp_path: Path) -> None:
    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    contacts.learn(cache, sent_message("Claire Petit <claire.petit@ac-dijon.fr>"))
    cache.close()

    shutil.rmtree(cache_file.parent)

    cache = Cache.open(cache_file, durable_path=store)
    try:
        (claire,) = contacts.all_contacts(cache)
        assert (claire.name, claire.count) == ("Claire Petit", 1)
    finally:
        cache.close()


def test_an_uncertain_message_marked_sent_counts_once(tmp_path: Path) -> None:
    cache_file, store = paths(tmp_path)
    cache = Cache.open(cache_file, durable_path=store)
    try:
        outbox_id = outbox.queue(cache, sent_message("Claire Petit <claire.petit@ac-dijon.fr>"))
        outbox.mark_sent(cache, outbox_id)  # not uncertain: nothing happens
        assert contacts.all_contacts(cache) == []
        outbox.set_status(cache, outbox_id, outbox.UNCERTAIN)
        outbox.mark_sent(cache, outbox_id)
        outbox.mark_sent(cache, outbox_id)
        (claire,) = contacts.all_contacts(cache)
        assert claire.count == 1
    finally:
        cache.close()
