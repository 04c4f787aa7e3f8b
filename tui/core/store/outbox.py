"""The durable outbox and the local drafts, on top of the cache's tables.

A message is written here, committed, before the first byte goes to SMTP: whatever
happens next (crash, no network, refusal) it stays until it is sent or the user
discards it. Statuses: "queued" (sent at the next attempt), "sending" (claimed by one
process, DATA not begun), "data" (DATA under way: its outcome is unknown until the
server's reply), "held" (refused for a reason the user must fix — password, address,
size — and sent again only when asked), and "uncertain": the process died or the
connection dropped after DATA began, so the message may have left. SMTP cannot say
which; courriel never resends it by itself (at most once), the user chooses.

A row is claimed in the store by one attempt at a time (tui/core/store/claims.py): two
courriel on one account, in two SSH sessions, never both send it.

Once the SMTP server accepts a message, its row stays as "sent" (copy to the Sent
folder, then \\Answered on the original) or "sent-no-copy" (the server files its own
copy: only \\Answered is left) until the IMAP worker has done that, so an IMAP outage
or a quit loses nothing. Such rows are never sent again and are not "pending".

cache.py has no method to change or delete these rows: the functions here use its
public `transaction()` connection, on the tables its schema defines.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING

from tui.core import logs
from tui.core.i18n import _, ngettext
from tui.core.store import actions, contacts
from tui.core.store.cache import Cache
from tui.core.store.records import OutboxRow

if TYPE_CHECKING:
    from email.message import EmailMessage

    from tui.core.mail.compose import Draft, Identity

# Composing (email.policy, the MIME stack) loads with the first message built or read
# here, not with the worker that imports this module to send (#22: resting memory).

QUEUED, SENDING, HELD = "queued", "sending", "held"
IN_DATA, UNCERTAIN = "data", "uncertain"
SENT, SENT_NO_COPY = "sent", "sent-no-copy"
AFTER_SMTP = (SENT, SENT_NO_COPY)


def uncertain_notice(count: int) -> str:
    """The one sentence that tells the user some messages may or may not have left."""
    return ngettext(
        "Envoi incertain : {n} message est peut-être parti, peut-être pas. "
        "courriel ne le renverra pas de lui-même : voyez la boîte d'envoi (o).",
        "Envoi incertain : {n} messages sont peut-être partis, peut-être pas. "
        "courriel ne les renverra pas d'eux-mêmes : voyez la boîte d'envoi (o).",
        count,
    ).format(n=count)


def uncertain_reason() -> str:
    from tui.core.mail.formatting import long_date, now

    return _(
        "Envoi interrompu le {when} alors que le message partait : il est peut-être "
        "parti. Vérifiez auprès du destinataire ou dans Envoyés, puis renvoyez-le (r) "
        "ou marquez-le comme envoyé (m)."
    ).format(when=long_date(now()))


def mark_sent(cache: Cache, outbox_id: int) -> None:
    """The user says an uncertain message did leave: file its copy, never send it; its
    recipients count in the address book as for any message sent."""
    with cache.transaction() as db:
        marked = db.execute(
            "UPDATE outbox SET status = ?, owner = '', last_error = '' WHERE id = ? AND status = ?",
            (SENT, outbox_id, UNCERTAIN),
        ).rowcount
        row = db.execute("SELECT raw FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
    # After the commit, as the send path does: the address book failing must not take
    # back what the user said (the message would be one key from « Renvoyer »).
    if marked == 1 and row is not None:
        try:
            contacts.learn(cache, bytes(row[0]))
        except Exception as error:
            logs.record(error, "outbox: learning the recipients of a message marked sent")


def queue(cache: Cache, message: EmailMessage | bytes) -> int:
    """Store the message in the outbox (committed on return) and give its outbox id."""
    from tui.core.mail.compose import ComposeError, to_bytes

    raw = message if isinstance(message, bytes) else to_bytes(message)
    if not recipients(raw):
        raise ComposeError(_("Indiquez au moins un destinataire."))
    return cache.add_outbox(raw)


def send_draft(
    cache: Cache,
    identity: Identity,
    draft: Draft,
    *,
    draft_id: int | None = None,
    original_raw: bytes | None = None,
) -> int:
    """Build the draft, queue it and drop the saved draft, in one transaction."""
    from tui.core.mail.compose import ComposeError, build_message, to_bytes

    raw = to_bytes(build_message(identity, draft, original_raw=original_raw))
    if not recipients(raw):
        raise ComposeError(_("Indiquez au moins un destinataire."))
    with cache.transaction() as db:
        cursor = db.execute("INSERT INTO outbox (created, raw) VALUES (?, ?)", (time.time(), raw))
        if draft_id is not None:
            db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
            _forget_server_copy(cache, draft_id)
    return int(cursor.lastrowid or 0)


def recipients(raw: bytes) -> list[str]:
    """The envelope: every address in To, Cc and Bcc, once each, in that order."""
    from email.policy import default as default_policy

    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
    found: list[str] = []
    seen: set[str] = set()
    for name in ("to", "cc", "bcc"):
        for header in headers.get_all(name, []):
            for address in getattr(header, "addresses", ()):
                spec = address.addr_spec
                if spec and "@" in spec and spec.lower() not in seen:
                    seen.add(spec.lower())
                    found.append(spec)
    return found


def without_bcc(raw: bytes) -> bytes:
    """The bytes that go out: the Bcc header (and its folded lines) removed, nothing else."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return raw
    head, body = raw[: end + 2], raw[end + 2 :]
    kept: list[bytes] = []
    skipping = False
    for line in head.split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = line.lower().startswith(b"bcc:")
        if not skipping:
            kept.append(line)
    return b"\r\n".join(kept) + b"\r\n" + body


_SIZE_KEY = "smtp_size_limit"


def size_limit(cache: Cache) -> int | None:
    """The largest message the SMTP server last said it accepts (its SIZE), if known."""
    value = cache.meta(_SIZE_KEY)
    return int(value) if value and value.isdigit() and int(value) > 0 else None


def remember_size_limit(cache: Cache, limit: int | None) -> None:
    """Kept in the cache so the compose screen warns against it after a restart too."""
    cache.set_meta(_SIZE_KEY, str(limit) if limit else None)


def pending(cache: Cache) -> list[OutboxRow]:
    """Every message not yet sent, for the Outbox view and the status bar."""
    return [row for row in cache.outbox() if row.status not in AFTER_SMTP]


def unfiled(cache: Cache) -> list[OutboxRow]:
    """Messages the SMTP server accepted whose IMAP follow-up (Sent copy, \\Answered)
    is still to do."""
    return [row for row in cache.outbox() if row.status in AFTER_SMTP]


def set_status(cache: Cache, outbox_id: int, status: str, error: str = "") -> None:
    with cache.transaction() as db:
        db.execute(
            "UPDATE outbox SET status = ?, last_error = ? WHERE id = ?",
            (status, error[:1000], outbox_id),
        )


def remove(cache: Cache, outbox_id: int) -> None:
    with cache.transaction() as db:
        db.execute("DELETE FROM outbox WHERE id = ?", (outbox_id,))


def discard(cache: Cache, outbox_id: int) -> bool:
    """The user gives up on this message: it is deleted, not sent. False when an attempt
    is sending it right now: it can no longer be held back."""
    with cache.transaction() as db:
        cursor = db.execute(
            "DELETE FROM outbox WHERE id = ? AND status NOT IN (?, ?)",
            (outbox_id, SENDING, IN_DATA),
        )
        return cursor.rowcount == 1


def retry(cache: Cache, outbox_id: int | None = None) -> None:
    """Make a held message (or all of them) eligible for the next `send_pending`."""
    with cache.transaction() as db:
        if outbox_id is None:
            db.execute("UPDATE outbox SET status = ? WHERE status = ?", (QUEUED, HELD))
        else:
            # Never a row some process is sending right now: that would send it twice.
            db.execute(
                "UPDATE outbox SET status = ?, last_error = '' "
                "WHERE id = ? AND status NOT IN (?, ?, ?, ?)",
                (QUEUED, outbox_id, *AFTER_SMTP, SENDING, IN_DATA),
            )


def to_draft(cache: Cache, outbox_id: int) -> int | None:
    """Take a held message back for editing: it leaves the outbox and becomes a draft.

    Only the raw message exists, so the draft keeps the recipients and subject; the
    compose screen re-opens it from the returned draft id. None if the row is gone.
    """
    from email.policy import default as default_policy

    from tui.core.mail.compose import Draft
    from tui.core.mail.mime import parse_message

    rows = [row for row in cache.outbox() if row.id == outbox_id]
    if not rows:
        return None
    raw = rows[0].raw
    parsed = parse_message(raw)
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)

    def field(name: str) -> str:
        return ", ".join(str(h) for h in headers.get_all(name, []))

    draft = Draft(
        to=field("to"),
        cc=field("cc"),
        bcc=field("bcc"),
        subject=parsed.subject,
        body=parsed.body,
        in_reply_to=parsed.in_reply_to,
        references=list(parsed.references),
        kind="reply" if parsed.in_reply_to else "new",
    )
    with cache.transaction() as db:
        # Only a held message: one an attempt is sending goes out whatever we do here.
        gone = db.execute(
            "DELETE FROM outbox WHERE id = ? AND status = ?", (outbox_id, HELD)
        ).rowcount
        if gone != 1:
            return None
        cursor = db.execute(
            "INSERT INTO drafts (created, raw) VALUES (?, ?)",
            (time.time(), draft.to_json().encode("utf-8")),
        )
    return int(cursor.lastrowid or 0)


# --- drafts -------------------------------------------------------------------------


def save_draft(cache: Cache, draft: Draft, draft_id: int | None = None) -> int:
    """Create or update a local draft (called every few seconds while typing)."""
    data = draft.to_json().encode("utf-8")
    with cache.transaction() as db:
        if draft_id is not None:
            cursor = db.execute("UPDATE drafts SET raw = ? WHERE id = ?", (data, draft_id))
            if cursor.rowcount:
                return draft_id
        cursor = db.execute("INSERT INTO drafts (created, raw) VALUES (?, ?)", (time.time(), data))
        return int(cursor.lastrowid or 0)


def load_drafts(cache: Cache) -> list[tuple[int, Draft]]:
    """Every saved draft, oldest first; one that cannot be read is skipped, not fatal."""
    from tui.core.mail.compose import Draft

    result: list[tuple[int, Draft]] = []
    for row in cache.drafts():
        try:
            result.append((row.id, Draft.from_json(row.raw.decode("utf-8"))))
        except (ValueError, TypeError, UnicodeDecodeError):
            continue
    return result


def delete_draft(cache: Cache, draft_id: int) -> None:
    with cache.transaction() as db:
        db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
        _forget_server_copy(cache, draft_id)


# --- a local draft's copy in the server's Drafts folder ------------------------------


@dataclass(frozen=True)
class ServerCopy:
    """Where "save to the server" put a local draft, so the next save replaces it."""

    folder: str
    uidvalidity: int
    uid: int


def offline_not_saved() -> str:
    """Why "save to the server" did nothing: said by the app and by the worker."""
    return _(
        "Hors ligne : le brouillon n'a pas été enregistré sur le serveur. Il reste "
        "enregistré sur cet ordinateur ; réessayez une fois la connexion revenue."
    )


def _copy_key(draft_id: int) -> str:
    return f"draft_server_copy:{draft_id}"


def server_copy(cache: Cache, draft_id: int) -> ServerCopy | None:
    value = cache.meta(_copy_key(draft_id))
    try:
        return ServerCopy(**json.loads(value)) if value else None
    except (ValueError, TypeError):
        return None


def replace_server_copy(
    cache: Cache, draft_id: int, new: ServerCopy | None
) -> list[tuple[int, ServerCopy]]:
    """Record the copy just appended for this draft; returns the copies now to remove,
    each with its queued expunge (durable until the caller finishes it): the previous
    copy, and the new one itself if the draft was sent or deleted meanwhile."""
    gone: list[tuple[int, ServerCopy]] = []
    with cache.transaction() as db:
        previous = server_copy(cache, draft_id)
        exists = db.execute("SELECT 1 FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        keep = new if exists else None
        cache.set_meta(_copy_key(draft_id), json.dumps(asdict(keep)) if keep else None)
        for copy in (previous, None if exists else new):
            if copy is not None and copy != keep:
                gone.append((_expunge(cache, copy), copy))
    return gone


def _expunge(cache: Cache, copy: ServerCopy) -> int:
    (op_id,) = actions.expunge(cache, copy.folder, [copy.uid], uidvalidity=copy.uidvalidity)
    return op_id


def _forget_server_copy(cache: Cache, draft_id: int) -> None:
    """The local draft is sent or deleted: its server copy goes too (a queued expunge,
    replayed by the worker like any other removal)."""
    copy = server_copy(cache, draft_id)
    if copy is not None:
        cache.set_meta(_copy_key(draft_id), None)
        _expunge(cache, copy)
