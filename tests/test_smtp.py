"""Sending through the real SMTP servers of the test bed (aiosmtpd, and Postfix where the
test takes `submission`), read back from the real Dovecot."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from tests.bed.dovecot import User
from tests.conftest import PASSWORD, Bed
from tui.core.errors import SendError
from tui.core.i18n import set_language
from tui.core.mail.compose import Draft, Identity, build_message, parse_address_list, to_bytes
from tui.core.mail.new_drafts import forward_draft, new_draft, reply_draft
from tui.core.net.imap import ImapConnection
from tui.core.net.sent_filing import file_pending, file_sent
from tui.core.net.smtp import send_now, send_pending
from tui.core.net.trust import CertificateNeedsDecision, TrustStore
from tui.core.store import outbox
from tui.core.store.cache import Cache

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n\x00\xff binaire\n%%EOF\n"


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


def account(bed: Bed, user: User, **extra: Any) -> dict[str, Any]:
    return {
        "smtp_host": "localhost",
        "smtp_port": bed.smtp_port,
        "username": user.username,
        "email": user.email,
        "display_name": "Élodie Fèvre",
        "save_sent": True,
        **extra,
    }


def trust(bed: Bed, tmp_path: Path) -> TrustStore:
    return TrustStore(tmp_path / "trust.toml", cafile=bed.smtp.cert)


def identity(user: User, name: str = "Élodie Fèvre") -> Identity:
    return Identity(name, user.email, "Élodie Fèvre\nCollège Les Lentillères, Dijon")


def inbox(bed: Bed, user: User, folder: str = "INBOX") -> list[tuple[int, bytes, set[str]]]:
    bed.smtp.settle()  # Postfix delivers just after its 250
    with IMAPClient(
        "localhost", port=bed.imap_port, ssl=True, ssl_context=bed.trusting_context(), timeout=30
    ) as client:
        client.login(user.username, user.password)
        client.select_folder(folder)
        uids = client.search(["ALL"])
        data = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}
        return [
            (uid, data[uid][b"BODY[]"], {f.decode() for f in data[uid][b"FLAGS"]})
            for uid in sorted(data)
        ]


def outside(bed: Bed, address: str) -> list[bytes]:
    """Copies for a recipient outside the bed's domain, oldest first.

    (The bed delivers a message to at most one local user: its LMTP client reads a
    single reply for several recipients, so tests give each message one local user.)
    """
    bed.smtp.settle()
    files = sorted(bed.smtp.outside.glob(f"*-{address}.eml"))
    return [f.read_bytes() for f in files]


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


async def test_french_message_with_pdf_read_back_exactly(submission: Bed, tmp_path: Path) -> None:
    bed = submission  # aiosmtpd, then Postfix
    sender, recipient = bed.new_user(), bed.new_user()
    hidden = (
        f"cache.{sender.username}@exterieur.fr"  # one local recipient per message: see outside()
    )
    pdf = tmp_path / "Procès-verbal du conseil d'école.pdf"
    pdf.write_bytes(PDF)
    draft = new_draft(identity(sender), to=f"Marie-Hélène Lefèvre <{recipient.email}>")
    draft.bcc = hidden
    draft.subject = "Conseil d'école : procès-verbal à relire — ça presse"
    draft.body = (
        "Bonjour Marie-Hélène,\nVoici le procès-verbal ; œuvre collective, 15 € à régler.\n"
    )
    draft.body += "\n-- \nÉlodie Fèvre\n"
    draft.attachments = [str(pdf)]
    cache = Cache.open(tmp_path / "cache.db")
    outbox_id = outbox.queue(cache, build_message(identity(sender), draft))
    assert [r.id for r in cache.outbox()] == [outbox_id]  # durable before any network I/O

    report = await send_pending(cache, account(bed, sender), trust(bed, tmp_path), sender.password)

    assert report.failed == [] and [s.outbox_id for s in report.sent] == [outbox_id]
    assert outbox.pending(cache) == []  # no longer waiting to go…
    assert [r.status for r in cache.outbox()] == ["sent"]  # …but kept until copied to Sent
    assert report.size_limit == bed.smtp.size_limit
    ((_uid, raw, _flags),) = inbox(bed, recipient)
    msg = parse(raw)
    assert msg["Subject"] == draft.subject
    assert msg["From"].addresses[0].display_name == "Élodie Fèvre"
    assert msg["To"].addresses[0].display_name == "Marie-Hélène Lefèvre"
    assert "Bcc" not in msg and hidden.encode() not in raw
    body = msg.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == draft.body
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "Procès-verbal du conseil d'école.pdf"
    assert part.get_content() == PDF
    # The Bcc recipient got the same bytes, without learning they were in Bcc.
    (hidden_raw,) = outside(bed, hidden)
    assert "Bcc" not in parse(hidden_raw)
    assert parse(hidden_raw)["Subject"] == draft.subject

    # Copy to Sent: the sender's record keeps the Bcc.
    conn = ImapConnection(
        "localhost",
        bed.imap_port,
        sender.username,
        sender.password,
        TrustStore(tmp_path / "trust.toml", cafile=bed.dovecot.cert),
    )
    conn.connect()
    try:
        if "Sent" not in [f.name for f in conn.list_folders()]:
            conn.create_folder("Sent")
        assert file_pending(conn, cache, "Sent").changed == {"Sent"}
    finally:
        conn.close()
    ((_uid, sent_raw, sent_flags),) = inbox(bed, sender, "Sent")
    assert cache.outbox() == []  # filed: forgotten
    assert "\\Seen" in sent_flags
    assert parse(sent_raw)["Bcc"] == hidden
    cache.close()


async def test_reply_and_reply_all_then_answered_on_the_original(
    submission: Bed, tmp_path: Path
) -> None:
    bed = submission  # aiosmtpd, then Postfix
    marie, me = bed.new_user(), bed.new_user()
    third = f"troisieme.{me.username}@exterieur.fr"
    cache = Cache.open(tmp_path / "cache.db")
    first = Draft(
        to=f"{me.email}, Troisième <{third}>",
        subject="Réunion",
        body="Êtes-vous disponibles jeudi ?\n",
    )
    outbox.queue(cache, build_message(identity(marie, "Marie Durand"), first))
    await send_pending(cache, account(bed, marie), trust(bed, tmp_path), marie.password)
    ((uid, original, _flags),) = inbox(bed, me)
    original_id = parse(original)["Message-ID"]

    reply = reply_draft(identity(me), original, folder="INBOX", uid=uid)
    assert reply.to == f"Marie Durand <{marie.email}>"
    assert reply.body.split("\n")[0].endswith(", Marie Durand a écrit :")
    assert "> Êtes-vous disponibles jeudi ?" in reply.body
    everyone = reply_draft(identity(me), original, reply_all=True)
    assert me.email not in everyone.to + everyone.cc
    to = [address for _name, address in parse_address_list(everyone.to)]
    assert to == [marie.email, third] and everyone.cc == ""

    outbox.queue(cache, build_message(identity(me), everyone))
    report = await send_pending(cache, account(bed, me), trust(bed, tmp_path), me.password)
    (sent,) = report.sent
    assert sent.in_reply_to == original_id
    for got_raw in (inbox(bed, marie)[-1][1], outside(bed, third)[-1]):
        got = parse(got_raw)
        assert got["Subject"] == "Re: Réunion"
        assert got["In-Reply-To"] == original_id
        assert got["References"] == original_id

    conn = ImapConnection(
        "localhost",
        bed.imap_port,
        me.username,
        me.password,
        TrustStore(tmp_path / "trust.toml", cafile=bed.dovecot.cert),
    )
    conn.connect()
    try:
        flagged = file_sent(conn, None, sent, None, original=("INBOX", uid))
    finally:
        conn.close()
    assert flagged == [("INBOX", uid)]
    assert "\\Answered" in inbox(bed, me)[0][2]
    cache.close()


async def test_forward_as_attachment_arrives_intact(submission: Bed, tmp_path: Path) -> None:
    bed = submission  # aiosmtpd, then Postfix
    sender, recipient = bed.new_user(), bed.new_user()
    original = (
        "From: Rectorat <rectorat@ac-dijon.fr>\r\nTo: x@ac-dijon.fr\r\n"
        "Subject: Note de service n° 12\r\nMessage-ID: <note12@ac-dijon.fr>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Calendrier des épreuves.\r\n"
    ).encode()
    draft = forward_draft(identity(sender), original, as_attachment=True)
    draft.to = recipient.email
    cache = Cache.open(tmp_path / "cache.db")
    outbox.queue(cache, build_message(identity(sender), draft, original_raw=original))
    report = await send_pending(cache, account(bed, sender), trust(bed, tmp_path), sender.password)
    assert report.failed == []
    msg = parse(inbox(bed, recipient)[0][1])
    assert msg["Subject"] == "TR: Note de service n° 12"
    (part,) = list(msg.iter_attachments())
    assert part.get_content_type() == "message/rfc822"
    inner = part.get_content()
    assert inner["Message-ID"] == "<note12@ac-dijon.fr>"
    assert inner.get_content().replace("\r\n", "\n") == "Calendrier des épreuves.\n"
    assert original in inbox(bed, recipient)[0][1]  # the forwarded bytes, untouched
    cache.close()


async def test_one_refused_recipient_keeps_the_message(submission: Bed, tmp_path: Path) -> None:
    bed = submission  # aiosmtpd, then Postfix
    sender, good = bed.new_user(), bed.new_user()
    cache = Cache.open(tmp_path / "cache.db")
    draft = Draft(to=f"{good.email}, inconnu@ac-dijon.fr", subject="Essai", body="Texte\n")
    outbox_id = outbox.queue(cache, build_message(identity(sender), draft))
    report = await send_pending(cache, account(bed, sender), trust(bed, tmp_path), sender.password)
    (failed,) = report.failed
    assert failed.kind == "recipient" and failed.addresses == ("inconnu@ac-dijon.fr",)
    assert "inconnu@ac-dijon.fr" in failed.reason and "refusé" in failed.reason
    (row,) = cache.outbox()
    assert (row.id, row.status) == (outbox_id, "held") and "inconnu@ac-dijon.fr" in row.last_error
    assert inbox(bed, good) == []  # nobody got half a conversation
    # Held: not retried by the periodic attempt, only when asked.
    assert (await send_pending(cache, account(bed, sender), trust(bed, tmp_path), "x")).failed == []
    outbox.discard(cache, outbox_id)
    assert cache.outbox() == []
    cache.close()


async def test_wrong_password_is_kept_with_a_plain_reason(submission: Bed, tmp_path: Path) -> None:
    bed = submission  # aiosmtpd, then Postfix
    sender = bed.new_user()
    cache = Cache.open(tmp_path / "cache.db")
    draft = Draft(to=bed.user.email, subject="Essai", body="Texte\n")
    outbox.queue(cache, build_message(identity(sender), draft))
    report = await send_pending(cache, account(bed, sender), trust(bed, tmp_path), "mauvais")
    (failed,) = report.failed
    assert failed.kind == "auth"
    assert "refusé l'identifiant ou le mot de passe" in failed.reason
    assert "mauvais" not in failed.reason
    (row,) = cache.outbox()
    assert row.status == "held"
    outbox.retry(cache)
    report = await send_pending(cache, account(bed, sender), trust(bed, tmp_path), sender.password)
    assert report.failed == [] and outbox.pending(cache) == []
    cache.close()


async def test_offline_send_survives_a_restart(fresh_bed: Bed, tmp_path: Path) -> None:
    bed = fresh_bed
    sender, recipient = bed.user, bed.other
    path = tmp_path / "cache.db"
    cache = Cache.open(path)
    draft = Draft(to=recipient.email, subject="Hors ligne", body="Écrit dans le train.\n")
    bed.smtp.stop()
    outbox_id = outbox.queue(cache, build_message(identity(sender), draft))
    report = await send_pending(cache, account(bed, sender), trust(bed, tmp_path), sender.password)
    (failed,) = report.failed
    assert failed.kind == "network" and "Impossible de joindre" in failed.reason
    (row,) = cache.outbox()
    assert row.status == "queued"
    cache.close()  # the app is closed while offline

    bed.smtp.start()
    cache = Cache.open(path)
    assert [r.id for r in cache.outbox()] == [outbox_id]
    report = await send_pending(cache, account(bed, sender), trust(bed, tmp_path), sender.password)
    assert [s.outbox_id for s in report.sent] == [outbox_id] and outbox.pending(cache) == []
    ((_uid, raw, _flags),) = inbox(bed, recipient)
    assert parse(raw)["Subject"] == "Hors ligne"
    cache.close()


async def test_unaccepted_certificate_sends_no_auth(fresh_bed: Bed, tmp_path: Path) -> None:
    bed = fresh_bed
    cache = Cache.open(tmp_path / "cache.db")
    draft = Draft(to=bed.other.email, subject="Essai", body="Texte\n")
    outbox.queue(cache, build_message(identity(bed.user), draft))
    with pytest.raises(CertificateNeedsDecision):
        await send_pending(
            cache, account(bed, bed.user), TrustStore(tmp_path / "t.toml"), bed.user.password
        )
    assert bed.smtp.events("auth") == []
    assert bed.smtp.events("delivered") == []
    (row,) = cache.outbox()
    assert row.status == "queued" and row.last_error
    cache.close()


async def test_send_now_delivers_once_without_the_outbox(submission: Bed, tmp_path: Path) -> None:
    """Issue #24: with the disk full the outbox cannot be written; the compose screen
    can still send directly, once, and a refusal is said in French."""
    bed = submission  # aiosmtpd, then Postfix
    sender, recipient = bed.new_user(), bed.new_user()
    draft = Draft(to=recipient.email, subject="Disque plein", body="Parti quand même.\n")
    raw = to_bytes(build_message(identity(sender), draft))
    await send_now(account(bed, sender), trust(bed, tmp_path), sender.password, raw)
    (got,) = inbox(bed, recipient)
    assert parse(got[1])["Subject"] == "Disque plein"
    refused = Draft(to="inconnu@ac-dijon.fr", subject="Essai", body="Texte\n")
    with pytest.raises(SendError) as caught:
        await send_now(
            account(bed, sender),
            trust(bed, tmp_path),
            sender.password,
            to_bytes(build_message(identity(sender), refused)),
        )
    assert "inconnu@ac-dijon.fr" in caught.value.message and "refusé" in caught.value.message


async def test_a_wrong_password_costs_one_attempt_at_the_server(
    submission: Bed, tmp_path: Path
) -> None:
    """aiosmtplib's login() tried PLAIN, then LOGIN after the refusal: each send with a
    wrong password counted twice toward the server's lockout (Postfix: « auth=0/2 »)."""
    bed = submission
    sender = bed.new_user()
    cache = Cache.open(tmp_path / "cache.db")
    draft = Draft(to=bed.user.email, subject="Essai", body="Texte\n")
    outbox.queue(cache, build_message(identity(sender), draft))
    report = await send_pending(cache, account(bed, sender), trust(bed, tmp_path), "mauvais")
    assert [f.kind for f in report.failed] == ["auth"]
    tried = [e for e in bed.smtp.events("auth") if e.get("username") == sender.username]
    assert [e["success"] for e in tried] == [False]
    assert tried[0]["mechanism"] == "PLAIN"
    cache.close()


async def test_a_temporary_auth_refusal_keeps_the_message_queued(
    fresh_bed: Bed, tmp_path: Path
) -> None:
    """« 454 4.7.0 Temporary authentication failure » (Postfix, its password check
    failing for a passing reason) used to hold the message as a wrong password and ask
    for it again."""
    bed = fresh_bed
    cache = Cache.open(tmp_path / "cache.db")
    draft = Draft(to=bed.other.email, subject="Plus tard", body="Texte\n")
    outbox_id = outbox.queue(cache, build_message(identity(bed.user), draft))
    bed.smtp.set_fault(auth_tempfail=True)
    report = await send_pending(cache, account(bed, bed.user), trust(bed, tmp_path), PASSWORD)
    (failed,) = report.failed
    assert failed.kind == "network"
    assert "454 4.7.0" in failed.reason and "pour le moment" in failed.reason
    assert "refusé l'identifiant" not in failed.reason
    (row,) = cache.outbox()
    assert row.status == "queued"  # goes at the next attempt, by itself
    bed.smtp.set_fault()
    report = await send_pending(cache, account(bed, bed.user), trust(bed, tmp_path), PASSWORD)
    assert [s.outbox_id for s in report.sent] == [outbox_id]
    cache.close()
