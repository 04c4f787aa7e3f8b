"""iCalendar syntax (RFC 5545 §3.1): content lines in, content lines out.

An invitation is hostile like any other part of a message: its text is cut at
`MAX_ICS_CHARS`, components nest at most `MAX_DEPTH` deep, and only so many components,
properties and parameters are kept. Parsing never raises; a line that is not a content
line is skipped. Writing escapes TEXT values and folds lines, so nothing copied from an
invitation can add a line of its own to what courriel sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_ICS_CHARS = 256 * 1024
MAX_DEPTH = 6  # VCALENDAR > VEVENT > VALARM, VTIMEZONE > STANDARD: 3 is enough
MAX_COMPONENTS = 500
MAX_PROPERTIES = 2000  # per component: a meeting of a whole school has many ATTENDEEs
MAX_PARAMS = 30

_FOLDED_BYTES = re.compile(rb"\r?\n[ \t]")
_FOLDED = re.compile(r"\r?\n[ \t]")
_LINES = re.compile(r"\r\n|\r|\n")
_NAME = re.compile(r"[A-Za-z0-9-]{1,64}")
_PARAM_TEXT = re.compile(r'[^";:,]*')
_TEXT_ESCAPES = re.compile(r"\\([\\;,nN])")
_CARET = re.compile(r"\^([n^'])")  # RFC 6868: ^n newline, ^^ caret, ^' double quote
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Property:
    """One content line: its name (upper case), parameters (names upper case, values
    unquoted, several values joined by commas) and raw value (still escaped)."""

    name: str
    params: dict[str, str]
    value: str


@dataclass
class Component:
    """BEGIN:NAME … END:NAME, with its properties and the components inside it."""

    name: str
    properties: list[Property] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)

    def first(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)

    def all(self, name: str) -> list[Property]:
        return [p for p in self.properties if p.name == name]

    def walk(self, name: str) -> list[Component]:
        """The components of this name inside this one, at any depth, in order."""
        found: list[Component] = []
        for child in self.components:
            if child.name == name:
                found.append(child)
            found.extend(child.walk(name))
        return found


def unfold_bytes(data: bytes) -> bytes:
    """Unfolded before decoding: a fold may split a UTF-8 character in two (§3.1)."""
    return _FOLDED_BYTES.sub(b"", data[: MAX_ICS_CHARS * 4])


def content_line(line: str) -> Property | None:
    """name *(";" param) ":" value, parameter values quoted or not; None if not one."""
    match = _NAME.match(line)
    if match is None:
        return None
    name, pos = match.group().upper(), match.end()
    params: dict[str, str] = {}
    while pos < len(line) and line[pos] == ";":
        key_match = _NAME.match(line, pos + 1)
        if key_match is None or not line.startswith("=", key_match.end()):
            return None
        pos = key_match.end() + 1
        values: list[str] = []
        while True:
            if line.startswith('"', pos):
                end = line.find('"', pos + 1)
                if end < 0:
                    return None
                values.append(line[pos + 1 : end])
                pos = end + 1
            else:
                value_match = _PARAM_TEXT.match(line, pos)
                assert value_match is not None  # `*`: it always matches
                values.append(value_match.group())
                pos = value_match.end()
            if not line.startswith(",", pos):
                break
            pos += 1
        if len(params) < MAX_PARAMS:
            params.setdefault(key_match.group().upper(), ",".join(map(_uncaret, values)))
    if not line.startswith(":", pos):
        return None
    return Property(name, params, line[pos + 1 :])


def _uncaret(value: str) -> str:
    return _CARET.sub(lambda m: {"n": "\n", "^": "^", "'": '"'}[m.group(1)], value)


def parse(text: str) -> list[Component]:
    """The top-level components of an iCalendar text (normally one VCALENDAR).

    An END that closes nothing open is ignored; one that closes an outer component
    closes the inner ones too; what lies beyond the limits is skipped.
    """
    text = _FOLDED.sub("", text[:MAX_ICS_CHARS])
    roots: list[Component] = []
    stack: list[Component] = []
    skipped = 0  # components opened beyond the limits, whose content is dropped
    count = 0
    for line in _LINES.split(text):
        prop = content_line(line)
        if prop is None:
            continue
        if prop.name == "BEGIN":
            if skipped or len(stack) >= MAX_DEPTH or count >= MAX_COMPONENTS:
                skipped += 1
                continue
            count += 1
            component = Component(prop.value.strip().upper()[:64])
            (stack[-1].components if stack else roots).append(component)
            stack.append(component)
        elif prop.name == "END":
            if skipped:
                skipped -= 1
                continue
            name = prop.value.strip().upper()
            if any(c.name == name for c in stack):
                while stack and stack.pop().name != name:
                    pass
        elif stack and not skipped and len(stack[-1].properties) < MAX_PROPERTIES:
            stack[-1].properties.append(prop)
    return roots


def unescape_text(value: str) -> str:
    """A TEXT value as written (§3.3.11): \\\\ \\; \\, and \\n undone."""
    return _TEXT_ESCAPES.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def escape_text(value: str) -> str:
    """A TEXT value to write: \\ ; , escaped, a line break written \\n, other controls
    dropped. The result never holds a CR or an LF."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROLS.sub("", value.replace("\n", "\\n"))


def quote_param(value: str) -> str:
    """A parameter value to write: always quoted, no control character, and a double
    quote (which no parameter value can hold, §3.2) replaced by a single one."""
    return '"' + _CONTROLS.sub("", value.replace('"', "'")) + '"'


def fold(line: str) -> str:
    """One content line cut into lines of at most 75 octets (§3.1), never inside a
    UTF-8 character, joined by CRLF and a space; ends with CRLF."""
    pieces: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, 74  # the leading space takes one octet
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces) + "\r\n"
