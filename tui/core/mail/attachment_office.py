"""Word and Writer documents as text, and the zip and XML reading the office formats
share (.docx, .odt, .xlsx, .ods): every limit against a bomb is here (#20).

A zip is read within MAX_MEMBERS members, MAX_MEMBER_BYTES per member and
MAX_UNZIPPED_BYTES in all, and a member that unpacks to more than MAX_RATIO times its
size is refused before it is read. XML is streamed to a parse target (no tree), and a
document with a DOCTYPE is refused before its internal subset is read: no entity is
ever declared, none expanded, nothing external read — what defusedxml forbids.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Protocol

from tui.core.mail.attachment_text import (
    MAX_CELL,
    SPACES,
    Budget,
    Extracted,
    Full,
    Refused,
    Section,
    cell_text,
    table_text,
)

MAX_MEMBERS = 5000  # in a .docx/.odt/.xlsx/.ods (a real one has a few dozen)
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one XML member, uncompressed
MAX_UNZIPPED_BYTES = 128 * 1024 * 1024  # every member read, uncompressed
MAX_RATIO = 100  # uncompressed / compressed, for a member over RATIO_FROM bytes
RATIO_FROM = 2 * 1024 * 1024
MAX_REPEAT = 100  # an ODF « repeated » count (a million empty rows) counts this often
XML_CHUNK = 64 * 1024

_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
}


class Zip:
    """A zip read within MAX_MEMBERS, MAX_MEMBER_BYTES, MAX_UNZIPPED_BYTES and MAX_RATIO."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(b"PK\x03\x04"):
            raise Refused("unreadable", "no zip header")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
            raise Refused("unreadable", type(error).__name__) from error
        if len(infos) > MAX_MEMBERS:
            raise Refused("bomb", f"{len(infos)} members")
        self.members = {info.filename: info for info in infos}
        self.unzipped = 0

    def has(self, name: str) -> bool:
        return name in self.members

    def chunks(self, name: str) -> Iterator[bytes]:
        """A member's bytes, a chunk at a time, refused past the limits."""
        info = self.members.get(name)
        if info is None:
            raise Refused("unreadable", "missing member")
        if info.flag_bits & 0x1:
            raise Refused("encrypted")
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise Refused("bomb", "member size")
        read = 0
        try:
            with self.zip.open(info) as stream:
                while chunk := stream.read(XML_CHUNK):
                    read += len(chunk)
                    self.unzipped += len(chunk)
                    if read > MAX_MEMBER_BYTES or self.unzipped > MAX_UNZIPPED_BYTES:
                        raise Refused("bomb", "unzipped bytes")
                    yield chunk
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as error:
            raise Refused("unreadable", type(error).__name__) from error
        except (RuntimeError, ValueError) as error:  # encrypted, or a bad compression
            raise Refused("unreadable", type(error).__name__) from error

    def read(self, name: str) -> bytes:
        return b"".join(self.chunks(name))


def read_office(data: bytes, result: Extracted, budget: Budget) -> None:
    """What the zip holds decides how it is read, whatever its name claimed."""
    archive = Zip(data)
    if archive.has("word/document.xml"):
        result.kind = "docx"
        _paragraphs(archive, "word/document.xml", result, budget)
    elif archive.has("xl/workbook.xml"):
        from tui.core.mail.attachment_sheets import read_xlsx

        result.kind = "xlsx"
        read_xlsx(archive, result, budget)
    elif archive.has("content.xml"):
        kind = "odt"  # a document without its « mimetype » member is read as text
        if archive.has("mimetype"):
            declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
            if declared not in _ODF_TYPES:
                raise Refused("unreadable", "odf type")
            kind = _ODF_TYPES[declared]
        result.kind = kind
        if result.kind == "ods":
            from tui.core.mail.attachment_sheets import read_ods

            read_ods(archive, result, budget)
        else:
            _paragraphs(archive, "content.xml", result, budget)
    else:
        raise Refused("unreadable", "unknown zip")


# --- XML, streamed -----------------------------------------------------------------------


class _Target(Protocol):
    def start(self, tag: str, attrib: dict[str, str]) -> None: ...

    def end(self, tag: str) -> None: ...

    def data(self, text: str) -> None: ...


class _NoDTD:
    """Wraps a parse target: a document with a DOCTYPE is refused before its internal
    subset is read (no entity declared, none expanded — what defusedxml forbids)."""

    def __init__(self, target: _Target) -> None:
        self.target = target
        self.start = target.start
        self.end = target.end
        self.data = target.data

    def doctype(self, name: str, pubid: str, system: str) -> None:
        raise Refused("unreadable", "DOCTYPE")

    def close(self) -> None:
        return None


def parse(archive: Zip, name: str, target: _Target) -> None:
    """Feed one member to `target` a chunk at a time (ElementTree's expat, no tree)."""
    import xml.etree.ElementTree as ET

    # No DTD is ever read (_NoDTD), so none of the XML attacks defusedxml stops can
    # start; expat itself never fetches anything external.
    parser = ET.XMLParser(target=_NoDTD(target))  # noqa: S314
    try:
        for chunk in archive.chunks(name):
            parser.feed(chunk)
        parser.close()
    except ET.ParseError as error:
        raise Refused("unreadable", "ParseError") from error


def local_name(tag: str) -> str:
    """`{namespace}name` → `name`: the strict and transitional OOXML namespaces alike."""
    return tag.rpartition("}")[2]


def attribute(attrib: dict[str, str], name: str) -> str | None:
    for key, value in attrib.items():
        if local_name(key) == name:
            return value
    return None


def repeat_count(value: str | None) -> int:
    """A repeat count from the document, within 1..MAX_REPEAT."""
    try:
        return max(1, min(int(value or 1), MAX_REPEAT))
    except ValueError:
        return 1


class _Paragraphs:
    """The text of a .docx (w:p, w:t…) or .odt (text:p, text:h…): a paragraph per line,
    tables as aligned columns, deleted text, comments and properties left out."""

    # Text is read only inside these: w:t (never w:delText or w:instrText); ODF's
    # paragraphs and headings, where runs of white space count as one space.
    TEXT = frozenset({"t"})
    ODF_TEXT = frozenset({"p", "h"})
    PARAGRAPH = frozenset({"p", "h"})
    TABLE = frozenset({"tbl", "table"})
    ROW = frozenset({"tr", "table-row"})
    CELL = frozenset({"tc", "table-cell", "covered-table-cell"})
    # Subtrees without text the reader wants: paragraph and run properties (w:tabs
    # holds tab stops, not tabs), ODF comments, tracked deletions, footnote marks.
    SKIP = frozenset({"pPr", "rPr", "annotation", "tracked-changes", "note-citation"})

    def __init__(self, budget: Budget, odf: bool) -> None:
        self.budget = budget
        self.odf = odf
        self.out: list[str] = []
        self.in_text = 0
        self.skipping = 0
        self.tables = 0  # depth in tables: an inner table is read as text in its cell
        self.rows: list[list[str]] = []  # of the outer table
        self.cell: list[str] | None = None  # the outer table's cell being read
        self.table_size = 0  # what the rows would show, at least
        self.table_cut = False  # rows past what the budget can show were left

    def _add(self, text: str) -> None:
        if self.cell is None:
            self.out.append(self.budget.take(text))
        elif sum(map(len, self.cell)) < 4 * MAX_CELL:  # a cell shows MAX_CELL at most
            self.cell.append(text)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = local_name(tag)
        if self.skipping or name in self.SKIP:
            self.skipping += 1
            return
        if name in (self.ODF_TEXT if self.odf else self.TEXT):
            self.in_text += 1
        if name == "tab":
            self._add("\t")
        elif name in ("br", "cr", "line-break"):
            self._add("\n")
        elif name == "s" and self.odf:  # text:s: c spaces
            self._add(" " * repeat_count(attribute(attrib, "c")))
        elif name in self.TABLE:
            self.tables += 1
        elif self.tables == 1 and name in self.ROW:
            self.table_size += 1
            self.table_cut |= self.table_size > self.budget.left
            if not self.table_cut:
                self.rows.append([])
        elif self.tables == 1 and name in self.CELL:
            self.cell = []

    def end(self, tag: str) -> None:
        name = local_name(tag)
        if self.skipping:
            self.skipping -= 1
            return
        if name in (self.ODF_TEXT if self.odf else self.TEXT):
            self.in_text -= 1
        if name in self.PARAGRAPH:
            self._add(" " if self.tables else "\n")
        elif name in self.TABLE:
            self.tables -= 1
            if not self.tables:
                self.flush()
        elif self.tables == 1 and name in self.CELL and self.cell is not None:
            value = cell_text("".join(self.cell))
            self.cell = None
            self.table_size += len(value) + 3
            if self.rows and not self.table_cut:
                self.rows[-1].append(value)
        elif name in self.CELL:  # an inner table's cell
            self._add(" ")

    def data(self, text: str) -> None:
        if self.in_text and not self.skipping:
            self._add(SPACES.sub(" ", text) if self.odf else text)

    def flush(self) -> None:
        """The outer table, aligned, into the text (its rows so far if the text is cut)."""
        self.cell = None
        if self.rows:
            table, cut = table_text(self.rows)
            self.table_cut |= cut
            self.out.append(self.budget.take(f"\n{table}\n"))
        self.rows, self.table_size = [], 0


def _paragraphs(archive: Zip, name: str, result: Extracted, budget: Budget) -> None:
    target = _Paragraphs(budget, odf=name == "content.xml")
    with contextlib.suppress(Full):  # extract() sees the budget spent
        parse(archive, name, target)
    with contextlib.suppress(Full):
        target.flush()
    result.cut |= target.table_cut
    result.sections.append(Section("", _tidy("".join(target.out))))


_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    lines = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", lines).strip("\n")
