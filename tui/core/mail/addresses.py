"""One strict reading of address headers, for the message list and the reader alike.

A crafted From or To can read as one address to a person and parse as another
(CVE-2023-27043). Both the list (tui/core/mail/summary.py, at backfill speed) and the
reader (tui/core/mail/mime.py) take addresses from here, so a header the reader calls
ambiguous is not shown in the list as a clean name and address.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence

from tui.core.mail.mimetext import decode_header_value
from tui.core.mail.sanitize import clean_line

MAX_ADDRESS_CHARS = 64 * 1024

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _balanced(value: str) -> bool:
    depth = 0
    escaped = False
    in_quote = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            in_quote = not in_quote
        elif in_quote:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def parse_addresses(values: Sequence[str]) -> list[tuple[str, str]] | None:
    """(name, address) pairs, or None when the header does not parse unambiguously.

    Python 3.11 has no `getaddresses(strict=True)` (CVE-2023-27043): this applies the
    same checks — balanced comments, no `[` in an address, as many addresses as the
    header has comma-separated entries — so a crafted header cannot show one address
    while another is used. Names are RFC 2047-decoded after the split, never before.
    """
    cleaned = [_FOLD.sub("", v)[:MAX_ADDRESS_CHARS] for v in values]
    if not all(_balanced(v) for v in cleaned):
        return None
    expected = 0
    for value in cleaned:
        bare = _COMMENT.sub("", _QUOTED.sub('""', value))
        expected += max(1, sum(1 for seg in bare.split(",") if seg.strip()))
    pairs = email.utils.getaddresses(cleaned)
    if len(pairs) != expected or any("[" in addr for _, addr in pairs):
        return None
    result = []
    for name, addr in pairs:
        if not name and not addr:
            continue
        result.append((decode_header_value(name), clean_line(addr)))
    return result
