"""Building messages: headers, prefixes, quoting, addresses, drafts — and hostile originals."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email import policy
from pathlib import Path

import pytest

from tui.core.i18n import set_language
from tui.core.mail.compose import (
    AddressError,
    ComposeError,
    Draft,
    Identity,
    build_message,
    cap_references,
    forward_subject,
    one_line,
    parse_address_list,
    reply_subject,
    size_warning,
    to_bytes,
)
from tui.core.mail.new_drafts import forward_draft, new_draft, reply_draft
from tui.core.store import outbox
from tui.core.store.cache import Cache

ME = Identity("Élodie Fèvre", "elodie.fevre@ac-dijon.fr", "Élodie Fèvre\nCollège Les Lentillères")

ORIGINAL = (
    "From: Marie Durand <marie.durand@ac-dijon.fr>\r\n"
    "To: Élodie Fèvre <elodie.fevre@ac-dijon.fr>, jdupont@ac-dijon.fr\r\n"
    "Cc: Secrétariat <secretariat@ac-dijon.fr>, ELODIE.FEVRE@ac-dijon.fr\r\n"
    "Subject: =?utf-8?q?Re:_RE:_R=C3=A9f._:_Conseil_de_classe?=\r\n"
    "Message-ID: <orig-2@ac-dijon.fr>\r\n"
    "References: <orig-0@ac-dijon.fr> <orig-1@ac-dijon.fr>\r\n"
    "Date: Thu, 12 Mar 2026 09:14:00 +0100\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Bonjour,\r\nle conseil est à 17 h.\r\n> ancienne citation\r\n"
).encode()

# Every header a reply copies, carrying an encoded CR LF followed by a Bcc.
HOSTILE = (
    b"From: =?utf-8?q?Eve=0D=0ABcc:_victim@evil.fr?= <eve@evil.fr>\r\n"
    b"Reply-To: =?utf-8?q?R=0D=0ABcc:_victim@evil.fr?= <eve@evil.fr>\r\n"
    b"To: elodie.fevre@ac-dijon.fr, =?utf-8?q?X=0ABcc:_v2@evil.fr?= <x@evil.fr>\r\n"
    b"Cc: =?utf-8?q?C=0D=0ABcc:_v3@evil.fr?= <c@evil.fr>\r\n"
    b"Subject: =?utf-8?q?Urgent=0D=0ABcc:_victim@evil.fr=0D=0A=0D=0Acorps?=\r\n"
    b"Message-ID: =?utf-8?q?<a@evil.fr>=0D=0ABcc:_victim@evil.fr?=\r\n"
    b"References: <ok@evil.fr> =?utf-8?q?<z@evil.fr>=0D=0ABcc:_victim@evil.fr?=\r\n"
    b"In-Reply-To: <x@evil.fr>\r\n Bcc: folded@evil.fr\r\n"
    b"Date: Thu, 12 Mar 2026 09:14:00 +0100\r\n\r\nSalut\r\n"
)


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    set_language("fr")
    yield
    set_language("fr")  # a test here switches to English: never for the next file


def header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0].lower() for line in head.split("\r\n") if line[:1] not in " \t"]


def parsed(raw: bytes) -> email.message.EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def test_prefixes_never_pile_up() -> None:
    assert reply_subject("Re: Re: RE: Réf. : Conseil") == "Re: Conseil"
    assert reply_subject("RE:Re[2]: AW: sujet") == "Re: sujet"
    assert reply_subject("Conseil") == "Re: Conseil"
    assert forward_subject("TR: Fwd: FW: sujet") == "TR: sujet"
    set_language("en")
    assert forward_subject("TR: sujet") == "Fwd: sujet"


def test_one_line_removes_every_line_break() -> None:
    for sep in ("\r\n", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"):
        assert one_line(f"a{sep}Bcc: x@y.fr") == "a Bcc: x@y.fr"


def test_new_message_headers_and_encoding(tmp_path: Path) -> None:
    pdf = tmp_path / "Compte rendu réunion.pdf"
    pdf.write_bytes(b"%PDF-1.4\n\x00\xff\xfe binaire\n%%EOF")
    draft = new_draft(ME, to='"Durand, Marie" <marie.durand@ac-dijon.fr>; jdupont@ac-dijon.fr')
    draft.subject = "Réunion de rentrée — ordre du jour"
    draft.body = "Bonjour à tous,\nl'ordre du jour est prêt.\n" + draft.body
    draft.attachments = [str(pdf)]
    raw = to_bytes(build_message(ME, draft))
    assert raw.isascii()  # everything encoded: no 8BITMIME needed
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert b"filename*=utf-8''Compte%20rendu%20r%C3%A9union.pdf" in raw  # RFC 2231
    msg = parsed(raw)
    assert msg["Subject"] == "Réunion de rentrée — ordre du jour"
    assert msg["From"].addresses[0].display_name == "Élodie Fèvre"
    assert [a.display_name for a in msg["To"].addresses] == ["Durand, Marie", ""]
    assert msg["Message-ID"].endswith("@ac-dijon.fr>")
    assert msg["Date"].datetime is not None
    body = msg.get_body(("plain",))
    assert body is not None and body["Content-Transfer-Encoding"] == "quoted-printable"
    text = body.get_content().replace("\r\n", "\n")
    assert "l'ordre du jour est prêt." in text
    assert text.endswith("\n-- \nÉlodie Fèvre\nCollège Les Lentillères\n")
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "Compte rendu réunion.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == pdf.read_bytes()


def test_reply_headers_quote_and_attribution() -> None:
    draft = reply_draft(ME, ORIGINAL, folder="INBOX", uid=7)
    assert draft.to == "Marie Durand <marie.durand@ac-dijon.fr>"
    assert draft.cc == ""
    assert draft.subject == "Re: Conseil de classe"
    assert draft.in_reply_to == "<orig-2@ac-dijon.fr>"
    assert draft.references == [
        "<orig-0@ac-dijon.fr>",
        "<orig-1@ac-dijon.fr>",
        "<orig-2@ac-dijon.fr>",
    ]
    assert (draft.kind, draft.original_folder, draft.original_uid) == ("reply", "INBOX", 7)
    lines = draft.body.split("\n")
    attribution = lines[0]
    assert attribution.startswith("Le 12 mars 2026 à ") and attribution.endswith(
        ", Marie Durand a écrit :"
    )
    assert lines[1:4] == ["> Bonjour,", "> le conseil est à 17 h.", ">> ancienne citation"]
    assert draft.body.endswith("-- \nÉlodie Fèvre\nCollège Les Lentillères\n")
    msg = parsed(to_bytes(build_message(ME, draft)))
    assert msg["In-Reply-To"] == "<orig-2@ac-dijon.fr>"
    assert msg["References"].split() == draft.references


def test_attribution_in_english() -> None:
    set_language("en")
    draft = reply_draft(ME, ORIGINAL)
    first = draft.body.split("\n")[0]
    assert first.startswith("On 12 March 2026 at ") and first.endswith(", Marie Durand wrote:")


def test_reply_all_without_myself_and_without_duplicates() -> None:
    draft = reply_draft(ME, ORIGINAL, reply_all=True)
    to = [a for _n, a in parse_address_list(draft.to)]
    cc = [a for _n, a in parse_address_list(draft.cc)]
    assert to == ["marie.durand@ac-dijon.fr", "jdupont@ac-dijon.fr"]
    assert cc == ["secretariat@ac-dijon.fr"]  # my own address, in capitals, is gone too
    assert draft.kind == "reply_all"


def test_reply_uses_reply_to_and_references_are_capped() -> None:
    refs = " ".join(f"<r{i}@ac-dijon.fr>" for i in range(60))
    raw = ORIGINAL.replace(
        b"References: <orig-0@ac-dijon.fr> <orig-1@ac-dijon.fr>",
        b"Reply-To: liste@ac-dijon.fr\r\nReferences: " + refs.encode(),
    )
    draft = reply_draft(ME, raw)
    assert draft.to == "liste@ac-dijon.fr"
    assert len(draft.references) == 20
    assert draft.references[0] == "<r0@ac-dijon.fr>"  # the thread's root is kept
    assert draft.references[-1] == "<orig-2@ac-dijon.fr>"
    assert cap_references(["<a@b>", "<a@b>", "pas-un-id", "<c d@e>"]) == ["<a@b>"]


@pytest.mark.parametrize("reply_all", [False, True])
def test_hostile_original_gives_no_extra_header(reply_all: bool) -> None:
    draft = reply_draft(ME, HOSTILE, reply_all=reply_all)
    draft.to = draft.to or "eve@evil.fr"
    raw = to_bytes(build_message(ME, draft))
    names = header_names(raw)
    assert "bcc" not in names
    assert sorted(names) == sorted(
        {
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "references",
            "mime-version",
            "content-type",
            "content-transfer-encoding",
        }
        | ({"cc"} if "cc" in names else set())
    )
    msg = parsed(raw)
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
    assert msg["Subject"].startswith("Re: Urgent Bcc: victim@evil.fr")  # text, not a header
    assert "In-Reply-To" not in msg  # the hostile Message-ID is not an id: dropped
    assert msg["References"].split() == ["<ok@evil.fr>", "<z@evil.fr>"]
    for value in msg.values():
        assert "\r" not in str(value) and "\n" not in str(value)


def test_hostile_original_forwarded() -> None:
    for as_attachment in (False, True):
        draft = forward_draft(ME, HOSTILE, as_attachment=as_attachment)
        draft.to = "jdupont@ac-dijon.fr"
        raw = to_bytes(build_message(ME, draft, original_raw=HOSTILE))
        assert "bcc" not in header_names(raw)
        assert parsed(raw)["Subject"] == "TR: Urgent Bcc: victim@evil.fr corps"


def test_forward_inline_and_as_attachment() -> None:
    inline = forward_draft(ME, ORIGINAL)
    assert inline.subject == "TR: Re: Conseil de classe"
    assert "-------- Message transféré --------" in inline.body
    assert "De : Marie Durand <marie.durand@ac-dijon.fr>" in inline.body
    assert "le conseil est à 17 h." in inline.body
    assert not inline.in_reply_to

    attached = forward_draft(ME, ORIGINAL, as_attachment=True)
    attached.to = "jdupont@ac-dijon.fr"
    raw = to_bytes(build_message(ME, attached, original_raw=ORIGINAL))
    msg = parsed(raw)
    (part,) = list(msg.iter_attachments())
    assert part.get_content_type() == "message/rfc822"
    assert part["Content-Transfer-Encoding"] == "8bit"  # never base64 (RFC 2046)
    inner = part.get_content()
    assert inner["Message-ID"] == "<orig-2@ac-dijon.fr>"
    assert ORIGINAL in raw  # byte for byte


def test_forward_as_attachment_of_a_7bit_original() -> None:
    original = ORIGINAL.decode().encode("ascii", "replace")
    draft = forward_draft(ME, original, as_attachment=True)
    draft.to = "jdupont@ac-dijon.fr"
    raw = to_bytes(build_message(ME, draft, original_raw=original))
    assert raw.isascii() and original in raw
    (part,) = list(parsed(raw).iter_attachments())
    assert part["Content-Transfer-Encoding"] == "7bit"


def test_address_errors_are_clear_and_french() -> None:
    with pytest.raises(AddressError, match=r"Adresse invalide : marie\.durand"):
        parse_address_list("marie.durand")
    with pytest.raises(AddressError, match="accentuées"):
        parse_address_list("élève@ac-dijon.fr")
    with pytest.raises(AddressError, match="Adresse invalide : a@b"):
        parse_address_list("ok@ac-dijon.fr, a@b")
    assert parse_address_list(' "Durand, Marie" <m.d@ac-dijon.fr> ; x@ac-dijon.fr,') == [
        ("Durand, Marie", "m.d@ac-dijon.fr"),
        ("", "x@ac-dijon.fr"),
    ]
    with pytest.raises(ComposeError, match="au moins un destinataire"):
        build_message(ME, Draft(subject="x", body="y"))


def test_size_warning(tmp_path: Path) -> None:
    big = tmp_path / "gros.bin"
    big.write_bytes(b"\0" * (9 * 1024 * 1024))
    assert size_warning([big]) is not None  # 12 Mo once base64: over the default 10 Mo
    assert size_warning([big], server_limit=20 * 1024 * 1024) is None
    warning = size_warning([big], server_limit=1024 * 1024)
    assert warning is not None and "1,0 Mo" in warning and "du serveur" in warning


def test_bcc_is_in_the_outbox_but_not_on_the_wire() -> None:
    draft = Draft(to="a@ac-dijon.fr", bcc="Caché <cache@ac-dijon.fr>, b@ac-dijon.fr", body="x")
    raw = to_bytes(build_message(ME, draft))
    assert outbox.recipients(raw) == ["a@ac-dijon.fr", "cache@ac-dijon.fr", "b@ac-dijon.fr"]
    wire = outbox.without_bcc(raw)
    assert "bcc" not in header_names(wire)
    assert wire.split(b"\r\n\r\n", 1)[1] == raw.split(b"\r\n\r\n", 1)[1]


def test_drafts_survive_a_restart(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "cache.db")
    draft = reply_draft(ME, ORIGINAL, folder="INBOX", uid=3)
    draft.attachments = ["/tmp/x.pdf"]
    draft_id = outbox.save_draft(cache, draft)
    draft.body = "Réponse en cours…\n" + draft.body
    assert outbox.save_draft(cache, draft, draft_id) == draft_id
    cache.close()  # as after kill -9: nothing but the committed rows remain
    cache = Cache.open(tmp_path / "cache.db")
    ((found_id, found),) = outbox.load_drafts(cache)
    assert found_id == draft_id and found == draft
    outbox.delete_draft(cache, draft_id)
    assert outbox.load_drafts(cache) == []
    cache.close()


def test_send_draft_moves_it_to_the_outbox_at_once(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "cache.db")
    draft = new_draft(ME, to="jdupont@ac-dijon.fr")
    draft_id = outbox.save_draft(cache, draft)
    outbox_id = outbox.send_draft(cache, ME, draft, draft_id=draft_id)
    assert [r.id for r in cache.outbox()] == [outbox_id]
    assert cache.outbox()[0].status == "queued"
    assert outbox.load_drafts(cache) == []
    cache.close()


def test_a_deleted_draft_takes_its_server_copy_with_it(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "cache.db")
    draft_id = outbox.save_draft(cache, Draft(subject="Projet"))
    first = outbox.ServerCopy("Brouillons", 7, 41)
    assert outbox.replace_server_copy(cache, draft_id, first) == []
    second = outbox.ServerCopy("Brouillons", 7, 42)
    ((op_id, gone),) = outbox.replace_server_copy(cache, draft_id, second)
    assert gone == first  # replaced: the caller expunges it, then finishes the op
    cache.finish_op(op_id)
    outbox.delete_draft(cache, draft_id)
    assert outbox.server_copy(cache, draft_id) is None
    (op,) = cache.pending_ops()  # replayed by the worker like any removal
    assert (op.kind, op.folder, op.uids, op.args["uidvalidity"]) == (
        "expunge",
        "Brouillons",
        (42,),
        7,
    )
    # A copy appended after the draft was sent or deleted is removed at once.
    ((_op, late),) = outbox.replace_server_copy(cache, draft_id, outbox.ServerCopy("B", 7, 43))
    assert late.uid == 43 and outbox.server_copy(cache, draft_id) is None
    cache.close()


def test_a_draft_for_the_server_may_have_no_recipient_yet() -> None:
    with pytest.raises(ComposeError):
        build_message(ME, Draft(subject="Projet"))
    msg = build_message(ME, Draft(subject="Projet"), require_recipient=False)
    assert msg["Subject"] == "Projet" and "To" not in msg


def test_the_sender_defaults_to_the_academy_address_of_the_username() -> None:
    """A config written by hand, without `email`: the From was empty and every send
    failed with « Adresse invalide : (il manque « @ ») »."""
    assert Identity.from_account({"username": "marie.durand"}).email == "marie.durand@ac-dijon.fr"
    given = {"username": "mdurand", "email": "marie.durand@ac-dijon.fr"}
    assert Identity.from_account(given).email == "marie.durand@ac-dijon.fr"
    assert Identity.from_account({"username": "x@autre.fr"}).email == ""  # not guessed
