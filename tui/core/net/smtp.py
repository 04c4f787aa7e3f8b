"""Send what the outbox holds, over SMTP with implicit TLS (port 465), and say what failed.

`send_pending` is asyncio (aiosmtplib) and owns no IMAP: on success the message stays
in the outbox as "sent" (never sent again, no longer pending) and a `Sent` tells the
caller what is left to do — `file_pending` (tui/core/net/sent_filing.py), on the IMAP
worker's own thread, copies it to the Sent folder, sets \\Answered on the original and
only then forgets it, so an IMAP outage or a quit in between loses no copy. On failure
the message stays, with the reason in plain French.

The envelope is built by hand (MAIL, one RCPT per address, DATA) rather than with
`send_message`, which sends to the accepted addresses when only some are refused: here
one refused recipient keeps the whole message back, naming the address.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.core import logs
from tui.core.diagnose.classify import plain_reason
from tui.core.errors import AuthError, CertificateError, ConnectionLost, MailError, SendError
from tui.core.i18n import _
from tui.core.mail.formatting import size_short
from tui.core.mail.sanitize import clean_line
from tui.core.net.tls import DEFAULT_TIMEOUT, smtp_connect
from tui.core.net.trust import TrustStore
from tui.core.store import claims, contacts, outbox
from tui.core.store.cache import Cache

# Failure kinds: "auth", "recipient", "too_large", "refused" are held for the user;
# "network" and "temporary" stay queued and go out at the next attempt.
HELD_KINDS = frozenset({"auth", "recipient", "too_large", "refused"})

DATA_REPLY_TIMEOUT = 600.0


@dataclass(frozen=True)
class Sent:
    """A message the server accepted; what remains is IMAP work for the caller."""

    outbox_id: int
    raw: bytes  # the copy for the Sent folder (Bcc kept: it is the sender's record)
    in_reply_to: str  # the original's Message-ID when this was a reply, else ""
    save_copy: bool  # False when the configuration says the server files it itself


@dataclass(frozen=True)
class Failed:
    outbox_id: int
    kind: str
    reason: str  # plain French (or English), safe to show
    addresses: tuple[str, ...] = ()  # the refused recipients, for kind "recipient"


@dataclass
class SendReport:
    sent: list[Sent] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    size_limit: int | None = None  # the server's SIZE, for the compose screen's warning
    uncertain: list[int] = field(default_factory=list)  # outbox ids that may have left


class _Failure(Exception):
    def __init__(self, kind: str, reason: str, addresses: Sequence[str] = ()) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.addresses = tuple(addresses)


def _server_text(exc: Any) -> str:
    code = getattr(exc, "code", "")
    message = clean_line(str(getattr(exc, "message", "") or ""))[:200]
    return f"{code} {message}".strip()


def _classify(exc: BaseException) -> _Failure:
    import aiosmtplib

    if isinstance(exc, _Failure):
        return exc
    if isinstance(exc, AuthError | ConnectionLost):
        kind = "auth" if isinstance(exc, AuthError) else "network"
        return _Failure(kind, str(exc))
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPTimeoutError | OSError):
        return _Failure(
            "network",
            _("Connexion au serveur d'envoi perdue : le message partira à la prochaine tentative."),
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if exc.code == 552:
            return _Failure(
                "too_large",
                _("Message trop volumineux pour le serveur ({server}).").format(
                    server=_server_text(exc)
                ),
            )
        if 400 <= exc.code < 500:
            return _Failure(
                "temporary",
                _(
                    "Le serveur d'envoi refuse pour le moment ({server}) : nouvel essai plus tard."
                ).format(server=_server_text(exc)),
            )
        return _Failure(
            "refused",
            _("Le serveur d'envoi a refusé le message ({server}).").format(
                server=_server_text(exc)
            ),
        )
    return _Failure("network", _("Envoi interrompu : {what}.").format(what=plain_reason(exc)))


def _size_limit(smtp: Any) -> int | None:
    value = smtp.esmtp_extensions.get("size", "") if smtp.supports_extension("size") else ""
    try:
        limit = int(str(value).strip() or 0)
    except ValueError:
        return None
    return limit or None


async def _send_one(
    smtp: Any,
    sender: str,
    raw: bytes,
    size_limit: int | None,
    before_data: Callable[[], None] = lambda: None,
) -> None:
    import aiosmtplib

    rcpts = outbox.recipients(raw)
    if not rcpts:
        raise _Failure("refused", _("Ce message n'a aucun destinataire."))
    wire = outbox.without_bcc(raw)
    if size_limit and len(wire) > size_limit:
        raise _Failure(
            "too_large",
            _(
                "Message trop volumineux : {size}, le serveur accepte au plus {limit}. "
                "Retirez ou réduisez des pièces jointes."
            ).format(size=size_short(len(wire)), limit=size_short(size_limit)),
        )
    options = [f"SIZE={len(wire)}"] if size_limit else []
    if not wire.isascii() and smtp.supports_extension("8bitmime"):
        options.append("BODY=8BITMIME")
    await smtp.mail(sender, options=options)
    refused: list[str] = []
    reasons: list[str] = []
    for rcpt in rcpts:
        try:
            await smtp.rcpt(rcpt)
        except aiosmtplib.SMTPRecipientRefused as exc:
            if exc.code == 552:
                await smtp.rset()
                raise _classify(exc) from None
            refused.append(rcpt)
            reasons.append(_server_text(exc))
    if refused:
        await smtp.rset()
        temporary = all(r[:1] == "4" for r in reasons)
        raise _Failure(
            "temporary" if temporary else "recipient",
            _(
                "Destinataire refusé par le serveur : {addresses} ({server}). "
                "Le message n'est parti pour personne ; corrigez l'adresse."
            ).format(addresses=", ".join(refused), server=reasons[0]),
            refused,
        )
    before_data()
    # RFC 5321 4.5.3.2.6: wait up to 10 minutes for the reply to the final dot; a
    # server that delivers slowly must not be taken for one that failed.
    await smtp.data(wire, timeout=DATA_REPLY_TIMEOUT)


class _Attempt:
    """One call of send_pending: its claim token, and every change it makes to a row it
    holds, as a compare-and-set on (owner, status) — a row that was given up and claimed
    by another attempt, or discarded, is never touched again (review: sent twice)."""

    def __init__(self, cache: Cache, report: SendReport) -> None:
        self.cache, self.report = cache, report
        self.token = claims.new_claim()

    def claim(self, rows: Sequence[Any], include_held: bool) -> list[Any]:
        return [
            row
            for row in rows
            if claims.claim(self.cache, row.id, self.token, include_held=include_held)
        ]

    def into_data(self, outbox_id: int) -> None:
        """Committed before DATA: from here on, a crash leaves the row uncertain. A row
        no longer ours is not sent at all."""
        if not claims.settle(self.cache, outbox_id, self.token, outbox.SENDING, outbox.IN_DATA):
            raise _Failure("lost", "")

    def fail(self, outbox_id: int, failure: _Failure, expected: str = outbox.SENDING) -> None:
        status = outbox.HELD if failure.kind in HELD_KINDS else outbox.QUEUED
        if claims.settle(self.cache, outbox_id, self.token, expected, status, failure.reason):
            self.report.failed.append(
                Failed(outbox_id, failure.kind, failure.reason, failure.addresses)
            )

    def uncertain(self, outbox_id: int) -> None:
        if claims.settle(
            self.cache,
            outbox_id,
            self.token,
            outbox.IN_DATA,
            outbox.UNCERTAIN,
            outbox.uncertain_reason(),
        ):
            self.report.uncertain.append(outbox_id)

    def sent(self, row: Any, save_copy: bool) -> None:
        sent = Sent(row.id, row.raw, header_id(row.raw, "In-Reply-To"), save_copy)
        if save_copy or sent.in_reply_to:  # IMAP work left: kept until it is done
            status = outbox.SENT if save_copy else outbox.SENT_NO_COPY
            settled = claims.settle(self.cache, row.id, self.token, outbox.IN_DATA, status)
        else:
            settled = claims.settle_removed(self.cache, row.id, self.token, outbox.IN_DATA)
        self.report.sent.append(sent)
        if settled:  # once per message, by the attempt that sent it
            self.learn(row.raw)

    def learn(self, raw: bytes) -> None:
        """The recipients go into the address book; a failure there never fails a send."""
        try:
            contacts.learn(self.cache, raw)
        except Exception as error:
            logs.record(error, "send: learning the recipients")

    def release(self, outbox_id: int) -> None:
        """The attempt ended without deciding this row (an exception, a cancel): back in
        the queue if DATA had not begun, else uncertain (it may have left)."""
        claims.settle(self.cache, outbox_id, self.token, outbox.SENDING, outbox.QUEUED)
        self.uncertain(outbox_id)


async def send_pending(
    cache: Cache,
    account: Mapping[str, Any],
    trust: TrustStore,
    password: str,
    *,
    ids: Sequence[int] | None = None,
    include_held: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> SendReport:
    """Send the queued messages (or just `ids`) over one connection; never raises for
    a refusal — each failure is recorded on its row and in the report.

    Raises `CertificateError` (after recording it) so the app can show the prompt.
    Held messages are sent only with `include_held=True` or after `outbox.retry`.
    """
    report = SendReport()
    report.uncertain = claims.recover_interrupted(cache)  # dead attempts' rows, newly
    rows = [
        row
        for row in outbox.pending(cache)
        if (ids is None or row.id in ids) and (include_held or row.status != outbox.HELD)
    ]
    attempt = _Attempt(cache, report)
    rows = attempt.claim(rows, include_held)
    if not rows:
        claims.end_claim(attempt.token)
        return report
    try:
        await _send_rows(attempt, account, trust, password, rows, timeout)
    finally:
        for row in rows:
            try:
                attempt.release(row.id)
            except Exception as error:  # one row's failure must not strand the others
                logs.record(error, "send: releasing a row")
        claims.end_claim(attempt.token)
    return report


async def send_now(
    account: Mapping[str, Any],
    trust: TrustStore,
    password: str,
    raw: bytes,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Send one message the outbox could not hold (a full or read-only disk), over a
    connection of its own. No row, so no retry: at most once. Raises SendError in the
    user's language (an answer lost after DATA says the message may have left), or
    CertificateError / MailError from the connection (issue #24)."""
    import aiosmtplib

    smtp = await _connect(account, trust, password, timeout)
    in_data: list[bool] = []
    try:
        await _send_one(
            smtp, _sender(account), raw, _size_limit(smtp), lambda: in_data.append(True)
        )
    except _Failure as exc:
        await _quit(smtp)
        raise SendError(exc.reason) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        smtp.close()
        if in_data and not isinstance(exc, aiosmtplib.SMTPResponseException):
            raise SendError(
                _(
                    "Le serveur n'a pas répondu après avoir reçu le message : il est peut-être "
                    "parti. Vérifiez auprès du destinataire avant de le renvoyer."
                )
            ) from None
        raise SendError(_classify(exc).reason) from None
    await _quit(smtp)


async def _connect(
    account: Mapping[str, Any], trust: TrustStore, password: str, timeout: float
) -> Any:
    return await smtp_connect(
        str(account["smtp_host"]),
        int(account["smtp_port"]),
        trust,
        str(account["username"]),
        password,
        timeout=timeout,
    )


def _sender(account: Mapping[str, Any]) -> str:
    """The envelope sender: the From's address (the academy address by default)."""
    from tui.core.mail.compose import Identity

    return Identity.from_account(account).email


async def _quit(smtp: Any) -> None:
    import aiosmtplib

    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError):
        smtp.close()


async def _send_rows(
    attempt: _Attempt,
    account: Mapping[str, Any],
    trust: TrustStore,
    password: str,
    rows: Sequence[Any],
    timeout: float,
) -> None:
    import aiosmtplib

    cache, report = attempt.cache, attempt.report
    try:
        smtp = await _connect(account, trust, password, timeout)
    except CertificateError as exc:
        for row in rows:
            claims.settle(cache, row.id, attempt.token, outbox.SENDING, outbox.QUEUED, str(exc))
        raise
    except (MailError, aiosmtplib.SMTPException, OSError) as exc:
        failure = _classify(exc)
        for row in rows:
            attempt.fail(row.id, failure)
        return
    sender = _sender(account)
    save_copy = bool(account.get("save_sent", True))
    report.size_limit = _size_limit(smtp)
    outbox.remember_size_limit(cache, report.size_limit)
    unanswered = False
    try:
        for index, row in enumerate(rows):
            try:
                before_data = functools.partial(attempt.into_data, row.id)
                await _send_one(smtp, sender, row.raw, report.size_limit, before_data)
            except _Failure as exc:
                if exc.kind == "lost":  # given up, then claimed elsewhere: not ours
                    with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                        await smtp.rset()
                    continue
                attempt.fail(row.id, exc)
                continue
            except (aiosmtplib.SMTPException, OSError) as exc:
                failure = _classify(exc)
                if not isinstance(exc, aiosmtplib.SMTPResponseException) and _in_data_now(
                    cache, row.id, attempt.token
                ):
                    # DATA went out and no answer came: it may have been delivered.
                    attempt.uncertain(row.id)
                    unanswered = True
                else:
                    attempt.fail(row.id, failure, _state_of(cache, row.id, attempt.token))
                if unanswered or failure.kind == "network":
                    # The connection is gone: keep the rest queued.
                    for later in rows[index + 1 :]:
                        attempt.fail(later.id, _Failure("network", failure.reason))
                    return
                continue
            attempt.sent(row, save_copy)
    except BaseException:  # cancelled (the app quits) or a bug: no polite QUIT to wait on
        unanswered = True
        raise
    finally:
        if unanswered:
            smtp.close()  # a server that did not answer DATA will not answer QUIT either
        else:
            await _quit(smtp)


def _state_of(cache: Cache, outbox_id: int, token: str) -> str:
    """This attempt's row's status ("" if it is no longer ours), read without the blob."""
    with cache.transaction() as db:
        row = db.execute(
            "SELECT status FROM outbox WHERE id = ? AND owner = ?", (outbox_id, token)
        ).fetchone()
    return str(row[0]) if row else ""


def _in_data_now(cache: Cache, outbox_id: int, token: str) -> bool:
    return _state_of(cache, outbox_id, token) == outbox.IN_DATA


def header_id(raw: bytes, name: str) -> str:
    """A message id header of our own message (Message-ID, In-Reply-To), or ""."""
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    from tui.core.mail.compose import clean_msgid  # composing loads when first needed (#22)

    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    return clean_msgid(str(headers.get(name, "") or ""))
