"""An attachment read as text (#20): each format from a tiny sample made here, and the
hostile cases (zip bombs, DTDs, broken or protected PDFs, escape sequences, a huge
CSV) ending in a clear French sentence, never a traceback."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests import attachment_samples as samples
from tui.core.mail import attachment_office as office
from tui.core.mail import attachment_sandbox as sandbox
from tui.core.mail import attachment_text as at
from tui.core.mail.attachment_sandbox import (
    AttachmentText,
    TooBig,
    attachment_bytes,
    kind_of,
    read_as_text,
)
from tui.core.mail.attachment_text import Refused, extract
from tui.core.mail.mime import Attachment
from tui.core.mail.sanitize import is_clean


def text_of(kind: str, data: bytes) -> str:
    return "\n".join(section.text for section in extract(kind, data).sections)


# --- which reader --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "kind"),
    [
        ("circulaire.pdf", "application/octet-stream", "pdf"),
        ("CIRCULAIRE.PDF", "application/pdf", "pdf"),
        ("sans-nom", "application/pdf", "pdf"),
        ("compte-rendu.docx", "application/octet-stream", "docx"),
        ("notes.ods", "application/octet-stream", "ods"),
        ("notes.xlsx", "application/vnd.ms-excel", "xlsx"),
        ("liste.csv", "application/vnd.ms-excel", "csv"),
        ("lisez-moi", "text/plain", "text"),
        ("page.html", "text/html", "html"),
        ("invitation.ics", "text/calendar", None),
        ("photo.jpg", "image/jpeg", None),
        ("ancien.doc", "application/msword", None),
    ],
)
def test_the_reader_is_chosen_by_extension_then_type(
    name: str, content_type: str, kind: str | None
) -> None:
    assert kind_of(name, content_type) == kind


# --- each format ----------------------------------------------------------------------------


def test_pdf_pages_with_accents() -> None:
    found = extract("pdf", samples.pdf(["Circulaire de rentrée", "Deuxième page (fin)"]))
    assert found.pages == 2
    assert [s.text for s in found.sections] == ["Circulaire de rentrée", "Deuxième page (fin)"]


def test_pdf_pages_get_headings_in_the_view() -> None:
    shown = read_as_text("c.pdf", "pdf", samples.pdf(["Un", "Deux"]))
    assert shown.problem == ""
    assert shown.text.splitlines() == [
        "── Page 1 sur 2 ──",
        "",
        "Un",
        "",
        "── Page 2 sur 2 ──",
        "",
        "Deux",
    ]


def test_docx_paragraphs_and_a_table() -> None:
    data = samples.docx(
        ["Réunion lundi à 17 h", "Salle 12"], table=[["Nom", "Classe"], ["Durand", "6e B"]]
    )
    assert text_of("docx", data).splitlines() == [
        "Réunion lundi à 17 h",
        "Salle 12",
        "",
        "Nom    │ Classe",
        "Durand │ 6e B",
    ]


def test_docx_leaves_out_deleted_text_tab_stops_and_field_codes() -> None:
    w = samples.W
    document = (
        f"<w:document {w}><w:body><w:p>"
        '<w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
        "<w:r><w:t>Garder</w:t></w:r>"
        "<w:del><w:r><w:delText>supprimé</w:delText></w:r></w:del>"
        "<w:r><w:instrText>HYPERLINK x</w:instrText></w:r>"
        "<w:r><w:tab/><w:t>ceci</w:t></w:r>"
        "</w:p></w:body></w:document>"
    )
    data = samples.zipped({"word/document.xml": document})
    assert text_of("docx", data) == "Garder\tceci"


def test_odt_paragraphs_spaces_and_no_comments() -> None:
    data = samples.odt(
        [
            "Conseil de classe",
            'à<text:s text:c="3"/>17 h<office:annotation><text:p>note privée</text:p>'
            "</office:annotation>",
        ]
    )
    assert text_of("odt", data) == "Conseil de classe\nà   17 h"


def test_xlsx_sheets_shared_strings_and_numbers() -> None:
    data = samples.xlsx(
        {"Notes": [["Élève", "Note"], ["Martin", 15.5], ["Somme", 0.1 + 0.2]], "Absences": [["x"]]}
    )
    found = extract("xlsx", data)
    assert [s.heading for s in found.sections] == ["Notes", "Absences"]
    assert found.sections[0].text.splitlines() == [
        "Élève  │ Note",
        "Martin │ 15.5",
        "Somme  │ 0.3",
    ]
    shown = read_as_text("n.xlsx", "xlsx", data)
    assert "── Feuille « Notes » ──" in shown.text


def test_xlsx_cells_land_in_their_column() -> None:
    sheet = (
        f"<worksheet {samples.S}><sheetData><row>"
        '<c r="A1" t="inlineStr"><is><t>un</t></is></c><c r="C1"><v>3</v></c>'
        "</row></sheetData></worksheet>"
    )
    data = samples.zipped(
        {
            "xl/workbook.xml": f'<workbook {samples.S} {samples.R}><sheets><sheet name="F" '
            'r:id="rId1"/></sheets></workbook>',
            "xl/_rels/workbook.xml.rels": '<Relationships><Relationship Id="rId1" '
            'Target="/xl/worksheets/feuille.xml"/></Relationships>',
            "xl/worksheets/feuille.xml": sheet,
        }
    )
    assert text_of("xlsx", data) == "un │  │ 3"


def test_ods_repeated_empty_cells_and_rows_cost_nothing() -> None:
    """Calc writes « 16,000 empty cells » and « a million empty rows » to end a sheet."""
    found = extract("ods", samples.ods({"Notes": [["Élève", "Note"], ["Martin", "15,5"]]}))
    assert not found.cut
    assert found.sections[0].heading == "Notes"
    assert found.sections[0].text.splitlines() == ["Élève  │ Note", "Martin │ 15,5"]


def test_csv_from_a_french_spreadsheet() -> None:
    data = "Nom;Prénom;Classe\nDurand;Marie;6e B\n".encode("cp1252")
    assert text_of("csv", data).splitlines() == [
        "Nom    │ Prénom │ Classe",
        "Durand │ Marie  │ 6e B",
    ]
    assert text_of("csv", b"a,b\n1,2\n").splitlines() == ["a │ b", "1 │ 2"]


def test_plain_text_in_utf8_or_windows_1252() -> None:
    assert text_of("text", "Élève\n".encode()) == "Élève\n"
    assert text_of("text", "Élève œuvre\n".encode("cp1252")) == "Élève œuvre\n"


def test_a_zip_is_read_for_what_it_holds_not_what_it_is_called() -> None:
    found = extract("docx", samples.odt(["En fait un .odt"]))
    assert found.kind == "odt"
    assert found.sections[0].text == "En fait un .odt"
    content = f"<office:document-content {samples.OFFICE}><office:body><office:text>"
    content += "<text:p>Sans type</text:p></office:text></office:body></office:document-content>"
    assert text_of("odt", samples.zipped({"content.xml": content})) == "Sans type"
    epub = samples.zipped({"mimetype": "application/epub+zip", "content.xml": content})
    with pytest.raises(Refused):
        extract("odt", epub)


# --- hostile documents ----------------------------------------------------------------------


def test_zip_bomb_is_refused_by_its_ratio() -> None:
    body = b"<w:document>" + b" " * (20 * 1024 * 1024) + b"</w:document>"
    data = samples.zipped({"word/document.xml": body})
    assert len(data) < 100_000  # 20 MB squeezed into a few dozen KB
    with pytest.raises(Refused) as refused:
        extract("docx", data)
    assert refused.value.reason == "bomb"
    shown = read_as_text("bombe.docx", "docx", data)
    assert "trop gros une fois décompressé" in shown.problem


def test_a_member_bigger_than_announced_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_MEMBER_BYTES", 1000)
    body = "<w:document>" + "".join(f"<w:p>{n}</w:p>" for n in range(500)) + "</w:document>"
    with pytest.raises(Refused) as refused:
        extract("docx", samples.zipped({"word/document.xml": body}))
    assert refused.value.reason == "bomb"


def test_too_many_members_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_MEMBERS", 10)
    members: dict[str, bytes | str] = {f"f{n}": b"" for n in range(11)}
    members["word/document.xml"] = "<d/>"
    with pytest.raises(Refused) as refused:
        extract("docx", samples.zipped(members))
    assert refused.value.reason == "bomb"


def test_an_entity_bomb_is_never_expanded() -> None:
    lol = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
        + f"]><w:document {samples.W}><w:body><w:p><w:r><w:t>&h;</w:t></w:r></w:p>"
        "</w:body></w:document>"
    )
    with pytest.raises(Refused) as refused:
        extract("docx", samples.zipped({"word/document.xml": lol}))
    assert refused.value.reason == "unreadable"


def test_an_external_entity_is_never_read() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"<w:document {samples.W}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body>"
        "</w:document>"
    )
    with pytest.raises(Refused):
        extract("docx", samples.zipped({"word/document.xml": xxe}))


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\nrien de plus",
        samples.pdf(["coupé"])[:150],
        b"%PDF-1.4\n1 0 obj\n" + b"[" * 200_000 + b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF",
        b"Ceci n'est pas un PDF",
    ],
    ids=["garbage", "truncated", "deeply-nested", "not-a-pdf"],
)
def test_a_broken_pdf_is_unreadable_with_a_message(data: bytes) -> None:
    shown = read_as_text("circulaire.pdf", "pdf", data)
    assert shown.text == ""
    assert shown.problem.startswith("« circulaire.pdf » est illisible")


def test_a_broken_zip_is_unreadable() -> None:
    shown = read_as_text("cr.docx", "docx", b"PK\x03\x04" + b"\x00" * 100)
    assert "illisible" in shown.problem and "Word" in shown.problem


def test_a_password_protected_pdf_says_so() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(samples.pdf(["secret"]))).pages:
        writer.add_page(page)
    writer.encrypt("motdepasse", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    shown = read_as_text("bulletin.pdf", "pdf", out.getvalue())
    assert "protégé par un mot de passe" in shown.problem


def test_a_pdf_without_text_says_it_may_be_a_scan() -> None:
    shown = read_as_text("scan.pdf", "pdf", samples.pdf([""]))
    assert "ne contient pas de texte" in shown.problem


def test_escape_sequences_in_a_document_never_reach_the_screen() -> None:
    hostile = "Titre \x1b]52;c;cGlyYXRl\x07 \x1b[2J\x9b31m fin \u202egpj.exe [@click=app.quit]x[/]"
    for kind, data in [
        ("text", hostile.encode()),
        ("csv", f"a;{hostile};[@click=app.quit]x[/]\n".encode()),
        ("docx", samples.zipped({"word/document.xml": _docx_xml(hostile)})),
    ]:
        shown = read_as_text("x", kind, data)
        assert shown.problem == "", kind
        assert is_clean(shown.text), kind
        assert "\x1b" not in shown.text and "\x9b" not in shown.text
        assert "[@click=app.quit]x[/]" in shown.text  # plain text, shown as sent


def _docx_xml(text: str) -> str:
    # XML 1.0 cannot hold ESC itself: a document carries it as a character reference,
    # which expat refuses; the C1 and bidi characters pass.
    text = text.replace("\x1b", "").replace("\x07", "")
    paragraph = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
    return f"<w:document {samples.W}><w:body>{paragraph}</w:body></w:document>"


def test_a_huge_csv_is_cut_and_says_so() -> None:
    data = b"".join(b"%d;eleve %d;6e B\n" % (n, n) for n in range(200_000))  # ~4 MB
    found = extract("csv", data)
    assert found.cut
    assert sum(len(s.text) for s in found.sections) <= at.MAX_CHARS
    shown = read_as_text("gros.csv", "csv", data)
    assert shown.notes == ["Texte coupé : seul le début du document est affiché."]


def test_a_field_over_the_csv_limit_keeps_what_came_before() -> None:
    found = extract("csv", b"a,b\n" + b'"' + b"x" * 300_000 + b'"\n')
    assert found.cut and found.sections[0].text == "a │ b"


def test_too_many_columns_are_cut() -> None:
    row = ";".join(str(n) for n in range(at.MAX_COLUMNS + 20))
    found = extract("csv", row.encode() + b"\n")
    assert found.cut
    assert found.sections[0].text.count("│") == at.MAX_COLUMNS - 1


def test_an_attachment_over_the_limit_is_not_even_read() -> None:
    attachment = Attachment(1, "gros.pdf", "application/pdf", 10, b"0123456789")
    assert attachment_bytes(attachment, limit=10) == b"0123456789"
    with pytest.raises(TooBig):
        attachment_bytes(attachment, limit=9)
    lying = Attachment(1, "gros.pdf", "application/pdf", 1, b"0123456789")
    with pytest.raises(TooBig):
        attachment_bytes(lying, limit=5)  # the size announced was wrong


# --- the child process --------------------------------------------------------------------


def test_a_reading_that_takes_too_long_is_abandoned() -> None:
    shown = read_as_text("lent.pdf", "pdf", samples.pdf(["x"]), timeout=0.001)
    assert shown == AttachmentText(
        problem="« lent.pdf » est trop gros ou trop complexe : sa lecture a pris plus de 1 s "
        "et a été abandonnée."
    )


def test_a_big_attachment_reaches_the_child_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """`communicate(timeout=…)` sends no more input once retried: a 4 MB CSV not
    written within the first poll left the child waiting until the time limit."""
    monkeypatch.setattr(sandbox, "POLL", 0.001)
    data = b"".join(b"%d;eleve %d;6e B\n" % (n, n) for n in range(200_000))
    shown = read_as_text("gros.csv", "csv", data)
    assert shown.problem == ""
    assert shown.text.startswith("0 ")


def test_giving_up_stops_the_child() -> None:
    shown = read_as_text("x.pdf", "pdf", samples.pdf(["x"]), cancelled=lambda: True)
    assert shown.text == "" and shown.problem


def test_the_child_refuses_a_kind_it_does_not_know() -> None:
    shown = read_as_text("x", "exe", b"MZ")
    assert "illisible" in shown.problem


def test_the_child_refuses_input_over_the_limit() -> None:
    out = io.StringIO()
    at.main(io.BytesIO(b"x" * 11), out, "text", 10)
    assert out.getvalue() == '{"error": "too_big"}'


def test_zip_members_and_sizes_are_checked_before_reading(tmp_path: object) -> None:
    """A stored (uncompressed) member is no bomb: read, within the member limit."""
    data = samples.zipped(
        {"word/document.xml": _docx_xml("stocké")}, compression=zipfile.ZIP_STORED
    )
    assert text_of("docx", data) == "stocké"


def test_a_sheet_of_many_rows_is_cut_while_it_is_read() -> None:
    rows: list[list[str | float]] = [[f"élève {n}", float(n)] for n in range(60_000)]
    found = extract("xlsx", samples.xlsx({"Grand": rows}))
    assert found.cut
    assert len(found.sections[0].text) <= at.MAX_CHARS
    assert found.sections[0].text.startswith("élève 0 ")


# --- the system's viewer --------------------------------------------------------------------


def test_a_display_is_x11_or_wayland() -> None:
    from tui.core.mail.attachment_open import has_display

    assert not has_display({})
    assert not has_display({"DISPLAY": ""})
    assert has_display({"DISPLAY": "localhost:10.0"})  # ssh -X
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"})


def test_without_a_display_the_viewer_is_not_offered() -> None:
    from tui.core.mail.attachment_open import viewer_problem

    problem = viewer_problem("circulaire.pdf", {})
    assert problem is not None and "Pas d'affichage graphique" in problem


@pytest.mark.parametrize(
    "name", ["lanceur.desktop", "installe.sh", "facture.pdf.exe", "page.html", "sans-extension"]
)
def test_what_could_run_is_never_handed_to_the_viewer(name: str) -> None:
    from tui.core.mail.attachment_open import viewer_problem

    problem = viewer_problem(name, {"DISPLAY": ":0"})
    assert problem is not None and "pourrait lancer un programme" in problem


@pytest.mark.parametrize(
    ("sent", "given"),
    [
        ("Circulaire rentrée 2026.pdf", "Circulaire_rentrée_2026.pdf"),
        ("$(reboot)`id`;x.pdf", "reboot_id_x.pdf"),
        ("-rf.pdf", "rf.pdf"),
        ("../../.bashrc.odt", "bashrc.odt"),
    ],
)
def test_the_viewer_sees_a_plain_name(sent: str, given: str) -> None:
    from tui.core.mail.attachment_open import plain_name

    assert plain_name(sent) == given
