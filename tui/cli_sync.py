"""`courriel sync`: one sync of the account, for cron, then the outbox.

Nothing new is written here: the account's worker (tui/core/account/worker.py, started as the
app starts it, tui/session.py) connects, replays the actions whose undo window has
passed, files Sent copies still owed and syncs every folder, INBOX first; then the
outbox goes through `send_pending`, whose claims keep a message from leaving twice
when the app is open in another SSH session at the same time. One line of summary on
stdout (unless --quiet), problems on stderr, and an exit code the guide documents.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from tui.cli import EXIT_FAILURE, EXIT_OK, EXIT_QUEUED
from tui.core.account import contract
from tui.core.errors import CertificateError, MailError
from tui.core.i18n import _, ngettext
from tui.scripts import Halt, Headless, Outcome, certificate_advice, halt, load_account, say

if TYPE_CHECKING:
    from tui.config import Config
    from tui.core.net.smtp import SendReport
    from tui.core.net.trust import TrustStore
    from tui.core.store.cache import Cache

COMMAND = "sync"
SYNC_SECONDS = 600.0  # past this, the rest waits for the next run (cron's next turn)
FILE_SECONDS = 120.0
# Mail found in these folders is not « new mail »: the user's own, or put there.
NOT_NEW = frozenset({"sent", "drafts", "trash", "junk", "archive"})


@dataclass
class _Run:
    """What one `courriel sync` saw: new mail per folder, and the worst exit code."""

    quiet: bool
    label: str = ""  # several accounts: each line says whose
    first: bool = False  # INBOX had never been synced: everything is « new »
    interrupted: bool = False  # offline, a password or certificate: no SyncDone
    said_at_end: frozenset[str] = frozenset()  # notices told once, with the outbox
    new: dict[str, int] = field(default_factory=dict)
    code: int = EXIT_OK
    sent: int = 0

    def worse(self, code: int, text: str = "") -> None:
        order = (EXIT_OK, EXIT_QUEUED, EXIT_FAILURE)
        if order.index(code) > order.index(self.code):
            self.code = code
        if text:
            tell(self.label, text)


def tell(label: str, text: str, stream: TextIO | None = None) -> None:
    """One line for the user; with several accounts, it starts with the account's label."""
    if label:
        text = _("{account} : {summary}").format(account=label, summary=text)
    say(COMMAND, text, stream)


def run(args: argparse.Namespace) -> int:
    """Every account of the config, one after the other (or the one --account names);
    the exit code is the worst of theirs, and one account's failure stops no other."""
    from tui.scripts import load_configured

    try:
        config = load_configured(args)
    except Outcome as outcome:
        say(COMMAND, outcome.text)
        return outcome.code
    if args.account or len(config.accounts) == 1:
        return _run_one(args, None)
    from tui.config import account_label

    rank = (EXIT_OK, EXIT_QUEUED, EXIT_FAILURE)
    codes = [
        _run_one(args, index, account_label(account))
        for index, account in enumerate(config.accounts)
    ]
    return max(codes, key=lambda code: rank.index(code) if code in rank else len(rank))


def _run_one(args: argparse.Namespace, index: int | None, label: str = "") -> int:
    """One account: `index` in the config, or the one load_account picks. What stops
    it (its password, its store) is said under its label and ends only this account."""
    from tui.scripts import open_store, password

    try:
        config = load_account(args)
        if index is not None:
            config = config.for_account(index)
        try:
            secret = password(config, may_ask=True)  # cron has no terminal: never waits
            store = open_store(config)
        except MailError as exc:
            raise Outcome(EXIT_FAILURE, exc.message) from None
    except Outcome as outcome:
        tell(label, outcome.text)
        return outcome.code
    try:
        return _sync(config, store, secret, bool(args.quiet), label)
    except MailError as exc:
        tell(label, exc.message)
        return EXIT_FAILURE
    finally:
        store.close()


def _sync(config: Config, store: Cache, secret: str, quiet: bool, label: str = "") -> int:
    from tui.core.store import outbox

    waiting = len(outbox.pending(store))
    state = _Run(
        quiet,
        label=label,
        first=store.folder_state("INBOX").uidvalidity is None,
        # The worker says « envoi incertain » as it starts; the end says it too.
        said_at_end=frozenset(outbox.uncertain_notice(n) for n in range(1, waiting + 1)),
    )
    known = {row.name for row in store.folders() if store.folder_state(row.name).uidvalidity}
    headless = Headless(config)
    session = headless.start(secret, sync_on_connect=True)
    try:
        stop = _wait_for_sync(config, headless, state, known)
        if stop is not None:
            state.interrupted = True
            state.worse(stop.code, stop.text)
        if stop is None or stop.code == EXIT_QUEUED:  # SMTP may answer when IMAP does not
            report = _send_outbox(config, store, session.trust, secret, state)
            if report is not None and report.sent and stop is None:
                assert session.worker is not None
                session.worker.submit(contract.FileSent())
                _wait_for_filing(config, headless, store, state)
        _waiting_for_you(store, state)
    finally:
        headless.stop()
    if not quiet:
        tell(label, _summary(store, state), sys.stdout)
    return state.code


def _wait_for_sync(config: Config, headless: Headless, state: _Run, known: set[str]) -> Halt | None:
    """Until the worker's SyncDone; None then, else why it stopped short."""
    deadline = time.monotonic() + SYNC_SECONDS
    while time.monotonic() < deadline:
        event = headless.next_event()
        stop = halt(event, config)
        if stop is not None:
            return stop
        if isinstance(event, contract.SyncDone):
            return None
        if isinstance(event, contract.FolderSynced):
            result = event.result
            if result.new and result.folder in known and not result.reset:
                state.new[result.folder] = state.new.get(result.folder, 0) + result.new
        _warn(event, state)
    return Halt(
        EXIT_QUEUED,
        _(
            "La synchronisation dure plus de {minutes} minutes : la suite au prochain lancement."
        ).format(minutes=int(SYNC_SECONDS // 60)),
    )


def _warn(event: contract.Event | None, state: _Run) -> None:
    """A command that failed is said always; the worker's notices unless --quiet (the
    one about uncertain sends is said at the end, with the rest of the outbox)."""
    if isinstance(event, contract.CommandFailed):
        tell(state.label, event.error.message)
    elif isinstance(event, contract.ServerFault) and event.given_up:
        tell(
            state.label,
            _("Le serveur répond mal pour {step} : {reason}").format(
                step=event.step, reason=event.reason
            ),
        )
    elif (
        isinstance(event, contract.Notice)
        and not state.quiet
        and event.text not in state.said_at_end
    ):
        tell(state.label, event.text)


def _send_outbox(
    config: Config, store: Cache, trust: TrustStore, secret: str, state: _Run
) -> SendReport | None:
    """The app's send after a sync: what is queued, each row claimed by one sender."""
    from tui.core.net.smtp import HELD_KINDS, send_pending
    from tui.core.store import outbox

    if not any(row.status == outbox.QUEUED for row in outbox.pending(store)):
        return None
    try:
        report = asyncio.run(send_pending(store, config.account, trust, secret))
    except CertificateError as exc:
        state.worse(EXIT_FAILURE, certificate_advice(exc))
        return None
    state.sent = len(report.sent)
    for failed in report.failed:
        state.worse(EXIT_FAILURE if failed.kind in HELD_KINDS else EXIT_QUEUED, failed.reason)
    return report


def _wait_for_filing(config: Config, headless: Headless, store: Cache, state: _Run) -> None:
    """The Sent copies of what was just sent; left for the next sync if IMAP fails."""
    from tui.core.store import outbox

    deadline = time.monotonic() + FILE_SECONDS
    while outbox.unfiled(store) and time.monotonic() < deadline:
        event = headless.next_event()
        stop = halt(event, config)
        if stop is not None:  # sent all the same: the copy is filed at the next sync
            state.worse(EXIT_OK, stop.text)
            return
        _warn(event, state)
        if isinstance(event, contract.CommandFailed) and isinstance(
            event.command, contract.FileSent
        ):
            return


def _waiting_for_you(store: Cache, state: _Run) -> None:
    """Messages no sync will send by itself: held ones and « envoi incertain »."""
    from tui.core.store import outbox

    rows = outbox.pending(store)
    uncertain = sum(row.status == outbox.UNCERTAIN for row in rows)
    held = sum(row.status == outbox.HELD for row in rows)
    if uncertain:
        state.worse(EXIT_FAILURE, outbox.uncertain_notice(uncertain))
    if held:
        state.worse(
            EXIT_FAILURE,
            ngettext(
                "{n} message mis de côté attend votre décision dans la boîte d'envoi "
                "(ouvrez courriel, touche o).",
                "{n} messages mis de côté attendent votre décision dans la boîte d'envoi "
                "(ouvrez courriel, touche o).",
                held,
            ).format(n=held),
        )
    queued = sum(row.status == outbox.QUEUED for row in rows)
    if queued and state.code == EXIT_OK:
        state.worse(EXIT_QUEUED)


def _summary(store: Cache, state: _Run) -> str:
    """One line: new mail (outside Sent, Trash…), what left, what waits."""
    from tui.core.store import outbox

    special = {row.name: row.special_use for row in store.folders()}
    counted = {folder: n for folder, n in state.new.items() if special.get(folder) not in NOT_NEW}
    total = sum(counted.values())
    inbox = sum(n for folder, n in counted.items() if folder.upper() == "INBOX")
    if state.interrupted:
        parts = [_("synchronisation interrompue")]
    elif state.first:
        parts = [_("première synchronisation faite")]
    elif total == 0:
        parts = [_("aucun nouveau message")]
    else:
        parts = [ngettext("{n} nouveau message", "{n} nouveaux messages", total).format(n=total)]
        if inbox != total:
            parts[0] += " " + _("(boîte de réception : {n})").format(n=inbox)
    if state.sent:
        parts.append(
            ngettext("{n} message envoyé", "{n} messages envoyés", state.sent).format(n=state.sent)
        )
    waiting = len(outbox.pending(store))
    if waiting:
        parts.append(
            ngettext(
                "{n} message dans la boîte d'envoi",
                "{n} messages dans la boîte d'envoi",
                waiting,
            ).format(n=waiting)
        )
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] + "."
