"""Each corpus message: what the reader shows, and that nothing hostile gets through."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests import corpus_helpers as helpers
from tui.core.mail.mime import (
    MAX_BODY_CHARS,
    RenderedMessage,
    decode_header_value,
    parse_addresses,
    parse_message,
)

FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def shown(name: str) -> RenderedMessage:
    return parse_message((helpers.CORPUS / name).read_bytes())


def all_strings(m: RenderedMessage) -> list[str]:
    out = [m.subject, m.body, m.message_id, m.in_reply_to, *m.references, *m.notes, *m.warnings]
    for people in (m.from_, m.to, m.cc, m.reply_to, m.links, m.all_headers):
        for a, b in people:
            out += [a, b]
    out += [a.filename for a in m.attachments] + [a.content_type for a in m.attachments]
    for event in m.calendar:
        out += event.lines()
    return out


@pytest.mark.parametrize("path", helpers.corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file_is_safe(path) -> None:  # type: ignore[no-untyped-def]
    message = parse_message(path.read_bytes())
    for text in all_strings(message):
        assert not FORBIDDEN.search(text.replace("\n", "").replace("\t", "")), repr(text)
    for text in [message.subject, *(n for n, _ in message.from_)]:
        assert "\n" not in text and "\t" not in text


def test_osc_title_removed_from_subject() -> None:
    assert shown("subject-osc-title.eml").subject == "Conseil de classe mardi"


def test_csi_in_encoded_subject_and_body() -> None:
    m = shown("subject-csi-colours.eml")
    assert m.subject == "URGENT  réunion"
    assert m.body == "Corps effacé."


def test_crlf_in_display_name_stays_on_one_line() -> None:
    m = shown("from-crlf-in-display-name.eml")
    assert m.from_ == [("Service RH Bcc: x@evil.example", "rh@ac-dijon.fr")]
    assert any("x@evil.example" in w for w in m.warnings)


def test_iso8859_1_is_read_as_windows_1252() -> None:
    m = shown("charset-iso8859-1-really-cp1252.eml")
    assert m.subject == "Coût € et l’œuvre"
    assert m.body == "Le coût est de 12 € ; l’œuvre « complète »."


def test_iso8859_15_and_windows_1252() -> None:
    assert shown("charset-iso8859-15.eml").body == "Le repas coûte 4 €, œ tarif pour les élèves."
    m = shown("charset-windows-1252-base64.eml")
    assert m.subject == "Grève des élèves"
    assert m.body == "Grève prévue : « ne pas venir » – merci."


def test_utf8_accents_and_adjacent_encoded_words() -> None:
    m = shown("charset-utf8-accents.eml")
    assert m.subject == "Réunion de rentrée — collège"
    assert m.body.startswith("À l’ordre du jour : élèves")
    assert m.notes == []


def test_unknown_charset_falls_back_with_a_note() -> None:
    m = shown("charset-unknown.eml")
    assert m.body == "Élèves et été."
    assert m.notes == ["Jeu de caractères inconnu « x-klingon » : texte lu en utf-8."]


def test_lying_utf8_is_read_as_windows_1252_with_a_note() -> None:
    m = shown("charset-utf8-lying.eml")
    assert m.body == "Réunion à l'école"
    assert "utf-8 mais invalide" in m.notes[0]


def test_utf7_cannot_smuggle_escapes() -> None:
    m = shown("utf7-subject.eml")
    assert m.subject.startswith("Réunion")
    assert "\x1b" not in m.subject and "\x1b" not in m.body
    assert m.body.startswith("Café")


def test_rfc2231_filename() -> None:
    m = shown("rfc2231-filename-accents.eml")
    assert [(a.filename, a.content_type) for a in m.attachments] == [
        ("compte rendu réunion élèves.pdf", "application/pdf")
    ]
    assert m.attachments[0].data == b"%PDF-1.4 faux pdf\n"
    assert m.attachments[0].size == len(m.attachments[0].data)


def test_nested_message_shown_and_its_attachments_listed() -> None:
    m = shown("nested-rfc822-with-pdf.eml")
    assert "Message joint" in m.body and "Veuillez trouver la circulaire." in m.body
    assert [a.filename for a in m.attachments] == ["Circulaire de rentrée.eml", "circulaire.pdf"]
    assert m.attachments[1].data.startswith(b"%PDF-1.7")


def test_html_newsletter_blocks_remote_images_and_numbers_links() -> None:
    m = shown("html-newsletter-tracking-pixel.eml")
    assert "3 images distantes bloquées" in m.notes
    assert "Toutes les actualités [1]" in m.body
    assert "Date   Événement" in m.body  # the table is kept
    assert "color:red" not in m.body and "Lettre\n" not in m.body.split("\n")[0]
    assert m.links == [("Toutes les actualités", "https://www.ac-dijon.fr/actualites")]


def test_html_script_and_form_dropped_and_said() -> None:
    m = shown("html-script-form.eml")
    assert "alert" not in m.body and "Valider" not in m.body
    assert "Texte visible avant." in m.body and "Texte visible après." in m.body
    assert "Scripts du message supprimés." in m.notes
    assert any(n.startswith("Formulaire du message supprimé") for n in m.notes)
    assert m.links == []  # javascript: is not a link


def test_multipart_alternative_prefers_text_plain() -> None:
    assert shown("multipart-alternative.eml").body == "Version texte."


def test_markup_is_kept_literally() -> None:
    m = shown("markup-in-subject.eml")
    assert m.subject.startswith("[@click=app.quit]x[/] [b]gras[/b]")
    assert m.body == "[@click=app.quit]Cliquez[/] [b]ici[/b] [/]"


def test_bidi_override_removed_from_filename() -> None:
    assert [a.filename for a in shown("bidi-override-filename.eml").attachments] == [
        "facturefdp.exe"
    ]


def test_path_traversal_filenames_become_basenames() -> None:
    names = [a.filename for a in shown("filename-path-traversal.eml").attachments]
    assert names == ["bashrc", "passwd", "win.ini", "rf", "_CON.txt"]


def test_duplicate_headers_use_the_first_and_say_so() -> None:
    m = shown("duplicate-subject-headers.eml")
    assert m.subject == "Premier objet"
    assert m.from_ == [("Claire Martin", "claire.martin@ac-dijon.fr")]
    assert any("2 en-têtes « Subject »" in n for n in m.notes)
    assert any("2 en-têtes « From »" in n for n in m.notes)


def test_nul_and_controls_removed() -> None:
    m = shown("nul-bytes.eml")
    assert m.subject == "Octets nuls"
    assert m.body == "Avantaprès et  fin."


def test_ambiguous_address_is_not_guessed() -> None:
    m = shown("address-ambiguous.eml")
    assert m.from_ == [("alice@ac-dijon.fr)<bob@evil.example>", "")]
    assert any("ambigu" in n for n in m.notes)


def test_calendar_invitation_summarised() -> None:
    m = shown("calendar-invitation.eml")
    (event,) = m.calendar
    assert event.summary == "Conseil pédagogique, salle des profs"
    assert event.location == "Collège Jean Moulin, salle 12"
    assert event.organizer == "Claire Martin <claire.martin@ac-dijon.fr>"
    assert isinstance(event.start, datetime)
    assert event.start.utcoffset() == timedelta(hours=1)
    assert event.start.hour == 14
    assert m.attachments[0].filename == "invitation.ics"


def test_headers_and_dates() -> None:
    m = shown("external-sender.eml")
    assert m.date == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    m = shown("subject-osc-title.eml")
    assert m.date == datetime(2026, 11, 23, 9, 14, tzinfo=timezone(timedelta(hours=1)))
    assert m.message_id == "<1@ac-dijon.fr>"
    assert ("Subject", "Conseil de classe mardi") in m.all_headers


@pytest.mark.parametrize("name", ["empty.eml", "no-headers-garbage.eml", "bad-base64.eml"])
def test_garbage_does_not_raise(name: str) -> None:
    m = shown(name)
    assert m.subject == "" or isinstance(m.subject, str)


def test_bare_cr_removed() -> None:
    assert shown("crlf-bare-cr-body.eml").body == "ligne 1fausse\nligne 2"


def test_deep_nesting_is_refused_with_a_note() -> None:
    m = parse_message(helpers.deep_nesting(1000))
    assert any("trop profonde" in n or "trop imbriquée" in n for n in m.notes)
    m = parse_message(helpers.deep_nesting(40))
    assert any("20 niveaux" in n for n in m.notes)


def test_huge_header_line_is_capped() -> None:
    m = parse_message(helpers.huge_header_line())
    assert len(m.subject) <= 4096
    assert all(len(v) <= 4096 for _, v in m.all_headers)


def test_huge_body_is_truncated_with_a_note() -> None:
    m = parse_message(helpers.huge_body(48))
    assert len(m.body) == MAX_BODY_CHARS
    assert "Message tronqué à 2 Mo, taille réelle 48 Mo." in m.notes


def test_part_count_is_capped() -> None:
    m = parse_message(helpers.many_parts(1000))
    assert any("200 premières" in n for n in m.notes)
    assert m.body.count("partie") < 200


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("=?utf-8?q?R=C3=A9union?= =?utf-8?q?_de_rentr=C3=A9e?=", "Réunion de rentrée"),
        ("=?utf-8?b?w6k=?= x", "é x"),
        ("=?utf-8?q?=C3?= =?utf-8?q?=A9t=C3=A9?=", "été"),  # a character split in two words
        ("=?iso-8859-1?q?=80?=", "€"),
        ("=?x-inconnu?q?caf=C3=A9?=", "café"),
        ("=?utf-8?q?a=1B]0;t=07b?=", "ab"),
        (b"brut \xe9t\xe9", "brut été"),
        (b"brut \xc3\xa9t\xc3\xa9", "brut été"),
        ("plié\r\n sur deux lignes", "plié sur deux lignes"),
        ("[b]gras[/b]", "[b]gras[/b]"),
    ],
)
def test_decode_header_value(raw: str | bytes, decoded: str) -> None:
    assert decode_header_value(raw) == decoded


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '"Dupont, Jean" <j@ac-dijon.fr>, x@y.fr',
            [("Dupont, Jean", "j@ac-dijon.fr"), ("", "x@y.fr")],
        ),
        ("undisclosed-recipients:;", []),
        ("=?utf-8?q?Cl=C3=A9ment?= <c@ac-dijon.fr>", [("Clément", "c@ac-dijon.fr")]),
        ("alice@example.org)<bob@example.org>", None),
        ("a@b.fr, [c@d.fr]", None),
    ],
)
def test_parse_addresses_is_strict(value: str, expected: list[tuple[str, str]] | None) -> None:
    assert parse_addresses([value]) == expected
