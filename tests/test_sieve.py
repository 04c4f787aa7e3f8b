"""The sorting rules on the server (#19): a Sieve script from the rules, uploaded over
ManageSieve (RFC 5804, STARTTLS on the bed's own port) and applied by Dovecot's
Pigeonhole on delivery, courriel not running."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.bed.cyrus import in_ci
from tests.bed.dovecot import pigeonhole_installed
from tests.conftest import Bed
from tests.mail_helpers import BedTrust, raw_client, server_snapshot
from tests.test_worker import Events, make_worker
from tui.core.account.contract import (
    CommandFailed,
    InstallRules,
    RemoveRules,
    RulesOnServer,
    Stopped,
)
from tui.core.errors import AuthError, MailError
from tui.core.mail.rules import parse_rules, resolve
from tui.core.mail.sieve import SCRIPT_NAME, quoted, script
from tui.core.net.managesieve import ManageSieve

RULES = parse_rules(
    [
        {"name": "Rectorat", "from": ["rectorat", "dsden"], "move": "Administration", "read": True},
        {"name": "Urgent", "subject": "urgent", "flag": True},
        {"name": "Conseils", "keyword": "conseil", "move": "Projets"},
    ]
)


def test_the_script_says_what_the_rules_say() -> None:
    text = script(RULES, {"Administration": "Administration", "Projets": "INBOX.Projets"})
    assert text.startswith("# Règles de tri écrites par courriel")
    assert 'require ["fileinto", "imap4flags"];' in text
    body = text.split("\r\n")
    # Flags first, from every rule; then one if/elsif chain of moves: one copy only.
    assert body.index('  addflag "\\\\Seen";') < body.index('  fileinto "Administration";')
    assert 'if header :contains "from" ["rectorat", "dsden"] {' in body
    assert 'elsif header :contains ["subject", "from", "to", "cc"] "conseil" {' in body
    assert '  fileinto "INBOX.Projets";' in body


def test_hostile_text_cannot_leave_its_string() -> None:
    assert quoted('a"b\\c') == '"a\\"b\\\\c"'
    with pytest.raises(ValueError):
        quoted('a\r\nfileinto "Trash";')
    evil = parse_rules([{"name": "x", "subject": 'x"; discard; #', "move": "A"}])
    text = script(evil, {"A": "A"})
    assert "discard" not in text.replace('\\"; discard; #', "")


def test_a_rule_whose_folder_is_missing_files_nothing() -> None:
    text = script(RULES, {})
    assert 'fileinto "' not in text and "addflag" in text


def session(bed: Bed) -> ManageSieve:
    return ManageSieve(
        "localhost", bed.dovecot.sieve_port, BedTrust(bed), imap_port=bed.imap_port, timeout=10
    )


# `make test` installs Pigeonhole (scripts/system-deps): only a bare pytest run by
# hand, without root and outside CI, may lack it; in CI a missing one fails the test.
needs_sieve = pytest.mark.skipif(
    not pigeonhole_installed() and not in_ci() and os.geteuid() != 0,
    reason="Pigeonhole missing: sudo apt-get install dovecot-managesieved dovecot-sieve",
)


@pytest.mark.server
@needs_sieve
def test_rules_installed_on_the_server_sort_mail_on_delivery(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    with raw_client(bed, user) as client:
        client.create_folder("Administration")
        client.create_folder("Projets")
        folders = {name for _flags, _sep, name in client.list_folders()}
    targets = {r.move: resolve(r.move, folders) or "" for r in RULES if r.move}
    events = Events()
    worker = make_worker(
        bed, user, tmp_path / "c.sqlite", events, sieve_port=bed.dovecot.sieve_port
    )
    worker.start()
    worker.submit(InstallRules(script(RULES, targets)))
    done = events.wait_for(lambda e: isinstance(e, RulesOnServer | CommandFailed))
    assert isinstance(done, RulesOnServer) and done.installed, done
    worker.stop()  # courriel closed: the server sorts by itself
    events.wait_for(lambda e: isinstance(e, Stopped))

    sieve = session(bed)
    sieve.connect()
    sieve.login(user.username, user.password)
    assert (SCRIPT_NAME, True) in sieve.scripts()
    sieve.logout()

    def deliver(sender: str, subject: str) -> None:
        bed.dovecot.deliver(
            user.username,
            f"From: {sender}\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n\r\ntexte\r\n".encode(),
        )

    deliver("Rectorat de Dijon <ce.rectorat@ac-dijon.fr>", "URGENT circulaire")
    deliver("Claire Petit <claire.petit@ac-dijon.fr>", "Conseil de classe")
    deliver("Claire Petit <claire.petit@ac-dijon.fr>", "Bonjour")
    ((_u, subject, flags),) = server_snapshot(bed, user, "Administration")
    assert subject == "URGENT circulaire" and {"\\Seen", "\\Flagged"} <= set(flags)
    assert [s for _u, s, _f in server_snapshot(bed, user, "Projets")] == ["Conseil de classe"]
    assert [s for _u, s, _f in server_snapshot(bed, user)] == ["Bonjour"]

    events = Events()
    worker = make_worker(
        bed, user, tmp_path / "c.sqlite", events, sieve_port=bed.dovecot.sieve_port
    )
    worker.start()
    worker.submit(RemoveRules())
    done = events.wait_for(lambda e: isinstance(e, RulesOnServer | CommandFailed))
    assert isinstance(done, RulesOnServer) and not done.installed, done
    worker.stop()
    events.wait_for(lambda e: isinstance(e, Stopped))
    deliver("Rectorat de Dijon <ce.rectorat@ac-dijon.fr>", "Après")
    time.sleep(0.2)
    assert "Après" in [s for _u, s, _f in server_snapshot(bed, user)]


@pytest.mark.server
@needs_sieve
def test_a_script_of_the_users_is_never_replaced(bed: Bed) -> None:
    user = bed.new_user()
    sieve = session(bed)
    sieve.connect()
    sieve.login(user.username, user.password)
    sieve.put("vacances", 'require "vacation";\r\nvacation "Absente jusqu\'au 4.";\r\n')
    sieve.activate("vacances")
    sieve.logout()
    with pytest.raises(MailError, match="« vacances »"):
        session(bed).set_courriel_script(user.username, user.password, script(RULES, {}))
    sieve = session(bed)
    sieve.connect()
    sieve.login(user.username, user.password)
    assert sieve.scripts() == [("vacances", True)]
    sieve.logout()


@pytest.mark.server
@needs_sieve
def test_a_wrong_password_is_said_so(bed: Bed) -> None:
    user = bed.new_user()
    with pytest.raises(AuthError):
        session(bed).set_courriel_script(user.username, "mauvais", script(RULES, {}))


@pytest.mark.server
@needs_sieve
async def test_the_rules_screen_puts_the_rules_on_the_server_and_says_so(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """« Sur le serveur » from the screen: the script goes up, courriel stops applying
    the rules itself (never both), and the choice survives in the data directory."""
    from tests.test_mailbox_server import make_folder, running
    from tui.screens.mailbox import MailboxScreen
    from tui.screens.rules_screen import RulesScreen
    from tui.views import rules_on_server, views_path

    rules = parse_rules([{"from": "rectorat", "move": "Administration"}])
    async with running(bed, tmp_path, monkeypatch, 1, before=make_folder("Administration")) as run:
        assert run.app.session is not None and run.app.session.worker is not None
        run.app.session.worker.sieve_port = bed.dovecot.sieve_port
        run.app.account.config.rules = rules
        run.mailbox.action_rules()
        await run.wait(lambda: isinstance(run.app.screen, RulesScreen))
        await run.pilot.pause()
        where = str(run.app.screen.query_one("#rules-where").render())
        assert where.startswith("En service dans courriel")
        await run.pilot.click("#install")
        await run.wait(lambda: isinstance(run.app.screen, MailboxScreen))
        await run.wait(lambda: rules_on_server(views_path(run.app.account.cache.durable_path)))
        assert run.app.session.worker.rules == ()  # the server applies them, not courriel
        assert any("installées sur le serveur" in n.message for n in run.app._notifications)
        run.mailbox.action_rules()
        await run.wait(lambda: isinstance(run.app.screen, RulesScreen))
        await run.pilot.pause()
        where = str(run.app.screen.query_one("#rules-where").render())
        assert where.startswith("En service sur le serveur depuis le")
        await run.pilot.click("#remove")
        await run.wait(lambda: not rules_on_server(views_path(run.app.account.cache.durable_path)))
        await run.wait(lambda: run.app.session.worker.rules == rules)  # type: ignore[union-attr]
