"""`mailto:` links (RFC 6068), read as hostile input: what the compose screen may be
pre-filled with, and nothing else.

A link comes from a web page or another program the user does not control. Only
To, Cc, Bcc, Subject and Body are taken; every other parameter is ignored and named
(never "attach"-like ones, which would send a local file). Addresses must each be a
bare, valid address (RFC 6068 allows no display name, and a name is where a fake
one hides); header values become one line; the body keeps its lines but loses escape
sequences and other controls; the whole link is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import unquote

from tui.core.errors import MailError
from tui.core.i18n import _, ngettext
from tui.core.mail.sanitize import clean_line, clean_text, shorten

if TYPE_CHECKING:
    from tui.core.mail.compose import Draft, Identity

SCHEME = "mailto:"
MAX_URL_CHARS = 256 * 1024  # a long « share by e-mail » body is a few KiB
MAX_RECIPIENTS = 100  # per link, all fields together
MAX_SUBJECT_CHARS = 900  # tui.core.mail.compose.MAX_HEADER_TEXT
ADDRESS_FIELDS = ("to", "cc", "bcc")
TEXT_FIELDS = ("subject", "body")


class MailtoError(MailError):
    """The link cannot be read at all (not a mailto: link, far too long)."""

    @property
    def title(self) -> str:
        return _("Lien mailto")


@dataclass(frozen=True)
class Mailto:
    """What a link asks for, already checked; `ignored` and `rejected` are for the user."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    subject: str = ""
    body: str = ""
    ignored: tuple[str, ...] = ()  # parameter names not taken (attach, in-reply-to…)
    rejected: tuple[str, ...] = ()  # what was not a valid address, shortened


def is_mailto(text: str) -> bool:
    return text[: len(SCHEME)].lower() == SCHEME


def _decode(text: str) -> str:
    # RFC 6068 section 5: « + » is a plus sign here, not a space (unlike forms).
    return unquote(text, encoding="utf-8", errors="replace")


def parse(url: str) -> Mailto:
    """Read a `mailto:` link; raises MailtoError when it is not one or is too long."""
    if not is_mailto(url):
        raise MailtoError(_("Ce n'est pas un lien « mailto: »."))
    if len(url) > MAX_URL_CHARS:
        raise MailtoError(
            _(
                "Lien « mailto: » trop long : {size} caractères, courriel en lit au plus {limit}."
            ).format(size=len(url), limit=MAX_URL_CHARS)
        )
    rest = url[len(SCHEME) :]
    path, _sep, query = rest.partition("?")
    addresses: dict[str, list[str]] = {name: [] for name in ADDRESS_FIELDS}
    texts: dict[str, str] = {}
    ignored: list[str] = []
    addresses["to"].append(_decode(path))
    for field in query.split("&") if query else ():
        raw_name, _eq, raw_value = field.partition("=")
        name = clean_line(_decode(raw_name)).strip().lower()
        value = _decode(raw_value)
        if name in ADDRESS_FIELDS:
            addresses[name].append(value)
        elif name in TEXT_FIELDS:
            texts.setdefault(name, value)  # the first one counts, as most clients do
        elif name and name not in ignored and len(ignored) < 10:
            ignored.append(shorten(name, 40))
    checked, rejected = _addresses(addresses)
    return Mailto(
        to=checked["to"],
        cc=checked["cc"],
        bcc=checked["bcc"],
        subject=shorten(_one_line(texts.get("subject", "")), MAX_SUBJECT_CHARS),
        body=clean_text(texts.get("body", "").replace("\r\n", "\n").replace("\r", "\n")),
        ignored=tuple(ignored),
        rejected=tuple(rejected),
    )


def _one_line(text: str) -> str:
    """No CR or LF may reach a header: every line break and control becomes a space."""
    return " ".join(clean_line(text.replace("\r", " ").replace("\n", " ")).split())


def _addresses(
    fields: dict[str, list[str]],
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Each field's valid, bare addresses (once each, at most MAX_RECIPIENTS in all),
    and what was refused, as it may be shown."""
    from tui.core.mail.compose import AddressError, check_address

    seen: set[str] = set()
    rejected: list[str] = []
    result: dict[str, tuple[str, ...]] = {}
    for name in ADDRESS_FIELDS:
        kept: list[str] = []
        for value in fields[name]:
            for item in value.split(","):
                item = item.strip()
                if not item:
                    continue
                try:
                    address = check_address(item)
                except AddressError:
                    if len(rejected) < 10:
                        rejected.append(shorten(_one_line(item), 80))
                    continue
                if address.lower() in seen:
                    continue
                if len(seen) >= MAX_RECIPIENTS:
                    if len(rejected) < 10:
                        rejected.append(shorten(address, 80))
                    continue
                seen.add(address.lower())
                kept.append(address)
        result[name] = tuple(kept)
    return result, rejected


def draft(link: Mailto, identity: Identity) -> Draft:
    """A new message with what the link asked for, the user's signature below its text."""
    from tui.core.mail.new_drafts import new_draft

    start = new_draft(identity)
    body = link.body.rstrip("\n") + start.body if link.body.strip() else start.body
    return replace(
        start,
        to=", ".join(link.to),
        cc=", ".join(link.cc),
        bcc=", ".join(link.bcc),
        subject=link.subject,
        body=body,
    )


def notices(link: Mailto) -> list[str]:
    """What the user is told about the link once the compose screen is open."""
    said: list[str] = []
    if link.rejected:
        said.append(
            ngettext(
                "Lien mailto : adresse ignorée, elle n'est pas valide : {items}.",
                "Lien mailto : adresses ignorées, elles ne sont pas valides : {items}.",
                len(link.rejected),
            ).format(items=", ".join(f"« {item} »" for item in link.rejected))
        )
    if link.ignored:
        said.append(
            ngettext(
                "Lien mailto : paramètre ignoré ({names}). courriel ne reprend que "
                "les destinataires, l'objet et le texte ; il ne joint jamais de fichier.",
                "Lien mailto : paramètres ignorés ({names}). courriel ne reprend que "
                "les destinataires, l'objet et le texte ; il ne joint jamais de fichier.",
                len(link.ignored),
            ).format(names=", ".join(link.ignored))
        )
    return said
