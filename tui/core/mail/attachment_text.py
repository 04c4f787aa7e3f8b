"""An attachment's text: PDF, Word/Writer, Excel/Calc, CSV and plain text (#20).

Every byte is hostile. This module runs in a child process of its own
(tui.core.mail.attachment_sandbox), under a memory, CPU and wall-clock limit, so a PDF that
loops or a zip bomb costs the app nothing; it is also called directly by the tests.
Limits of its own, so that a bomb is refused rather than merely cut short by the
sandbox: the input size (checked by the caller), the characters kept (MAX_CHARS), the
pages read, the zip's members and uncompressed bytes (member by member, and the ratio
of each member), the XML (no DTD at all: no entity can expand, nothing external is
read) and the table's columns. The zip-based formats are read by
tui.core.mail.attachment_office and tui.core.mail.attachment_sheets.

It returns plain text that is not yet sanitised: the caller cleans it after the last
step (tui.core.mail.sanitize), and nothing here may be read as markup.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = [
    "KINDS",
    "MAX_CELL",
    "MAX_CHARS",
    "MAX_COLUMNS",
    "SPACES",
    "Budget",
    "Extracted",
    "Full",
    "Refused",
    "Section",
    "cell_text",
    "extract",
    "table_text",
]

MAX_CHARS = 500_000  # about 250 pages of text: more is cut, and the reader says so
MAX_PAGES = 1000  # of a PDF
MAX_COLUMNS = 100  # of a table; more are left out (and the text says it is cut)
MAX_CELL = 40  # characters of a cell shown in a table; more ends in « … »

# Which reader each kind uses; the caller picks it from the name and type, and the
# data must agree (a « PDF » must start as one; a zip says what it holds).
KINDS = ("pdf", "docx", "odt", "xlsx", "ods", "csv", "html", "text")


class Refused(Exception):
    """Why no text: `reason` is one of "too_big", "bomb", "encrypted", "unreadable"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail  # for the log: a type name, never the document's text


@dataclass
class Section:
    """A page of a PDF, a sheet of a workbook, or the whole text (heading "")."""

    heading: str
    text: str


@dataclass
class Extracted:
    kind: str
    sections: list[Section] = field(default_factory=list)
    cut: bool = False  # MAX_CHARS, MAX_PAGES or MAX_COLUMNS left something out
    pages: int = 0  # a PDF's page count


class Full(Exception):
    """MAX_CHARS reached: what was gathered is kept, the rest is left."""


class Budget:
    """The characters left for the whole document."""

    def __init__(self, limit: int = MAX_CHARS) -> None:
        self.left = limit

    def take(self, text: str) -> str:
        """`text`, or its head when the budget runs out (then Full on the next call)."""
        if self.left <= 0:
            raise Full
        kept = text[: self.left]
        self.left -= len(kept)
        return kept


def extract(kind: str, data: bytes, *, limit: int = MAX_CHARS) -> Extracted:
    """The text of `data`, read as `kind`; Refused when it cannot or must not be read."""
    result = Extracted(kind)
    budget = Budget(limit)
    try:
        if kind == "pdf":
            _pdf(data, result, budget)
        elif kind in ("docx", "odt", "xlsx", "ods"):
            from tui.core.mail.attachment_office import read_office

            read_office(data, result, budget)
        elif kind == "csv":
            _csv(data, result, budget)
        elif kind == "html":
            _html(data, result, budget)
        elif kind == "text":
            result.sections.append(Section("", budget.take(_decode(data))))
        else:
            raise Refused("unreadable", f"kind {kind!r}")
    except Full:
        result.cut = True
    if budget.left <= 0:
        result.cut = True
    return result


# --- plain text, CSV, HTML ---------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else windows-1252 as a French spreadsheet writes it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


_DELIMITERS = (";", ",", "\t", "|")


def _delimiter(sample: str) -> str:
    """The separator of the first lines: « ; » from a French Excel, « , » elsewhere."""
    lines = [line for line in sample.splitlines()[:10] if line.strip()]
    best, best_score = ",", 0
    for candidate in _DELIMITERS:
        counts = [line.count(candidate) for line in lines]
        score = min(counts) if counts else 0
        if score > best_score:
            best, best_score = candidate, score
    return best


def _csv(data: bytes, result: Extracted, budget: Budget) -> None:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text[:8192]))
    rows: list[list[str]] = []
    size = 0
    try:
        for row in reader:
            rows.append(row)
            size += sum(min(len(cell), MAX_CELL) + 3 for cell in row[:MAX_COLUMNS])
            if size > budget.left:
                result.cut = True
                break
    except csv.Error:  # a field over csv's limit, a NUL: what came before is shown
        result.cut = True
    table, cut = table_text(rows)
    result.cut |= cut
    result.sections.append(Section("", budget.take(table)))


def _html(data: bytes, result: Extracted, budget: Budget) -> None:
    from tui.core.mail.htmlbody import html_to_text

    converted = html_to_text(_decode(data))
    result.sections.append(Section("", budget.take(converted.text)))


SPACES = re.compile(r"\s+")


def cell_text(value: str) -> str:
    """One line, at most MAX_CELL characters: a cell never breaks the table's rows."""
    value = SPACES.sub(" ", value).strip()
    return value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"


def table_text(rows: list[list[str]]) -> tuple[str, bool]:
    """Rows as aligned columns, « │ » between them; empty rows and columns at the end
    dropped. Whether columns were left out (a value past MAX_COLUMNS)."""
    cut = any(any(row[MAX_COLUMNS:]) for row in rows)
    cells = [[cell_text(value) for value in row[:MAX_COLUMNS]] for row in rows]
    for row in cells:
        while row and not row[-1]:
            row.pop()
    while cells and not cells[-1]:
        cells.pop()
    widths: list[int] = []
    for row in cells:
        for n, value in enumerate(row):
            if n == len(widths):
                widths.append(0)
            widths[n] = max(widths[n], len(value))
    lines = []
    for row in cells:
        padded = [value.ljust(widths[n]) for n, value in enumerate(row)]
        lines.append(" │ ".join(padded).rstrip())
    return "\n".join(lines), cut


# --- PDF ---------------------------------------------------------------------------------


def _pdf(data: bytes, result: Extracted, budget: Budget) -> None:
    """pypdf (BSD, pure Python, with its own decompression limits), page by page."""
    if b"%PDF-" not in data[:1024]:
        raise Refused("unreadable", "no %PDF header")
    import logging

    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # warnings name the content
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _decrypted(reader):
            raise Refused("encrypted")
        pages = reader.pages
        result.pages = len(pages)
        for number in range(min(result.pages, MAX_PAGES)):
            text = pages[number].extract_text() or ""
            result.sections.append(Section(str(number + 1), budget.take(text)))
        result.cut |= result.pages > MAX_PAGES
    except LimitReachedError as error:
        raise Refused("bomb", type(error).__name__) from error
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise Refused("unreadable", type(error).__name__) from error
    except (RecursionError, IndexError, AssertionError, ZeroDivisionError) as error:
        raise Refused("unreadable", type(error).__name__) from error


def _decrypted(reader: Any) -> bool:
    """A PDF « protected » with an empty password (common for « no printing ») opens."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # an unknown algorithm, a missing crypto library: protected
        return False


def main(stdin: IO[bytes], stdout: IO[str], kind: str, limit: int) -> None:
    """The child's side (tui.core.mail.attachment_sandbox): bytes in, one JSON object out."""
    import json

    data = stdin.read(limit + 1)
    answer: dict[str, object]
    if len(data) > limit:
        answer = {"error": "too_big"}
    else:
        try:
            found = extract(kind, data)
            answer = {
                "kind": found.kind,
                "sections": [[s.heading, s.text] for s in found.sections],
                "cut": found.cut,
                "pages": found.pages,
            }
        except Refused as refused:
            answer = {"error": refused.reason, "detail": refused.detail}
        except MemoryError:
            answer = {"error": "too_big", "detail": "MemoryError"}
        except Exception as error:  # a bug of a library on hostile input: unreadable
            answer = {"error": "unreadable", "detail": type(error).__name__}
    json.dump(answer, stdout, ensure_ascii=True)
    stdout.flush()
