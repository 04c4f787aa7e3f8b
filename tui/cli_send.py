"""`courriel send --to … --subject … [--attach F] < texte.txt`: a message from a script.

The app's path, step for step: the message is built by tui/core/mail/compose.py, committed
to the durable outbox before anything goes out, sent by `send_pending` (claims: at
most once, even with the app open in another SSH session), and its copy filed in
Sent by the account's worker. When it cannot leave now (no server, no password a
script may use, a certificate to decide), it stays queued and the exit code says so:
the app or `courriel sync` sends it later by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli import EXIT_FAILURE, EXIT_OK, EXIT_QUEUED, EXIT_USAGE
from tui.core.account import contract
from tui.core.errors import CertificateError, MailError
from tui.core.i18n import _
from tui.core.userfiles import MiB, shown_path
from tui.scripts import (
    Halt,
    Headless,
    Outcome,
    certificate_advice,
    halt,
    load_account,
    open_store,
    say,
)

if TYPE_CHECKING:
    from tui.config import Config
    from tui.core.net.trust import TrustStore
    from tui.core.store.cache import Cache

COMMAND = "send"
MAX_BODY_BYTES = 10 * MiB  # a text, not an attachment: far more than any letter
FILE_SECONDS = 120.0  # how long the Sent copy may take before it is left for later


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except Outcome as outcome:
        if outcome.text:
            say(COMMAND, outcome.text)
        return outcome.code


def _run(args: argparse.Namespace) -> int:
    from tui.core.store import outbox

    config = load_account(args)
    raw = _build(args, config)
    store = open_store(config)
    try:
        limit = outbox.size_limit(store)
        wire = len(outbox.without_bcc(raw))
        if limit and wire > limit:
            raise Outcome(EXIT_USAGE, _too_big(wire, limit))
        try:
            outbox_id = outbox.queue(store, raw)
        except MailError as exc:  # a full disk, a read-only folder: nothing was queued
            raise Outcome(EXIT_FAILURE, exc.message) from None
        return _send(args, config, store, outbox_id)
    finally:
        store.close()


# --- the message ------------------------------------------------------------------


def _build(args: argparse.Namespace, config: Config) -> bytes:
    """The message's bytes, or a usage error naming what is wrong (address, file, text)."""
    from tui.core.mail.compose import ComposeError, Draft, Identity, build_message, to_bytes

    to, cc, bcc = (_addresses(option, values) for option, values in _recipients(args))
    if not (to or cc or bcc):
        raise Outcome(EXIT_USAGE, _("Indiquez au moins un destinataire (--to, --cc ou --bcc)."))
    attachments = [_attachment(name) for name in args.attach]
    body = _read_body()
    identity = Identity.from_account(config.account)
    if args.signature and identity.signature.strip():
        from tui.core.mail.new_drafts import new_draft

        body = body.rstrip("\n") + new_draft(identity).body
    draft = Draft(to=to, cc=cc, bcc=bcc, subject=args.subject, body=body, attachments=attachments)
    try:
        return to_bytes(build_message(identity, draft))
    except ComposeError as exc:  # an attachment unreadable, the sender's own address
        raise Outcome(EXIT_USAGE, exc.message) from None


def _recipients(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    return [("--to", args.to), ("--cc", args.cc), ("--bcc", args.bcc)]


def _addresses(option: str, values: list[str]) -> str:
    """The project's one strict address parser, on each value given to this option."""
    from tui.core.mail.compose import AddressError, format_address_list, parse_address_list

    pairs: list[tuple[str, str]] = []
    for value in values:
        try:
            pairs += parse_address_list(value)
        except AddressError as exc:
            raise Outcome(EXIT_USAGE, f"{option} : {exc.message}") from None
    return format_address_list(pairs)


def _attachment(name: str) -> str:
    """A path the compose code will read (regular file, 100 MB at most: it says why
    not); a missing one is said here, plainly."""
    path = Path(name).expanduser()
    if not path.exists():
        missing = _("Pièce jointe introuvable : {path}.").format(path=shown_path(path))
        raise Outcome(EXIT_USAGE, missing)
    return str(path.absolute())


def _read_body() -> str:
    """The text, from stdin, as UTF-8; bounded, and a clear refusal for anything else."""
    stream = sys.stdin
    if stream is None:
        return ""
    if stream.isatty():
        say(COMMAND, _("tapez le texte du message, puis Ctrl+D au début d'une ligne."))
    data = stream.buffer.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise Outcome(
            EXIT_USAGE,
            _(
                "Le texte du message (entrée standard) dépasse {limit}. Envoyez un gros "
                "document en pièce jointe (--attach)."
            ).format(limit="10 Mo"),
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise Outcome(
            EXIT_USAGE,
            _(
                "Le texte du message (entrée standard) n'est pas en UTF-8 (octet "
                "invalide à la position {position}). Convertissez-le d'abord, par exemple : "
                "iconv -f WINDOWS-1252 -t UTF-8 message.txt | courriel send …"
            ).format(position=exc.start),
        ) from None


def _too_big(size: int, limit: int) -> str:
    from tui.core.mail.formatting import size_short

    return _(
        "Message trop volumineux : {size}, le serveur accepte au plus {limit}. Retirez ou "
        "réduisez des pièces jointes."
    ).format(size=size_short(size), limit=size_short(limit))


# --- sending ----------------------------------------------------------------------


def queued() -> str:
    return _(
        "Le message attend dans la boîte d'envoi : courriel l'enverra de lui-même, au "
        "prochain lancement ou au prochain « courriel sync »."
    )


def _send(args: argparse.Namespace, config: Config, store: Cache, outbox_id: int) -> int:
    from tui.config import trust_path
    from tui.core.net.smtp import HELD_KINDS, send_pending
    from tui.core.net.trust import TrustStore
    from tui.core.store import outbox
    from tui.scripts import password

    try:
        secret = password(config, may_ask=False)  # stdin is the message, not the user
    except MailError as exc:
        raise Outcome(EXIT_QUEUED, f"{exc.message} {queued()}") from None
    trust = TrustStore(trust_path())
    try:
        report = asyncio.run(send_pending(store, config.account, trust, secret, ids=[outbox_id]))
    except CertificateError as exc:  # never accepted from a script: the row is queued
        raise Outcome(EXIT_QUEUED, f"{certificate_advice(exc)} {queued()}") from None
    others = [row for row in report.uncertain if row != outbox_id]
    if others:
        say(COMMAND, outbox.uncertain_notice(len(others)))
    for sent in report.sent:
        if sent.outbox_id != outbox_id:
            continue
        late = _file_copy(config, store, trust, secret, outbox_id)
        if late:
            say(COMMAND, late)
        if not args.quiet:
            say(COMMAND, _sent_line(outbox.recipients(sent.raw)), sys.stdout)
        return EXIT_OK
    for failed in report.failed:
        if failed.outbox_id == outbox_id and failed.kind in HELD_KINDS:
            raise Outcome(EXIT_FAILURE, f"{failed.reason} {held()}")
        if failed.outbox_id == outbox_id:
            raise Outcome(EXIT_QUEUED, f"{failed.reason} {queued()}")
    if outbox_id in report.uncertain:
        raise Outcome(EXIT_FAILURE, outbox.uncertain_notice(1))
    raise Outcome(
        EXIT_QUEUED, _("Un autre courriel ouvert sur ce compte est en train de l'envoyer.")
    )


def held() -> str:
    return _(
        "Le message reste dans la boîte d'envoi, mis de côté : ouvrez courriel (touche o) "
        "pour le corriger, le renvoyer ou l'abandonner."
    )


def _file_copy(config: Config, store: Cache, trust: TrustStore, secret: str, outbox_id: int) -> str:
    """The Sent copy (and \\Answered), by the account's worker as after any send; what
    the user is told if it has to wait for the next sync ("" once done)."""
    if not any(row.id == outbox_id for row in store.outbox()):
        return ""  # nothing left to file (no copy wanted, not a reply)
    headless = Headless(config, trust=trust)
    headless.start(secret, sync_on_connect=False)  # it files what is owed on connecting
    deadline = time.monotonic() + FILE_SECONDS
    reason = _("Le serveur de réception n'a pas répondu à temps.")
    try:
        while time.monotonic() < deadline:
            if not any(row.id == outbox_id for row in store.outbox()):
                return ""
            event = headless.next_event()
            stop = halt(event, config)
            if isinstance(event, contract.CommandFailed) and isinstance(
                event.command, contract.FileSent
            ):
                stop = Halt(EXIT_FAILURE, event.error.message)
            if stop is not None:
                reason = stop.text
                break
            if isinstance(event, contract.Notice):
                say(COMMAND, event.text)
    finally:
        headless.stop()
    return _(
        "Message envoyé, mais sa copie n'est pas encore dans « Envoyés » : {reason} "
        "Elle y sera rangée à la prochaine synchronisation."
    ).format(reason=reason)


def _sent_line(recipients: list[str]) -> str:
    shown = ", ".join(recipients[:3]) + (" …" if len(recipients) > 3 else "")
    return _("Message envoyé à {addresses}.").format(addresses=shown)
