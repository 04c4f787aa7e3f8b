"""Text helpers of the reader: charsets and RFC 2047 headers.

Kept apart from `mime` so the sync engine can decode list summaries
(`decode_header_value`) without importing the whole reader. Every function returns
sanitised text.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line

MAX_HEADER_CHARS = 4096

# Labels browsers read as windows-1252 (WHATWG Encoding): mail says latin-1 and means it.
_AS_WINDOWS_1252 = {"ascii", "iso8859-1", "cp1252"}
# Codecs Python knows that are not a mail charset and must not run on hostile bytes.
_NOT_CHARSETS = {
    "undefined",
    "unicode_escape",
    "raw_unicode_escape",
    "punycode",
    "idna",
    "mbcs",
    "oem",
}


def _codec(charset: str | None) -> str | None:
    """Python codec name for a mail charset label, None when unknown."""
    if not charset:
        return None
    label = charset.strip().strip('"').split("*")[0].lower()  # RFC 2231 "utf-8*fr"
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if getattr(info, "_is_text_encoding", True) is False or info.name in _NOT_CHARSETS:
        return None
    return "cp1252" if info.name in _AS_WINDOWS_1252 else info.name


def _utf8_or_1252(data: bytes) -> tuple[str, bool]:
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), False


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode a body; the second item is a French note when the charset was not honoured."""
    codec = _codec(charset)
    if codec is None:
        text, was_utf8 = _utf8_or_1252(data)
        if not charset:
            if was_utf8:
                return text, None
            return text, _("Jeu de caractères non déclaré : texte lu en windows-1252.")
        used = "utf-8" if was_utf8 else "windows-1252"
        return text, _("Jeu de caractères inconnu « {cs} » : texte lu en {used}.").format(
            cs=clean_line(charset[:40]), used=used
        )
    try:
        return data.decode(codec), None
    except (UnicodeDecodeError, LookupError, ValueError):
        pass
    if codec == "utf-8":
        return data.decode("cp1252", "replace"), _(
            "Texte annoncé en utf-8 mais invalide : lu en windows-1252."
        )
    try:
        text = data.decode(codec, "replace")
    except (LookupError, ValueError):
        text = data.decode("cp1252", "replace")
    return text, _("Caractères illisibles remplacés par « \ufffd » ({cs}).").format(
        cs=clean_line(charset or "")[:40]
    )


# --- RFC 2047 ---------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([qQbB])\?([^?\s]*)\?=")
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")
_QP_HEX = re.compile(rb"=([0-9A-Fa-f]{2})")


def _word_bytes(encoding: str, text: str) -> bytes | None:
    if encoding in "bB":
        try:
            padded = text + "=" * (-len(text) % 4)
            return base64.b64decode(padded.encode("ascii", "replace"), validate=False)
        except (binascii.Error, ValueError):
            return None
    raw = text.replace("_", " ").encode("ascii", "replace")
    return _QP_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _decode_word_run(data: bytes, charset: str) -> str:
    codec = _codec(charset)
    if codec is None:
        return _utf8_or_1252(data)[0]
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        if codec == "utf-8":
            return data.decode("cp1252", "replace")
        return data.decode(codec, "replace")


# A byte of 0x80-0xFF that surrogateescape kept; searched in C, where a Python loop over
# every character was a seventh of the backfill's header parsing (bench.cpu).
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _header_str(raw: bytes | str) -> str:
    if isinstance(raw, bytes):
        return _utf8_or_1252(raw)[0]
    if _ESCAPED_BYTE.search(raw):  # 8-bit bytes kept by surrogateescape
        return _utf8_or_1252(raw.encode("utf-8", "surrogateescape"))[0]
    return raw


def decode_header_value(raw: bytes | str) -> str:
    """Decode a header value (RFC 2047 words, raw 8-bit) into one sanitised line.

    Compat32-speed: a regex over the encoded words, no header registry, so the sync
    engine can decode thousands of summaries. Adjacent words in the same charset are
    decoded together (a multibyte character may be split across two words); the
    whitespace between two encoded words is dropped (RFC 2047 section 6.2).
    """
    text = _header_str(raw)
    if len(text) > MAX_HEADER_CHARS:
        text = text[:MAX_HEADER_CHARS]
    text = _UNFOLD.sub("", text)
    if "=?" not in text:
        return clean_line(text.strip())
    out: list[str] = []
    run = bytearray()
    run_charset = ""
    after_word = False
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:  # undecodable word: left in the text as it is
            continue
        between = text[pos : match.start()]
        charset = match.group(1).lower()
        adjacent = after_word and not between.strip()
        if adjacent and charset == run_charset:
            run += data
        else:
            if run:
                out.append(_decode_word_run(bytes(run), run_charset))
            if not adjacent:
                out.append(between)
            run = bytearray(data)
            run_charset = charset
        after_word = True
        pos = match.end()
    if run:
        out.append(_decode_word_run(bytes(run), run_charset))
    out.append(text[pos:])
    return clean_line("".join(out).strip())
