"""Tiny documents for the attachment-as-text tests, built here: a PDF written by hand,
.docx/.odt/.xlsx/.ods written with zipfile (only the members a reader needs)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable


def pdf(pages: Iterable[str]) -> bytes:
    """A valid PDF with one line of Helvetica text per page (WinAnsi: accents work)."""
    texts = list(pages)
    count = len(texts)
    # Objects: 1 catalog, 2 pages, 3 font, then (page, content) for each page.
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{4 + 2 * n} 0 R".encode() for n in range(count))
        + f"] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for n, text in enumerate(texts):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = b"BT /F1 12 Tf 72 720 Td (" + escaped.encode("cp1252") + b") Tj ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * n} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def zipped(members: dict[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(paragraphs: Iterable[str], *, table: list[list[str]] | None = None) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    if table:
        rows = "".join(
            "<w:tr>"
            + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>" for c in row)
            + "</w:tr>"
            for row in table
        )
        body += f"<w:tbl>{rows}</w:tbl>"
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f"<w:document {W}><w:body>{body}</w:body></w:document>"
    )
    return zipped(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": document,
        }
    )


OFFICE = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def odf(mimetype: str, body: str) -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {OFFICE}>'
        f"<office:body>{body}</office:body></office:document-content>"
    )
    return zipped({"mimetype": mimetype, "content.xml": content})


def odt(paragraphs: Iterable[str]) -> bytes:
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    return odf("application/vnd.oasis.opendocument.text", f"<office:text>{body}</office:text>")


def ods(sheets: dict[str, list[list[str]]]) -> bytes:
    tables = ""
    for name, rows in sheets.items():
        cells = "".join(
            "<table:table-row>"
            + "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" for c in row)
            + '<table:table-cell table:number-columns-repeated="16000"/>'
            + "</table:table-row>"
            for row in rows
        )
        cells += (
            '<table:table-row table:number-rows-repeated="1048000">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        )
        tables += f'<table:table table:name="{name}">{cells}</table:table>'
    return odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        f"<office:spreadsheet>{tables}</office:spreadsheet>",
    )


S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def xlsx(sheets: dict[str, list[list[str | float]]]) -> bytes:
    """Strings as shared strings, numbers as numbers: what Excel writes."""
    shared: list[str] = []
    members: dict[str, bytes | str] = {"[Content_Types].xml": "<Types/>"}
    entries, links = "", ""
    for number, (name, rows) in enumerate(sheets.items(), 1):
        entries += f'<sheet name="{name}" sheetId="{number}" r:id="rId{number}"/>'
        links += f'<Relationship Id="rId{number}" Target="worksheets/sheet{number}.xml"/>'
        xml_rows = ""
        for r, row in enumerate(rows, 1):
            cells = ""
            for c, value in enumerate(row):
                ref = f"{chr(ord('A') + c)}{r}"
                if isinstance(value, str):
                    shared.append(value)
                    cells += f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>'
                else:
                    cells += f'<c r="{ref}"><v>{value!r}</v></c>'
            xml_rows += f'<row r="{r}">{cells}</row>'
        members[f"xl/worksheets/sheet{number}.xml"] = (
            f"<worksheet {S}><sheetData>{xml_rows}</sheetData></worksheet>"
        )
    members["xl/workbook.xml"] = f"<workbook {S} {R}><sheets>{entries}</sheets></workbook>"
    members["xl/_rels/workbook.xml.rels"] = f"<Relationships>{links}</Relationships>"
    strings = "".join(f"<si><t>{s}</t></si>" for s in shared)
    members["xl/sharedStrings.xml"] = f"<sst {S}>{strings}</sst>"
    return zipped(members)
