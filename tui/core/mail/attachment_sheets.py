"""Excel and Calc workbooks as text: each sheet a table of aligned columns (#20).

Rows are collected only while they fit in what is left of MAX_CHARS, counted as the
table will show them: a sheet of a million rows costs neither memory nor time to lay
out. Numbers are shown as stored (a date is Excel's day number); Calc writes each
cell as it displays it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from tui.core.mail.attachment_office import Zip, attribute, local_name, parse, repeat_count
from tui.core.mail.attachment_text import (
    MAX_CELL,
    MAX_COLUMNS,
    Budget,
    Extracted,
    Section,
    table_text,
)


class _Collect:
    """Calls `on_end(name, attrib, text)` for each element whose local name is in
    `names`, with the text gathered inside it (from elements in `text_in`)."""

    def __init__(
        self,
        names: frozenset[str],
        on_end: Callable[[str, dict[str, str], str], None],
        text_in: frozenset[str] = frozenset({"t", "v"}),
        on_start: Callable[[str, dict[str, str]], None] | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        self.names = names
        self.on_end = on_end
        self.on_start = on_start
        self.text_in = text_in
        self.skip = skip
        self.stack: list[tuple[str, dict[str, str], list[str]]] = []
        self.in_text = 0
        self.skipping = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        name = local_name(tag)
        if self.skipping or name in self.skip:
            self.skipping += 1
            return
        if self.on_start is not None:
            self.on_start(name, attrib)
        if name in self.names:
            self.stack.append((name, dict(attrib), []))
        if name in self.text_in:
            self.in_text += 1

    def end(self, tag: str) -> None:
        name = local_name(tag)
        if self.skipping:
            self.skipping -= 1
            return
        if name in self.text_in:
            self.in_text -= 1
        if name in self.names and self.stack:
            _name, attrib, parts = self.stack.pop()
            self.on_end(name, attrib, "".join(parts))

    def data(self, text: str) -> None:
        if self.in_text and self.stack and not self.skipping:
            parts = self.stack[-1][2]
            if sum(map(len, parts)) < 4 * MAX_CELL:  # a cell shows MAX_CELL at most
                parts.append(text)


def _column(reference: str | None, default: int) -> int:
    """« C7 » → 2; the next column when there is no reference."""
    letters = "".join(c for c in (reference or "")[:4] if c.isalpha()).upper()
    if not letters:
        return default
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


class _Sheet:
    """A sheet's rows as they are read. Once they would show more than the budget
    left (counted as a table shows them), more rows are left out: a sheet of a
    million rows costs neither memory nor time to lay out."""

    def __init__(self, title: str, room: int) -> None:
        self.title = title
        self.rows: list[list[str]] = []
        self.room = room  # characters (shared by the sheets of one parse)
        self.full = False

    def new_row(self) -> None:
        self.room -= 1
        self.full |= self.room < 0
        if not self.full:
            self.rows.append([])

    def put(self, column: int, value: str, repeat: int = 1) -> None:
        """`value` from `column` on, `repeat` times; past MAX_COLUMNS one more slot
        holds what was left out, so that the table says it was cut."""
        if self.full:
            return
        if not self.rows:
            self.rows.append([])
        row = self.rows[-1]
        column = min(column, MAX_COLUMNS)
        row.extend([""] * (column - len(row)))
        for index in range(column, min(column + repeat, MAX_COLUMNS + 1)):
            if index == len(row):
                row.append(value)
            elif not row[index]:
                row[index] = value
        if value:
            self.room -= (min(len(value), MAX_CELL) + 3) * repeat


def read_xlsx(archive: Zip, result: Extracted, budget: Budget) -> None:
    shared: list[str] = []
    if archive.has("xl/sharedStrings.xml"):
        parse(
            archive,
            "xl/sharedStrings.xml",
            _Collect(
                frozenset({"si"}), lambda _n, _a, text: shared.append(text), skip=frozenset({"rPh"})
            ),
        )
    for title, member in _sheets(archive):
        sheet = _Sheet(title, budget.left)

        def cell(_name: str, attrib: dict[str, str], text: str, sheet: _Sheet = sheet) -> None:
            row = sheet.rows[-1] if sheet.rows else []
            value = _value(attrib.get("t", "n"), text, shared)
            sheet.put(_column(attrib.get("r"), len(row)), value)

        # A row's cells end before the row: the row is opened at its start.
        def opened(name: str, _attrib: dict[str, str], sheet: _Sheet = sheet) -> None:
            if name == "row":
                sheet.new_row()

        parse(
            archive,
            member,
            _Collect(frozenset({"c"}), cell, on_start=opened, skip=frozenset({"rPh"})),
        )
        _add_sheet(result, budget, sheet)


def _value(kind: str, text: str, shared: list[str]) -> str:
    if kind == "s":
        try:
            return shared[int(text)]
        except (ValueError, IndexError):
            return ""
    if kind == "n" and text:
        try:
            return format(float(text), ".15g")  # 0.1+0.2 written 0.30000000000000004
        except ValueError:
            return text
    return text


def _sheets(archive: Zip) -> list[tuple[str, str]]:
    """(name, member) of each sheet, in the workbook's order."""
    sheets: list[tuple[str, str]] = []
    links: dict[str, str] = {}

    def sheet(_name: str, attrib: dict[str, str], _text: str) -> None:
        sheets.append((attrib.get("name", ""), attribute(attrib, "id") or ""))

    def link(_name: str, attrib: dict[str, str], _text: str) -> None:
        links[attrib.get("Id", "")] = attrib.get("Target", "")

    parse(archive, "xl/workbook.xml", _Collect(frozenset({"sheet"}), sheet))
    if archive.has("xl/_rels/workbook.xml.rels"):
        parse(archive, "xl/_rels/workbook.xml.rels", _Collect(frozenset({"Relationship"}), link))
    found = []
    for number, (name, rid) in enumerate(sheets, 1):
        target = links.get(rid) or f"worksheets/sheet{number}.xml"
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        member = posixpath.normpath(member)
        if archive.has(member):
            found.append((name, member))
    return found


def read_ods(archive: Zip, result: Extracted, budget: Budget) -> None:
    sheets: list[_Sheet] = []

    def opened(name: str, attrib: dict[str, str]) -> None:
        if name == "table":
            room = sheets[-1].room if sheets else budget.left
            sheets.append(_Sheet(attribute(attrib, "name") or "", room))
        elif name == "table-row" and sheets:
            sheets[-1].new_row()

    def ended(name: str, attrib: dict[str, str], text: str) -> None:
        if not sheets or not sheets[-1].rows:
            return
        sheet = sheets[-1]
        row = sheet.rows[-1]
        if name == "table-row":
            # Calc ends a sheet with « a million empty rows »: only rows with
            # something in them are repeated.
            repeat = repeat_count(attribute(attrib, "number-rows-repeated"))
            for _ in range(repeat - 1 if any(row) else 0):
                sheet.new_row()
                for column, value in enumerate(row):
                    sheet.put(column, value)
            return
        sheet.put(len(row), text, repeat_count(attribute(attrib, "number-columns-repeated")))

    collect = _Collect(
        frozenset({"table-cell", "covered-table-cell", "table-row"}),
        ended,
        text_in=frozenset({"p"}),
        on_start=opened,
        skip=frozenset({"annotation"}),
    )
    parse(archive, "content.xml", collect)
    for sheet in sheets:
        _add_sheet(result, budget, sheet)


def _add_sheet(result: Extracted, budget: Budget, sheet: _Sheet) -> None:
    table, cut = table_text(sheet.rows)
    result.cut |= cut or sheet.full
    title = sheet.title or str(len(result.sections) + 1)
    result.sections.append(Section(title, budget.take(table)))
