"""Sending through the real bed teaches the address book (#20 contacts): each message
the server accepts counts its recipients once; a refused one counts nobody."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Bed
from tests.test_smtp import account, identity, inbox, trust
from tui.core.mail.compose import Draft, build_message
from tui.core.net.smtp import send_pending
from tui.core.store import contacts, outbox
from tui.core.store.cache import Cache


async def test_each_message_sent_counts_its_recipients(submission: Bed, tmp_path: Path) -> None:
    bed = submission  # aiosmtpd, then Postfix
    sender, colleague = bed.new_user(), bed.new_user()
    cache = Cache.open(tmp_path / "cache.db")
    try:
        for subject in ("Conseil de classe", "Sortie au musée"):
            draft = Draft(
                to=f"Claire Pétit <{colleague.email}>",
                bcc=f"copie.{sender.username}@exterieur.fr",
                subject=subject,
                body="Bonjour\n",
            )
            outbox.queue(cache, build_message(identity(sender), draft))
            report = await send_pending(
                cache, account(bed, sender), trust(bed, tmp_path), sender.password
            )
            assert report.failed == [] and len(report.sent) == 1
        assert len(inbox(bed, colleague)) == 2
        book = {c.address.lower(): c for c in contacts.all_contacts(cache)}
        claire = book[colleague.email.lower()]
        assert (claire.name, claire.count, claire.source) == ("Claire Pétit", 2, "sent")
        assert claire.last > 0
        assert book[f"copie.{sender.username}@exterieur.fr"].count == 2  # Bcc counts too

        # Refused: nobody is learnt, nothing counted twice.
        draft = Draft(to="inconnu@ac-dijon.fr", subject="Essai", body="Texte\n")
        outbox.queue(cache, build_message(identity(sender), draft))
        report = await send_pending(
            cache, account(bed, sender), trust(bed, tmp_path), sender.password
        )
        assert report.failed
        again = {c.address.lower(): c.count for c in contacts.all_contacts(cache)}
        assert "inconnu@ac-dijon.fr" not in again and again[colleague.email.lower()] == 2
    finally:
        cache.close()
