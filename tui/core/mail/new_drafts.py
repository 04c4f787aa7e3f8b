"""The drafts the compose screen starts from: a new message, a reply, a reply to all,
a forward (inline or as an attachment), each with the account's signature.

Kept apart from building and sending (tui/core/mail/compose.py): these read the
original (hostile) and decide what the user starts from, nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable

from tui.core.i18n import _, current_language
from tui.core.mail.compose import (
    AddressError,
    Draft,
    Identity,
    cap_references,
    check_address,
    clean_msgid,
    format_address_list,
    forward_subject,
    one_line,
    reply_subject,
)
from tui.core.mail.formatting import long_date
from tui.core.mail.mime import RenderedMessage, parse_message


def _signature_block(identity: Identity) -> str:
    signature = identity.signature.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return f"\n-- \n{signature}\n" if signature.strip() else ""


def swap_signature(body: str, old: Identity, new: Identity) -> str:
    """The body with `old`'s signature block, if it is still there unchanged, replaced
    by `new`'s: a message written from one account and sent from another (« De », #20)
    must not leave signed as the first."""
    before, after = _signature_block(old).strip("\n"), _signature_block(new).strip("\n")
    if not before or before == after or before not in body:
        return body
    head, _sep, tail = body.rpartition(before)
    return head + after + tail if after else head.rstrip("\n") + "\n" + tail.lstrip("\n")


def new_draft(identity: Identity, to: str = "") -> Draft:
    return Draft(to=to, body="\n\n" + _signature_block(identity), kind="new")


def attribution(original: RenderedMessage) -> str:
    """« Le 12 mars 2026 à 09:14, Marie Durand a écrit : » (or the English line)."""
    name, addr = original.from_[0] if original.from_ else ("", "")
    who = one_line(name or addr, 200) or _("quelqu'un")
    when = ""
    if original.date is not None:
        when = long_date(original.date).split(" ", 1)[1]  # drop the weekday
    if current_language() == "en":
        return f"On {when}, {who} wrote:" if when else f"{who} wrote:"
    return f"Le {when}, {who} a écrit :" if when else f"{who} a écrit :"


def quote(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    return "\n".join(
        ">" + ("" if line.startswith(">") or not line else " ") + line for line in lines
    )


def _valid_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Only the addresses that are real addresses (hostile headers can hold anything)."""
    result = []
    for name, addr in pairs:
        try:
            result.append((one_line(name, 200), check_address(one_line(addr, 320))))
        except AddressError:
            continue
    return result


def _without(pairs: list[tuple[str, str]], exclude: set[str]) -> list[tuple[str, str]]:
    result = []
    for name, addr in pairs:
        if addr.lower() not in exclude:
            exclude.add(addr.lower())
            result.append((name, addr))
    return result


def reply_draft(
    identity: Identity,
    original_raw: bytes,
    *,
    reply_all: bool = False,
    folder: str = "",
    uid: int | None = None,
    above: bool = False,
) -> Draft:
    """A reply (or reply-all, never to yourself) with the quoted original.

    `above`: the cursor's text goes above the quote (Outlook habit) instead of below.
    """
    original = parse_message(original_raw)
    me = identity.email.lower()
    senders = _valid_pairs(original.reply_to or original.from_)
    to = _without(senders, {me})
    cc: list[tuple[str, str]] = []
    if reply_all:
        seen = {me} | {a.lower() for _n, a in to}
        to += _without(_valid_pairs(original.to), seen)
        cc = _without(_valid_pairs(original.cc), seen)
    if not to and not cc:
        # Replying to a message you sent: it goes back to its recipients.
        to = _without(_valid_pairs(original.to), {me}) or senders
    mid = clean_msgid(original.message_id)
    references = cap_references([*original.references, mid] if mid else original.references)
    if not references:
        references = cap_references([clean_msgid(original.in_reply_to)])
    quoted = attribution(original) + "\n" + quote(original.body) + "\n"
    signature = _signature_block(identity)
    body = f"\n\n{signature}\n{quoted}" if above else f"{quoted}\n\n{signature}"
    return Draft(
        to=format_address_list(to),
        cc=format_address_list(cc),
        subject=reply_subject(original.subject),
        body=body,
        in_reply_to=mid,
        references=references,
        kind="reply_all" if reply_all else "reply",
        original_folder=folder,
        original_uid=uid,
    )


def forward_draft(
    identity: Identity,
    original_raw: bytes,
    *,
    as_attachment: bool = False,
    folder: str = "",
    uid: int | None = None,
) -> Draft:
    """A forward: the original inline below a separator, or whole as an attachment.

    Pass the same `original_raw` to `build_message` again when sending.
    """
    original = parse_message(original_raw)
    signature = _signature_block(identity)
    if as_attachment:
        body = "\n\n" + signature
    else:
        english = current_language() == "en"
        title = "Forwarded Message" if english else "Message transféré"
        labels = (
            ("Subject", "Date", "From", "To", "Cc")
            if english
            else ("Sujet", "Date", "De", "À", "Cc")
        )
        values = (
            one_line(original.subject),
            long_date(original.date) if original.date else original.raw_date,
            format_address_list(original.from_),
            format_address_list(original.to),
            format_address_list(original.cc),
        )
        sep = ": " if english else " : "
        head = "\n".join(
            f"{label}{sep}{value}" for label, value in zip(labels, values, strict=True) if value
        )
        body = f"\n\n{signature}\n-------- {title} --------\n{head}\n\n{original.body}\n"
    return Draft(
        subject=forward_subject(original.subject),
        body=body,
        kind="forward_attachment" if as_attachment else "forward",
        original_folder=folder,
        original_uid=uid,
    )
