"""The one sanitiser for every untrusted string that reaches the screen.

Textual and Rich strip only BEL, BS, VT, FF and CR (PITFALLS.md): ESC, NUL, DEL, C1
controls (U+009B is a CSI, U+009D an OSC) and bidi overrides reach the terminal as
they are. Everything from a message or a server — subjects, names, addresses, bodies,
filenames, folder names, notifications — goes through `clean_line` or `clean_text`
after the last decoding step and before any widget sees it.

Choices, documented once:

- Escape sequences are removed whole (CSI, OSC up to BEL / ESC \\ / ST or the end of
  the line when unterminated, DCS/SOS/PM/APC, two-byte ESC sequences), in their 7-bit
  and 8-bit forms, so no "[31m" debris is left behind. Then every other C0 control
  (except \\n and \\t in bodies), DEL and every C1 control U+0080–U+009F is removed.
- Bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) are removed:
  "facture\\u202efdp.exe" shows as "facturefdp.exe", its real order. French mail has
  no need of them, and removing them cannot reorder what is displayed.
- CRLF becomes LF, a lone CR is removed; U+2028/U+2029 become LF; a BOM (U+FEFF) is
  removed; lone surrogates (from surrogateescape decoding) become U+FFFD so writing to
  the terminal cannot raise UnicodeEncodeError.
- `[` is NOT escaped: the app never passes message data as markup (widgets get
  `Content`/`Text` objects or `markup=False`, STYLE.md rule 8). Escaping here would be
  both insufficient (PITFALLS.md) and visible in the text.

Speed: a clean string costs one `str.isprintable()` call (C speed), so list rows pay
almost nothing; only strings with something to remove go through the regexes.
"""

from __future__ import annotations

import re

__all__ = ["clean_line", "clean_text", "is_clean", "safe_basename"]

# Whole escape sequences, 7-bit (ESC x) and 8-bit (C1) introducers.
_SEQUENCES = re.compile(
    # CSI: parameters, intermediates, final byte (the final byte may be missing).
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    # OSC: up to BEL, ESC \ or ST; unterminated, up to the end of the line.
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    # DCS, SOS, PM, APC: up to ESC \ or ST; unterminated, up to the end of the line.
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c\n]*(?:\x1b\\|\x9c)?"
    # Any other ESC sequence (ESC c, ESC ( B, ESC 7…) and a lone ESC.
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

# What remains to delete once sequences are gone and line breaks are normalised.
_DELETE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ufeff]+")
_SURROGATES = re.compile("[\ud800-\udfff]")
_LINE_BREAKS_TO_SPACE = re.compile("\r\n|[\n\t\u2028\u2029]")
_PARAGRAPH_BREAKS = re.compile("[\u2028\u2029]")
_C1_INTRODUCERS = re.compile("[\x90\x98\x9b\x9d\x9e\x9f]")

# Anything the sanitiser would change. Strings that pass str.isprintable() (C speed)
# never get here; NBSP and U+202F, common in French, fail isprintable() and are then
# checked by this regex, which keeps them.
_DANGEROUS_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ufeff\ud800-\udfff]")
_DANGEROUS_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ufeff\ud800-\udfff]")


def is_clean(s: str) -> bool:
    """True when `s` holds nothing the sanitiser would change in a body."""
    return s.isprintable() or _DANGEROUS_TEXT.search(s) is None


def _remove_sequences(s: str) -> str:
    if "\x1b" in s or _C1_INTRODUCERS.search(s):
        return _SEQUENCES.sub("", s)
    return s


def _finish(s: str) -> str:
    s = _DELETE.sub("", s)
    if _SURROGATES.search(s):
        s = _SURROGATES.sub("\ufffd", s)
    return s


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut between words with « … »: a certificate error or
    a server's reply is never cut mid-word (a word longer than half the limit is cut)."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit - 1
    return text[:cut].rstrip() + "…"


def clean_line(s: str) -> str:
    """One-line field (subject, name, address, filename, folder, notification).

    Newlines and tabs become single spaces, so a hostile header cannot fake a second
    line in the reader header or the message list.
    """
    if s.isprintable() or _DANGEROUS_LINE.search(s) is None:
        return s
    # Sequences first: an unterminated OSC stops at the end of its own line.
    s = _remove_sequences(s)
    s = _LINE_BREAKS_TO_SPACE.sub(" ", s)
    return _finish(s.replace("\r", ""))


def clean_text(s: str) -> str:
    """Multi-line text (a body): keeps \\n and \\t, normalises CRLF, drops the rest."""
    if s.isprintable() or _DANGEROUS_TEXT.search(s) is None:
        return s
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "")
    if "\u2028" in s or "\u2029" in s:
        s = _PARAGRAPH_BREAKS.sub("\n", s)
    return _finish(_remove_sequences(s))


MAX_NAME_BYTES = 200  # file systems allow 255 bytes; leave room for " (12)"
_RESERVED_NAME = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)", re.IGNORECASE)
_FORBIDDEN_IN_NAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def safe_basename(name: str, fallback: str = "piece-jointe") -> str:
    """A filename from a message made safe to show and to create in any folder.

    Only the last path component survives ("../../.bashrc" -> "bashrc"); no leading
    dot (hidden file) or dash (read as an option by shell tools); no characters Windows
    forbids; reserved device names are prefixed; capped at 200 UTF-8 bytes with the
    extension kept.
    """
    name = clean_line(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _FORBIDDEN_IN_NAME.sub("_", name).strip().lstrip(".-").strip().rstrip(". ")
    if not name:
        name = fallback
    if _RESERVED_NAME.match(name):
        name = "_" + name
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext) > 10 or not stem:
            stem, ext = name, ""
        budget = MAX_NAME_BYTES - len(ext.encode("utf-8")) - (1 if ext else 0)
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
        name = f"{stem}.{ext}" if ext else stem
    return name
