"""Build outgoing messages: new, reply, reply-all, forward inline or as an attachment.

The compose screen edits a `Draft` (plain data, stored as JSON while the user types);
`build_message` turns it into an `EmailMessage` only when it is sent. Everything copied
from the original is hostile: no CR or LF may ever reach an outgoing header, so every
header value goes through `one_line` and every message id through `clean_msgid`.
"""

from __future__ import annotations

import json
import mimetypes
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from tui.core.errors import MailError
from tui.core.i18n import _, current_language
from tui.core.mail.formatting import now, size_short
from tui.core.mail.mime import Attachment, parse_message
from tui.core.mail.subjects import FORWARD_PREFIX, REPLY_PREFIX
from tui.core.userfiles import UserFileError, file_reason, read_limited

MAX_REFERENCES = 20  # first id of the thread + the most recent ones (RFC 5322 §3.6.4)
MAX_HEADER_TEXT = 900
DEFAULT_SIZE_LIMIT = 10 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024  # ten times what servers usually accept
POLICY = SMTP  # CRLF line endings, RFC 2047/2231 encoding of non-ASCII headers

KINDS = ("new", "reply", "reply_all", "forward", "forward_attachment")

# Every character Python's str.splitlines() breaks on, plus the other C0/C1 controls.
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s{2,}")
_MSGID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")  # printable ASCII, no < > or space
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR_SPEC = re.compile(
    rf"^{_ATOM}(?:\.{_ATOM})*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{{2,}}$"
)
_NAME_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


class ComposeError(MailError):
    """The message cannot be built as it stands (an address, an attachment…)."""

    @property
    def title(self) -> str:
        return _("Message incomplet")


class AddressError(ComposeError):
    """An address the user typed is not a valid e-mail address."""


@dataclass(frozen=True)
class Identity:
    """Who sends: taken from the [account] section of the configuration."""

    display_name: str
    email: str
    signature: str = ""

    @classmethod
    def from_account(cls, account: Mapping[str, Any]) -> Identity:
        """The account's sender. Without `email` (a config written by hand), the academy
        address is the short username at the academy's domain (ACADEMY.md): sending used
        to fail with « Adresse invalide : (il manque « @ ») » about an empty From."""
        from tui.presets import DIJON

        email = str(account.get("email", "")).strip()
        username = str(account.get("username", "")).strip()
        if not email and username and "@" not in username:
            email = f"{username}@{DIJON.mail_domain}"
        return cls(
            display_name=str(account.get("display_name", "")),
            email=email,
            signature=str(account.get("signature", "")),
        )

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2] or "localhost"


@dataclass
class Draft:
    """What the compose screen edits; addresses are kept as the user typed them."""

    to: str = ""
    cc: str = ""
    bcc: str = ""
    subject: str = ""
    body: str = ""
    attachments: list[str] = field(default_factory=list)
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    kind: str = "new"
    # The message replied to or forwarded, as the cache knows it (to find its bytes again).
    original_folder: str = ""
    original_uid: int | None = None
    # The original's attachments (their `Attachment.index`) the user removed from a forward.
    forward_removed: list[int] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"version": 1, **asdict(self)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Draft:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("draft JSON is not an object")
        data.pop("version", None)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        draft = cls(**known)
        if draft.kind not in KINDS:
            draft.kind = "new"
        draft.attachments = [str(p) for p in draft.attachments]
        draft.references = [str(r) for r in draft.references]
        draft.forward_removed = [
            i for i in draft.forward_removed if isinstance(i, int) and not isinstance(i, bool)
        ]
        return draft


# --- header hygiene -----------------------------------------------------------------


def one_line(value: str, limit: int = MAX_HEADER_TEXT) -> str:
    """A header value with every line break and control turned into one space."""
    text = _SPACES.sub(" ", _LINE_BREAKS.sub(" ", value)).strip()
    return text[:limit]


def clean_msgid(value: str) -> str:
    """`<id@host>` if `value` is exactly one well-formed message id, else ""."""
    value = value.strip()
    return value if _MSGID.fullmatch(value) else ""


def cap_references(ids: Sequence[str], limit: int = MAX_REFERENCES) -> list[str]:
    """Valid ids only, no duplicates; past `limit`, keep the thread's first and the latest."""
    seen: set[str] = set()
    clean: list[str] = []
    for raw in ids:
        for candidate in raw.split():
            mid = clean_msgid(candidate)
            if mid and mid not in seen:
                seen.add(mid)
                clean.append(mid)
    if len(clean) > limit:
        clean = [clean[0], *clean[-(limit - 1) :]]
    return clean


def reply_subject(subject: str) -> str:
    """« Re: » once, however many Re:/RE:/Réf. : the original piled up."""
    return "Re: " + REPLY_PREFIX.sub("", one_line(subject))


def forward_subject(subject: str) -> str:
    """« TR: » in French (as Outlook writes it), « Fwd: » in English, never piled up."""
    prefix = "Fwd: " if current_language() == "en" else "TR: "
    rest = FORWARD_PREFIX.sub("", one_line(subject))
    if REPLY_PREFIX.match(rest):
        rest = reply_subject(rest)
    return prefix + rest


# --- addresses ----------------------------------------------------------------------


def _split_addresses(text: str) -> list[str]:
    """Split on , or ; outside quotes and angle brackets."""
    items: list[str] = []
    current: list[str] = []
    quoted = angle = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"' and not angle:
            quoted = not quoted
        elif char == "<" and not quoted:
            angle = True
        elif char == ">" and not quoted:
            angle = False
        if char in ",;" and not quoted and not angle:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _invalid(shown: str, why: str) -> AddressError:
    return AddressError(
        _("Adresse invalide : {address} ({why}).").format(address=one_line(shown, 200), why=why)
    )


def check_address(addr: str, shown: str | None = None) -> str:
    """The address itself if valid, else an `AddressError` saying what is wrong in French."""
    shown = addr if shown is None else shown
    if "@" not in addr:
        raise _invalid(shown, _("il manque « @ »"))
    if not addr.isascii():
        raise _invalid(shown, _("les lettres accentuées ne sont pas permises dans une adresse"))
    if any(c.isspace() for c in addr):
        raise _invalid(shown, _("une adresse ne contient pas d'espace"))
    if not _ADDR_SPEC.match(addr):
        raise _invalid(shown, _("forme attendue : prenom.nom@ac-dijon.fr"))
    return addr


_QUOTED_NAME = re.compile(r'"(?P<name>(?:[^"\\]|\\.)*)"\s*<(?P<addr>[^<>]*)>')
_PLAIN_NAME = re.compile(r'(?:"?(?P<name>[^"<>]*?)"?\s*)?<(?P<addr>[^<>]*)>')


def parse_address_list(text: str) -> list[tuple[str, str]]:
    """(name, address) pairs from what the user typed: commas or semicolons between them."""
    result: list[tuple[str, str]] = []
    for item in _split_addresses(one_line(text, 100_000)):
        match = _QUOTED_NAME.fullmatch(item) or _PLAIN_NAME.fullmatch(item)
        if match:
            name, addr = (match.group("name") or "").strip(), match.group("addr").strip()
            if item.startswith('"'):  # format_address's escapes, undone: names round-trip
                name = re.sub(r"\\(.)", r"\1", name)
        elif "<" in item or ">" in item:
            raise _invalid(item, _("chevrons « < > » mal placés"))
        else:
            name, addr = "", item
        result.append((name, check_address(addr, item)))
    return result


def format_address(name: str, addr: str) -> str:
    """One address as the user reads and edits it: `"Durand, Marie" <m@x.fr>`."""
    name = one_line(name, 200)
    if not name or name == addr:
        return addr
    if _NAME_SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def format_address_list(pairs: Iterable[tuple[str, str]]) -> str:
    return ", ".join(format_address(name, addr) for name, addr in pairs)


def _header_address(name: str, addr: str) -> Address:
    local, _at, domain = addr.rpartition("@")
    return Address(display_name=one_line(name, 200), username=local, domain=domain)


# --- attachments --------------------------------------------------------------------


def attachment_size(paths: Iterable[str | Path], extra: int = 0) -> int:
    """Total bytes of the files (and `extra` bytes more: forwarded attachments), as they
    will travel (base64 adds a third)."""
    total = extra
    for path in paths:
        try:
            total += Path(path).stat().st_size
        except OSError:
            continue
    return total * 4 // 3


def size_warning(
    paths: Iterable[str | Path], server_limit: int | None = None, extra: int = 0
) -> str | None:
    """A French warning when the attachments exceed the server's SIZE (or 10 MB), else None;
    `extra`: bytes attached besides the files (a forward's attachments)."""
    limit = server_limit or DEFAULT_SIZE_LIMIT
    size = attachment_size(paths, extra)
    if size <= limit:
        return None
    return _(
        "Les pièces jointes font {size} une fois encodées, au-delà de la limite de {limit} "
        "{whose} : le message risque d'être refusé."
    ).format(
        size=size_short(size),
        limit=size_short(limit),
        whose=_("du serveur") if server_limit else _("conseillée"),
    )


def _read_attachment(path: str) -> tuple[str, bytes, str, str]:
    file = Path(path).expanduser()
    try:
        # A FIFO or a device named here used to hang the send (issue #18).
        data = read_limited(file, MAX_ATTACHMENT_BYTES)
    except UserFileError as exc:
        raise ComposeError(_("Pièce jointe illisible : {why}").format(why=exc)) from None
    except OSError as exc:
        raise ComposeError(
            _("Pièce jointe illisible : {path} ({why}).").format(
                path=one_line(str(file), 300), why=file_reason(exc)
            )
        ) from None
    ctype, encoding = mimetypes.guess_type(file.name)
    if ctype is None or encoding is not None:
        ctype = "application/octet-stream"
    maintype, _slash, subtype = ctype.partition("/")
    return one_line(file.name, 255) or "piece-jointe", data, maintype, subtype


# --- building -----------------------------------------------------------------------


def _set_body(msg: EmailMessage, text: str) -> None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    long_lines = any(len(line) > 998 for line in text.split("\n"))
    cte = "7bit" if text.isascii() and not long_lines else "quoted-printable"
    # Quoted-printable, not 8bit: safe through any relay, with or without 8BITMIME.
    msg.set_content(text, charset="utf-8", cte=cte)


def build_message(
    identity: Identity,
    draft: Draft,
    *,
    original_raw: bytes | None = None,
    require_recipient: bool = True,
) -> EmailMessage:
    """The message to send (Bcc still present: the outbox strips it from what goes out).

    `original_raw` is the forwarded message: attached whole for "forward_attachment",
    its attachments re-attached for "forward" (less those in `draft.forward_removed`).
    A copy for the server's Drafts folder may have no recipient yet
    (`require_recipient=False`).
    """
    to = parse_address_list(draft.to)
    cc = parse_address_list(draft.cc)
    bcc = parse_address_list(draft.bcc)
    if require_recipient and not (to or cc or bcc):
        raise ComposeError(_("Indiquez au moins un destinataire."))
    sender = check_address(identity.email)

    msg = EmailMessage(policy=POLICY)
    msg["From"] = _header_address(identity.display_name, sender)
    if to:
        msg["To"] = [_header_address(n, a) for n, a in to]
    if cc:
        msg["Cc"] = [_header_address(n, a) for n, a in cc]
    if bcc:
        msg["Bcc"] = [_header_address(n, a) for n, a in bcc]
    msg["Subject"] = one_line(draft.subject)
    msg["Date"] = format_datetime(now())
    msg["Message-ID"] = make_msgid(domain=identity.domain)
    in_reply_to = clean_msgid(draft.in_reply_to)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    references = cap_references(draft.references)
    if references:
        msg["References"] = " ".join(references)
    msg["MIME-Version"] = "1.0"
    _set_body(msg, draft.body)

    for path in draft.attachments:
        name, data, maintype, subtype = _read_attachment(path)
        # policy SMTP writes a non-ASCII name as RFC 2231 filename*=utf-8''…
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if original_raw is not None and draft.kind == "forward_attachment":
        _attach_message(msg, original_raw)
    else:
        for part in forwarded_attachments(draft, original_raw):
            maintype, _slash, subtype = part.content_type.partition("/")
            if not subtype:
                maintype, subtype = "application", "octet-stream"
            msg.add_attachment(
                part.data, maintype=maintype, subtype=subtype, filename=one_line(part.filename)
            )
    return msg


def forwarded_attachments(draft: Draft, original_raw: bytes | None) -> list[Attachment]:
    """The original's attachments an inline forward sends: all but those removed."""
    if original_raw is None or draft.kind != "forward":
        return []
    removed = set(draft.forward_removed)
    return [part for part in parse_message(original_raw).attachments if part.index not in removed]


_EIGHT_BIT_ORIGINALS = "courriel_8bit_originals"


def _attach_message(msg: EmailMessage, original_raw: bytes) -> None:
    """The original, byte for byte, as a message/rfc822 part (its headers untouched).

    RFC 2046 allows only 7bit/8bit/binary here (Python cannot read a base64 one). An
    original with 8-bit bytes gets a placeholder that `to_bytes` swaps for its bytes.
    """
    subject = one_line(parse_message(original_raw).subject, 120) or "message"
    filename = re.sub(r'[\\/:*?"<>|]', "_", subject) + ".eml"
    raw = re.sub(rb"\r?\n", b"\r\n", original_raw)
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    lines = raw.split(b"\r\n")
    seven_bit = raw.isascii() and all(len(line) <= 998 for line in lines)
    payload = raw
    if not seven_bit:
        payload = f"courriel-original-{uuid.uuid4().hex}\r\n".encode()
        originals: dict[bytes, bytes] = msg.__dict__.setdefault(_EIGHT_BIT_ORIGINALS, {})
        originals[payload] = raw
    msg.add_attachment(
        payload,
        maintype="message",
        subtype="rfc822",
        cte="7bit",
        filename=filename,
        disposition="attachment",
    )
    if not seven_bit:
        parts = msg.get_payload()
        assert isinstance(parts, list)
        part = parts[-1]
        assert isinstance(part, EmailMessage)
        cte = "8bit" if all(len(line) <= 998 for line in lines) else "binary"
        part.replace_header("Content-Transfer-Encoding", cte)


def to_bytes(msg: EmailMessage) -> bytes:
    """The wire form: CRLF line endings, headers folded and RFC 2047 encoded."""
    data = msg.as_bytes(policy=POLICY)
    for placeholder, raw in msg.__dict__.get(_EIGHT_BIT_ORIGINALS, {}).items():
        data = data.replace(placeholder, raw, 1)
    return data
