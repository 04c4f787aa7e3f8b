"""Text helpers of the reader: charsets, RFC 2047 headers, iCalendar summaries.

Kept apart from `mime` so the sync engine can decode list summaries
(`decode_header_value`) without importing the whole reader. Every function returns
sanitised text.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from tui.core.i18n import _
from tui.core.mail import dates
from tui.core.mail.formatting import local, long_date, long_day
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


def _header_str(raw: bytes | str) -> str:
    if isinstance(raw, bytes):
        return _utf8_or_1252(raw)[0]
    if any("\udc80" <= c <= "\udcff" for c in raw):  # 8-bit bytes kept by surrogateescape
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


# --- iCalendar --------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    """An invitation summarised for the reader: what, when, where, who organises."""

    method: str
    summary: str
    start: datetime | date | None
    end: datetime | date | None
    location: str
    organizer: str

    def lines(self) -> list[str]:
        """The summary as French lines, ready to print."""
        title = _("Annulation") if self.method.upper() == "CANCEL" else _("Invitation")
        summary = self.summary or _("(sans titre)")
        out = [f"{title} : {summary}"]
        if self.start is not None:
            out.append(_("Quand : {v}").format(v=_format_span(self.start, self.end)))
        if self.location:
            out.append(_("Où : {v}").format(v=self.location))
        if self.organizer:
            out.append(_("Organisateur : {v}").format(v=self.organizer))
        return out


def _format_moment(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return long_date(moment)
    return long_day(moment)


def _format_span(start: datetime | date, end: datetime | date | None) -> str:
    text = _format_moment(start)
    if isinstance(start, datetime) and isinstance(end, datetime):
        if local(end).date() == local(start).date():
            return f"{text} – {local(end).strftime('%H:%M')}"
        return f"{text} – {long_date(end)}"
    return text


_ICS_ESCAPES = re.compile(r"\\([\\;,nN])")
_MAX_ICS_CHARS = 256 * 1024


def _ics_unescape(value: str) -> str:
    return _ICS_ESCAPES.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _local_zone(name: str) -> tzinfo | None:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # unknown or hostile TZID: shown as floating time
        return None


def _ics_time(value: str, params: dict[str, str]) -> datetime | date | None:
    value = value.strip()
    try:
        if params.get("VALUE", "").upper() == "DATE" or len(value) == 8:
            return datetime.strptime(value[:8], "%Y%m%d").date()
        moment = datetime.strptime(value[:15], "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    if value.endswith("Z"):
        utc = dates.usable(moment.replace(tzinfo=UTC))
        paris = _local_zone("Europe/Paris")
        return utc.astimezone(paris) if paris and utc else utc
    zone = _local_zone(params["TZID"]) if "TZID" in params else None
    if zone is None:
        return moment if dates.usable(moment) else None  # floating time, kept naive
    return dates.usable(moment.replace(tzinfo=zone))


def _ics_params(name_part: str) -> tuple[str, dict[str, str]]:
    name, *rest = name_part.split(";")
    params = {}
    for item in rest:
        key, _sep, value = item.partition("=")
        params[key.strip().upper()] = value.strip().strip('"')
    return name.strip().upper(), params


def summarise_calendar(text: str) -> list[CalendarEvent]:
    """The VEVENTs of an iCalendar text (at most 10), each field sanitised."""
    text = _UNFOLD.sub("", text[:_MAX_ICS_CHARS].replace("\r\n ", "").replace("\r\n\t", ""))
    events: list[CalendarEvent] = []
    method = ""
    current: dict[str, tuple[str, dict[str, str]]] | None = None
    for line in text.splitlines():
        name_part, sep, value = line.partition(":")
        if not sep:
            continue
        name, params = _ics_params(name_part)
        if name == "METHOD":
            method = clean_line(value.strip())[:20]
        elif name == "BEGIN" and value.strip().upper() == "VEVENT":
            current = {}
        elif name == "END" and value.strip().upper() == "VEVENT" and current is not None:
            events.append(_event(method, current))
            current = None
            if len(events) >= 10:
                break
        elif current is not None and name not in current:
            current[name] = (value, params)
    return events


def _event(method: str, fields: dict[str, tuple[str, dict[str, str]]]) -> CalendarEvent:
    def text(key: str) -> str:
        value = fields.get(key)
        return clean_line(_ics_unescape(value[0]))[:500] if value else ""

    def moment(key: str) -> datetime | date | None:
        value = fields.get(key)
        return _ics_time(value[0], value[1]) if value else None

    organizer = ""
    if "ORGANIZER" in fields:
        value, params = fields["ORGANIZER"]
        address = re.sub(r"(?i)^mailto:", "", value.strip())
        name = params.get("CN", "")
        organizer = clean_line(f"{name} <{address}>" if name else address)[:300]
    start = moment("DTSTART")
    end = moment("DTEND")
    if end is None and isinstance(start, datetime) and "DURATION" in fields:
        end = _add_duration(start, fields["DURATION"][0])
    return CalendarEvent(method, text("SUMMARY"), start, end, text("LOCATION"), organizer)


# At most 9 digits a field: a longer number is no real duration, and int() of 5,000
# digits raises ValueError (a hostile invitation made the whole message unreadable).
_DURATION = re.compile(
    r"P(?:(\d{1,9})W)?(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})S)?)?"
)


def _add_duration(start: datetime, value: str) -> datetime | None:
    match = _DURATION.fullmatch(value.strip().lstrip("+"))
    if not match:
        return None
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    try:
        end = start + timedelta(
            weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds
        )
    except OverflowError:
        return None
    return end if dates.usable(end) else None
