"""What IMAP servers answer, read within limits: LIST lines (any name, capped count),
STATUS, SELECT's PERMANENTFLAGS, and ESEARCH ranges that never turn into giant lists.

Pure parsing of what imapclient hands back; the commands are tui/core/net/imap.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from imapclient import imap_utf7
from imapclient.response_parser import parse_response

from tui.core.errors import ServerMisbehaved
from tui.core.i18n import ngettext
from tui.core.mail.formatting import figure

MAX_FOLDERS = 5_000  # folders kept from one LIST


MAX_SEARCH_UIDS = 1_000_000  # UIDs one SEARCH / ESEARCH answer may name


@dataclass(frozen=True)
class MailboxStatus:
    uidvalidity: int
    uidnext: int
    messages: int
    highestmodseq: int | None = None
    unseen: int | None = None
    # PERMANENTFLAGS as the server sent it (None: not sent); "\\*" means any keyword.
    permanent: tuple[str, ...] | None = None

    def keeps(self, flag: str) -> bool:
        """Whether a STORE of this flag lasts: system flags always do; a keyword such
        as $Junk only where the server says so (RFC 3501, PERMANENTFLAGS)."""
        if flag.startswith("\\") or self.permanent is None:
            return True  # not said: every flag can be kept (RFC 3501, 7.1)
        return "\\*" in self.permanent or flag in self.permanent


def flag_names(value: object) -> tuple[str, ...] | None:
    """A SELECT response's flag list as text (imapclient gives bytes): at most 200
    keywords, and « \\* » whatever its place."""
    if not isinstance(value, (tuple, list)):
        return None
    names = [f.decode("ascii", "replace") if isinstance(f, bytes) else str(f) for f in value]
    return tuple(names[:200]) + (("\\*",) if "\\*" in names[200:] else ())


@dataclass(frozen=True)
class ListedFolder:
    name: str  # decoded from modified UTF-7: exactly what goes back to the server
    delimiter: str
    flags: tuple[str, ...]


def text_of(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


_LIST_LINE = re.compile(
    rb'^\((?P<flags>[^)]*)\)\s+(?P<delim>NIL|"(?:\\.|[^"\\])*")\s+(?P<name>.+)$', re.I
)


def parse_list_line(item: Any) -> tuple[tuple[bytes, ...], bytes | None, bytes] | None:
    """One LIST response, parsed alone so a malformed one hides only itself."""
    if isinstance(item, tuple):  # (line ending with {n}, literal name)
        head = re.sub(rb"\{\d+\+?\}$", b"", item[0]).strip()
        match = _LIST_LINE.match(head + b" x")
        if not match:
            return None
        delim = match["delim"]
        return (
            tuple(match["flags"].split()),
            None if delim.upper() == b"NIL" else delim[1:-1].replace(b"\\", b""),
            bytes(item[1]),
        )
    if not isinstance(item, bytes) or not item:
        return None
    try:
        flags, delim, name = parse_response([item])
        if isinstance(name, int):
            name = str(name).encode()
        return tuple(flags), delim, name
    except Exception:  # noqa: S110 - imapclient#583: fall back to a plain reading
        pass
    match = _LIST_LINE.match(item)
    if not match:
        return None
    raw_name = match["name"].strip()
    if raw_name.startswith(b'"') and raw_name.endswith(b'"'):
        raw_name = re.sub(rb"\\(.)", rb"\1", raw_name[1:-1])
    delim = match["delim"]
    return (
        tuple(match["flags"].split()),
        None if delim.upper() == b"NIL" else delim[1:-1].replace(b"\\", b""),
        raw_name,
    )


_INBOX_LINE = re.compile(rb'\s"?inbox"?\s*$', re.IGNORECASE)


def capped_list(data: list[Any]) -> list[Any]:
    """The first MAX_FOLDERS LIST answers, and INBOX wherever it came: 100,001 folders
    froze the app (issue #18); what is left out is counted in `folders_announced`."""
    if len(data) <= MAX_FOLDERS:
        return data
    kept = data[:MAX_FOLDERS]
    if not any(isinstance(item, bytes) and _INBOX_LINE.search(item) for item in kept):
        kept += [i for i in data[MAX_FOLDERS:] if isinstance(i, bytes) and _INBOX_LINE.search(i)]
    return kept


def representable(name: str) -> bool:
    """Can this name be stored (UTF-8) and so used as a folder's key?"""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def folder_name(raw: bytes) -> str:
    try:
        return str(imap_utf7.decode(raw))
    except Exception:
        return raw.decode("utf-8", errors="replace")


def status_of(data: dict[bytes, Any]) -> MailboxStatus:
    return MailboxStatus(
        uidvalidity=int(data.get(b"UIDVALIDITY", 0)),
        uidnext=int(data.get(b"UIDNEXT", 0)),
        messages=int(data.get(b"MESSAGES", 0)),
        highestmodseq=int(data[b"HIGHESTMODSEQ"]) if b"HIGHESTMODSEQ" in data else None,
        unseen=int(data[b"UNSEEN"]) if b"UNSEEN" in data else None,
    )


def parse_status_lines(lines: list[Any]) -> dict[str, MailboxStatus]:
    """`* STATUS name (KEY n …)` lines of a LIST-STATUS answer; odd ones are skipped
    (the folder then gets a STATUS of its own)."""
    found: dict[str, MailboxStatus] = {}
    for line in lines:
        try:
            if isinstance(line, tuple):  # (`* STATUS {n}`, name literal) then the values
                continue
            name, values = parse_response([line])
            if isinstance(name, int):
                name = str(name).encode()
            pairs = dict(zip(values[::2], values[1::2], strict=True))
            found[folder_name(name)] = status_of(
                {text_of(k).upper().encode(): v for k, v in pairs.items()}
            )
        except Exception:  # noqa: S112 - one unreadable line costs one STATUS later
            continue
    return found


def esearch_all(data: list[Any]) -> list[int]:
    """UIDs from `* ESEARCH (TAG "x") UID ALL 1:5,7` lines; no more than
    MAX_SEARCH_UIDS (`1:4294967295` is eleven bytes, and four billion numbers)."""
    found: list[int] = []
    for line in data:
        if not isinstance(line, bytes):
            continue
        match = re.search(rb"\bALL\s+([0-9:,]+)", line)
        if not match:
            continue
        for part in match[1].split(b","):
            if b":" in part:
                a, b = (int(x) for x in part.split(b":"))
                check_search_size(len(found) + abs(a - b) + 1)
                found.extend(range(min(a, b), max(a, b) + 1))
            elif part:
                found.append(int(part))
        check_search_size(len(found))
    return found


def check_search_size(count: int) -> None:
    if count > MAX_SEARCH_UIDS:
        raise ServerMisbehaved(
            ngettext(
                "Le serveur annonce plus de {n} message dans une seule réponse de recherche.",
                "Le serveur annonce plus de {n} messages dans une seule réponse de recherche.",
                MAX_SEARCH_UIDS,
            ).format(n=figure(MAX_SEARCH_UIDS))
        )


def esearch_max(data: list[Any]) -> int | None:
    """The UID of `* ESEARCH (TAG "x") UID MAX 41`; None when nothing matched."""
    for line in data:
        if isinstance(line, bytes):
            match = re.search(rb"\bMAX\s+(\d+)", line)
            if match:
                return int(match[1])
    return None
