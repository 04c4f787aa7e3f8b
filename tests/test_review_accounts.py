"""Review of the multi-account support (#20): each test is a bug found by trying to
break it. They fail on the code as reviewed; each says what it expects instead."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, TextArea

from tui.app import CourrielApp
from tui.config import load_config
from tui.config_write import save_config
from tui.core import secrets
from tui.core.errors import ConfigError
from tui.core.i18n import set_language
from tui.core.mail.compose import Draft
from tui.core.net.certificates import CertificateInfo
from tui.core.net.trust import CertificateNeedsDecision
from tui.core.store import outbox
from tui.screens.choice import Choice
from tui.screens.compose import ComposeScreen
from tui.screens.compose_from import FromSelector
from tui.screens.mailbox import MailboxScreen

INFO = CertificateInfo(
    host="smtp.college.example",
    port=465,
    subject="CN=smtp.college.example",
    dns_names=("smtp.college.example",),
    issuer="CN=Autorité inconnue",
    not_before=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    not_after=dt.datetime(2027, 1, 5, tzinfo=dt.UTC),
    sha256=":".join(["AB", "CD", "EF", "01"] * 8),
    reason="certificat signé par une autorité inconnue",
)


@pytest.fixture(autouse=True)
def _french(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    set_language("fr")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    secrets.reset_session()
    yield
    secrets.reset_session()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config_text(port: int, *, accounts_only: bool = False) -> str:
    first = "[[accounts]]" if accounts_only else "[account]"
    return (
        f'{first}\nlabel = "Personnel"\nusername = "prenom.nom"\n'
        f'email = "prenom.nom@ac-dijon.fr"\nimap_host = "127.0.0.1"\nimap_port = {port}\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\npassword_command = "echo x"\n\n'
        f'[[accounts]]\nlabel = "Collège"\nusername = "ce.0211234x"\n'
        f'email = "ce.0211234x@ac-dijon.fr"\nimap_host = "127.0.0.1"\nimap_port = {port}\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\npassword_command = "echo y"\n'
    )


@contextmanager
def live_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, connect: bool = False
) -> Iterator[tuple[CourrielApp, Path]]:
    """Two real (non-demo) accounts with their sessions; by default nothing connects."""
    path = tmp_path / "config.toml"
    path.write_text(config_text(closed_port()), encoding="utf-8")
    if not connect:
        monkeypatch.setattr(CourrielApp, "_connect_account", lambda self: None)
    app = CourrielApp.for_account(load_config(path))
    try:
        yield app, path
    finally:
        app.close_account()


async def wait_until(pilot: Any, condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await pilot.pause(0.05)


# --- config -----------------------------------------------------------------------------


def test_setup_saving_the_first_account_of_an_accounts_only_file_keeps_it_readable(
    tmp_path: Path,
) -> None:
    """A config of [[accounts]] only is valid (the first is the main account). « Configurer
    le compte » then saves {"account": …} with save_config, which adds an [account] table
    beside the [[accounts]] entry it came from: the next load refuses the file (« décrit
    deux fois »), so the app crashes in the setup's callback and will not start again."""
    path = tmp_path / "config.toml"
    path.write_text(config_text(993, accounts_only=True), encoding="utf-8")
    config = load_config(path)
    first = {k: v for k, v in config.accounts[0].items() if k != "label"}
    first["signature"] = "Cordialement"
    # What SetupScreen._save writes (not adding).
    save_config(path, {"account": first, "sync": {"interval_minutes": 20}})
    again = load_config(path)  # raises ConfigError on the reviewed code
    assert [a["username"] for a in again.accounts] == ["prenom.nom", "ce.0211234x"]
    assert again.accounts[0]["signature"] == "Cordialement"


def test_save_config_never_writes_a_file_load_config_refuses(tmp_path: Path) -> None:
    """The setup screen edits the first account; giving it the login of an [[accounts]]
    entry is written without a word, and the file is then refused at every start
    (save_config's promise: « the app can never write a file it would refuse to read »)."""
    path = tmp_path / "config.toml"
    path.write_text(config_text(993), encoding="utf-8")
    before = path.read_text("utf-8")
    with pytest.raises(ConfigError):
        save_config(path, {"account": {"username": "ce.0211234x"}})
    assert path.read_text("utf-8") == before
    load_config(path)


# --- « De » -----------------------------------------------------------------------------


async def test_from_switch_then_abandon_keeps_the_draft_that_was_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An existing draft opened, « De » changed (the draft moves: its row in the first
    store is deleted), a word typed, then « Abandonner »: _finish(keep=False) believes
    the draft was new (_opened_id was reset) and deletes the moved copy. The draft the
    user had saved is gone from both stores; without the « De » change, « Abandonner »
    puts it back as it was."""
    from tui.core.mail.compose import Identity

    with live_app(tmp_path, monkeypatch) as (app, _path):
        first, second = (slot.account.cache for slot in app.slots)
        saved = Draft(to="parent@example.org", subject="Réunion", body="Texte déjà écrit.")
        draft_id = outbox.save_draft(first, saved)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            senders = app.senders(app.slots[0].account)
            screen = ComposeScreen(
                Identity("Marie", "prenom.nom@ac-dijon.fr"),
                saved,
                first,
                draft_id=draft_id,
                senders=senders,
            )
            app.push_screen(screen)
            await pilot.pause()
            screen.query_one(FromSelector).value = 1
            await pilot.pause()
            assert screen.cache is second
            screen.query_one("#body", TextArea).insert("Ajout. ")
            await pilot.pause()
            screen.action_close()
            await wait_until(pilot, lambda: isinstance(app.screen, Choice))
            await pilot.pause()
            app.screen.query_one("#discard", Button).press()
            await wait_until(pilot, lambda: app.screen is mailbox)
        kept = [d for store in (first, second) for _i, d in outbox.load_drafts(store)]
        assert any(d.body == "Texte déjà écrit." and d.subject == "Réunion" for d in kept)


# --- an account's event or prompt on another's state -----------------------------------


async def test_refusing_another_account_smtp_certificate_leaves_the_shown_one_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The send of account 2 (its outbox, sent while account 1 is on screen) meets an
    unknown certificate: _send_pending runs as a worker after in_slot() has returned, so
    _ask_certificate binds the prompt to the account on screen. Refused, the shown
    account's link says « certificat refusé : hors ligne » while it is connected, and
    account 2's says nothing."""
    from tui.core.net import smtp

    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise CertificateNeedsDecision(INFO)

    monkeypatch.setattr(smtp, "send_pending", refused)
    with live_app(tmp_path, monkeypatch) as (app, _path):
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            one, two = app.slots
            one.link_base = "connecté"
            one.password = two.password = "x"
            from tui.screens.certificate import CertificatePrompt

            app.in_slot(two, app.send_outbox)
            await wait_until(pilot, lambda: isinstance(app.screen, CertificatePrompt))
            await pilot.press("r")
            await wait_until(pilot, lambda: isinstance(app.screen, MailboxScreen))
            await pilot.pause()
            assert one.link_base == "connecté"
            assert "certificat refusé" in two.link_base


async def test_password_command_failure_of_another_account_is_titled_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """_find_password runs in a thread and notifies with call_from_thread(self.notify):
    outside in_slot, so the toast « password command failed » of account 2 carries no
    title and reads as the shown account's (cdab148 titles another account's notices)."""

    def failing(account: Any, **kwargs: Any) -> str | None:
        if account["username"] == "ce.0211234x":
            raise secrets.SecretError("La commande de mot de passe a échoué.")
        return "x"

    monkeypatch.setattr(secrets, "get_password", failing)
    with live_app(tmp_path, monkeypatch) as (app, _path):
        monkeypatch.setattr(CourrielApp, "_password_found", lambda self, password: None)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await pilot.pause()
            app._find_password(app.slots[1])
            await app.workers.wait_for_complete()
            await pilot.pause()
            titles = {n.message: n.title for n in app._notifications}
            assert titles["La commande de mot de passe a échoué."] == "Collège"


# --- quitting --------------------------------------------------------------------------


@contextmanager
def black_hole() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (TLS hangs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


def test_closing_several_hanging_accounts_waits_once_not_once_per_account(
    tmp_path: Path,
) -> None:
    """Quitting (_leave) and adding an account (_switch_account → close_account) stop the
    sessions one after the other, each joining its worker for STOP_WAIT (0.5 s) on the UI
    thread: four accounts hanging in TLS freeze the screen 2 s, fifty for 25 s. Told to
    stop together, they would cost one STOP_WAIT."""
    from tui.session import STOP_WAIT, open_accounts

    count = 4
    with black_hole() as port:
        entries = "".join(
            f'[[accounts]]\nusername = "agent{n}"\nimap_host = "127.0.0.1"\nimap_port = {port}\n'
            for n in range(count)
        )
        path = tmp_path / "config.toml"
        path.write_text(entries, encoding="utf-8")
        config = load_config(path)
        opened = open_accounts(config)
        try:
            for _account, session in opened:
                session.start("x")
            time.sleep(1.0)  # every worker inside its TLS handshake
            assert all(s.worker is not None and s.worker.alive for _a, s in opened)
            app = CourrielApp(config, opened[0][0], opened[0][1], others=opened[1:])
            started = time.monotonic()
            app.close_account()
            elapsed = time.monotonic() - started
        finally:
            for account, session in opened:
                session.stop(wait=0)
                account.cache.close()
    assert elapsed < STOP_WAIT * 2, f"{count} hanging accounts took {elapsed:.1f} s to close"


# --- « Ajouter un compte » from another screen than the mailbox ------------------------


async def test_adding_an_account_from_the_compose_screen_keeps_one_live_mailbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The palette offers « Ajouter un compte » on every screen. From the compose screen,
    the setup's answer runs _switch_account: every cache is closed, then switch_screen()
    replaces the screen on top — the compose screen, not the mailbox. The compose screen
    then saves into a closed store (the text goes to a temporary file, not to the
    drafts), and the old mailbox stays in the stack: _mailbox() finds it first, sees
    another account, and the new mailbox never hears its account's events again."""
    from tui.config_write import add_account
    from tui.core.mail.compose import Identity
    from tui.screens.setup import SetupScreen

    with live_app(tmp_path, monkeypatch) as (app, path):
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            first = app.slots[0].account.cache
            screen = ComposeScreen(
                Identity("Marie", "prenom.nom@ac-dijon.fr"),
                Draft(to="parent@example.org", subject="Sortie"),
                first,
                senders=app.senders(app.slots[0].account),
            )
            app.push_screen(screen)
            await pilot.pause()
            screen.query_one("#body", TextArea).insert("Un texte à garder.")
            await pilot.pause()
            app.action_add_account()
            await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
            await pilot.pause()
            add_account(path, {"username": "troisieme", "imap_host": "127.0.0.1"})
            app.screen.dismiss(True)
            await wait_until(pilot, lambda: len(app.slots) == 3)
            await pilot.pause()
            mailboxes = [s for s in app.screen_stack if isinstance(s, MailboxScreen)]
            assert len(mailboxes) == 1, "the old account's mailbox is left in the stack"
            assert app._mailbox() is mailboxes[0]
        stores = [slot.account.cache for slot in app.slots]
        kept = [d for store in stores for _i, d in outbox.load_drafts(store)]
        assert any("Un texte à garder." in d.body for d in kept)


# --- scripts ---------------------------------------------------------------------------


def test_sync_says_which_account_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`courriel sync` with several accounts: « une ligne de résumé chacun » (the guide).
    An account whose password cannot be found prints no summary and an error line without
    its name: with two accounts the user cannot tell which one failed."""
    from tui.cli import EXIT_FAILURE, main

    path = tmp_path / "config.toml"
    path.write_text(
        '[account]\nlabel = "Personnel"\nusername = "prenom.nom"\npassword_command = "true"\n'
        '[[accounts]]\nlabel = "Collège"\nusername = "ce.0211234x"\npassword_command = "true"\n',
        encoding="utf-8",
    )
    code = main(["--config", str(path), "sync"])
    err = capsys.readouterr().err
    assert code == EXIT_FAILURE
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 2, err
    assert "Personnel" in lines[0] and "Collège" in lines[1], err


def test_an_ambiguous_account_name_is_refused_not_the_first_picked(tmp_path: Path) -> None:
    """Two accounts with one login on two servers are allowed (different mailboxes);
    `courriel send --account prenom.nom` then silently sends from the first, through its
    server and login, whichever the user meant. A name that fits several should be a
    usage error listing them."""
    from tui.scripts import pick_account

    path = tmp_path / "config.toml"
    path.write_text(
        '[account]\nlabel = "Académie"\nusername = "prenom.nom"\n'
        'email = "prenom.nom@ac-dijon.fr"\n'
        '[[accounts]]\nlabel = "Perso"\nusername = "prenom.nom"\n'
        'email = "prenom.nom@exemple.fr"\nimap_host = "imap.exemple.fr"\n'
        'smtp_host = "smtp.exemple.fr"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    with pytest.raises(ConfigError):
        pick_account(config, "prenom.nom")


def test_two_accounts_without_label_can_be_told_apart(tmp_path: Path) -> None:
    """Labels are checked for duplicates only when written: two accounts with one login
    on two servers and no label/email are both called « prenom.nom » in the folder pane,
    the « De » selector and the palette, and `courriel doctor`, which routes each run by
    that name (pick_account), tests the first account twice and never the second."""
    from tui.config import account_label
    from tui.doctor import _every_account
    from tui.scripts import pick_account

    path = tmp_path / "config.toml"
    path.write_text(
        '[account]\nusername = "prenom.nom"\n'
        '[[accounts]]\nusername = "prenom.nom"\nimap_host = "imap.exemple.fr"\n'
        'smtp_host = "smtp.exemple.fr"\n',
        encoding="utf-8",
    )
    try:
        config = load_config(path)
    except ConfigError:
        return  # refused with a request for labels: fine
    assert len({account_label(a) for a in config.accounts}) == 2
    import argparse

    labels = _every_account(argparse.Namespace(config=path, account=None, json=False))
    assert [pick_account(config, label) for label in labels] == [0, 1]


# --- what reaches the terminal ---------------------------------------------------------


async def test_the_palette_account_command_shows_a_label_without_controls() -> None:
    """The folder pane and « De » pass the label through clean_line; the palette's
    « Compte : {label} » does not (Content() keeps ESC, C1 and bidi controls), so a label
    with an escape sequence reaches the terminal when ctrl+p lists the accounts."""
    from tests.test_accounts_screens import two_demo_accounts

    label = "Perso \x1b]0;titre\x1b\\ \u202eevil"
    with two_demo_accounts(label) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            titles = [c.title for c in app.get_system_commands(app.screen)]
            shown = [t for t in titles if "Perso" in t]
            assert shown, titles
            assert not any("\x1b" in t or "\u202e" in t for t in shown), shown


# --- the folder pane's account rows ----------------------------------------------------


async def test_delete_on_an_account_row_does_not_aim_at_the_shown_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the pane focused and its cursor on another account's row, `delete` (and `R`)
    act on _managed_folder(), which falls back to the folder on screen: « Le dossier
    « Projets » sera supprimé du serveur » is offered from the row « Collège ». An account
    row is no folder: the folder keys should do nothing there (or say so)."""
    from tui.demo import seed
    from tui.widgets.folder_list import FolderList

    with live_app(tmp_path, monkeypatch) as (app, _path):
        seed(app.slots[0].account.cache)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            mailbox.folder = "Projets"
            mailbox.refresh_folders()
            await pilot.pause()
            pane = mailbox.query_one(FolderList)
            row = next(i for i in range(pane.option_count) if pane.account_at(i) == 1)
            pane.focus()
            pane.highlighted = row
            await pilot.pause()
            await pilot.press("delete")
            await pilot.pause()
            assert not isinstance(app.screen, Choice), "a folder of the other account is aimed at"


async def test_from_switch_brings_the_chosen_account_signature(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signature is written into the body when the draft is made (new_draft); « De »
    changes the identity but leaves the first account's signature under the text: the
    college's mail leaves signed « Marie Durand, professeure » (each account has its own
    `signature` key for this reason)."""
    from tui.core.mail.compose import Identity
    from tui.core.mail.new_drafts import new_draft
    from tui.several import Sender

    with live_app(tmp_path, monkeypatch) as (app, _path):
        first, second = (slot.account.cache for slot in app.slots)
        mine = Identity("Marie Durand", "prenom.nom@ac-dijon.fr", "Marie Durand, professeure")
        college = Identity("Secrétariat", "ce.0211234x@ac-dijon.fr", "Secrétariat du collège")
        senders = [Sender("Personnel", mine, first), Sender("Collège", college, second)]
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = ComposeScreen(mine, new_draft(mine), first, senders=senders)
            app.push_screen(screen)
            await pilot.pause()
            screen.query_one(FromSelector).value = 1
            await pilot.pause()
            body = screen.query_one("#body", TextArea).text
            assert "Secrétariat du collège" in body and "professeure" not in body, body


async def test_a_send_failure_of_another_account_is_titled_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same cause for the outbox: _send_pending runs after in_slot() returned, so what
    account 2's SMTP server refused (« Mot de passe refusé pour l'envoi ») is shown
    untitled, as if the account on screen had failed."""
    from tui.core.net import smtp

    async def refused(*args: Any, **kwargs: Any) -> Any:
        return smtp.SendReport(failed=[smtp.Failed(1, "auth", "Envoi refusé par le serveur.")])

    monkeypatch.setattr(smtp, "send_pending", refused)
    with live_app(tmp_path, monkeypatch) as (app, _path):
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await pilot.pause()
            two = app.slots[1]
            two.password = "x"
            app.in_slot(two, app.send_outbox)
            await app.workers.wait_for_complete()
            await pilot.pause()
            titles = {n.message: n.title for n in app._notifications}
            assert titles["Envoi refusé par le serveur."] == "Collège"


def test_an_account_section_without_login_does_not_hide_the_accounts(tmp_path: Path) -> None:
    """`[account]` holding only shared-looking keys (a signature) beside [[accounts]]:
    the first account has no username, so the app opens the setup screen and never
    connects the [[accounts]] ones. Either refuse the file or let [[accounts]] lead."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[account]\nsignature = "Cordialement"\n[[accounts]]\nusername = "b"\n', encoding="utf-8"
    )
    try:
        config = load_config(path)
    except ConfigError:
        return
    assert all(a["username"] for a in config.accounts), config.accounts


async def test_an_add_refused_as_a_duplicate_keeps_the_existing_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Add mode stores the typed password (keyring or session) before add_account checks
    for a duplicate: « Ajouter un compte » with the first account's login and a mistyped
    password is refused (« décrit deux fois »), yet the first account's stored password
    has been replaced by the wrong one; its next connection fails."""
    from tests.test_setup_add_account import FIRST, Host
    from tests.test_setup_screen import ASK_ONLY, fill
    from tui.core.net.trust import TrustStore
    from tui.screens.setup import ConfirmUntested

    monkeypatch.setattr(secrets, "available_sources", lambda account, **kw: list(ASK_ONLY))
    path = tmp_path / "config.toml"
    path.write_text(FIRST, encoding="utf-8")
    existing = load_config(path).account
    secrets.store_password(existing, "Le-bon-2026!", "ask")
    app = Host(path, TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await fill(pilot, label="Encore", username="prenom.nom", password="Une-faute-2026!")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmUntested)
        await pilot.click("#untested-save")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert path.read_text("utf-8") == FIRST  # refused, as it should be
    assert secrets.get_password(existing) == "Le-bon-2026!"


def test_sync_goes_on_to_the_next_account_when_one_store_cannot_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """« un compte injoignable n'empêche pas les autres d'être relevés » (the guide), but
    only the password step is caught per account: open_store() or an exception of _sync
    for one account escapes run(), main() reports a crash, and the accounts after it
    are never synced (nor their outbox sent)."""
    from tui.cli import main
    from tui.session import local_store_path

    path = tmp_path / "config.toml"
    path.write_text(
        '[account]\nlabel = "Personnel"\nusername = "prenom.nom"\npassword_command = "echo x"\n'
        '[[accounts]]\nlabel = "Collège"\nusername = "ce.0211234x"\npassword_command = "true"\n',
        encoding="utf-8",
    )
    broken = local_store_path(load_config(path))
    broken.mkdir(parents=True)  # the first account's outbox cannot be opened
    main(["--config", str(path), "sync"])
    err = capsys.readouterr().err
    assert "n'a rien écrit" in err, err  # the second account's own problem was reached


def test_send_from_the_address_the_account_sends_with(tmp_path: Path) -> None:
    """An account written by hand without `email` sends as username@ac-dijon.fr
    (Identity.from_account), yet `courriel send --from prenom.nom@ac-dijon.fr` answers
    « Aucun compte »: --from compares with the `email` key only, not with the From the
    account actually uses."""
    from tui.scripts import pick_account

    path = tmp_path / "config.toml"
    path.write_text(
        '[account]\nusername = "prenom.nom"\n'
        '[[accounts]]\nlabel = "Collège"\nusername = "ce.0211234x"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert pick_account(config, "prenom.nom@ac-dijon.fr") == 0
    assert pick_account(config, "ce.0211234x@ac-dijon.fr") == 1


def test_add_account_to_an_inline_accounts_array_keeps_the_file_valid(tmp_path: Path) -> None:
    """`accounts = [ {username = "b"} ]` is the same TOML as [[accounts]] and load_config
    accepts it; add_account appends a table inside that inline array and writes a file
    that is no TOML at all: the app then refuses to start."""
    from tui.config_write import add_account

    path = tmp_path / "config.toml"
    path.write_text(
        'accounts = [ {username = "b", label = "B"} ]\n[account]\nusername = "a"\n',
        encoding="utf-8",
    )
    assert [a["username"] for a in load_config(path).accounts] == ["a", "b"]
    with suppress(ConfigError):  # refusing to write is acceptable; a broken file is not
        add_account(path, {"username": "c", "label": "C"})
    assert [a["username"] for a in load_config(path).accounts][:2] == ["a", "b"]


async def test_another_account_event_keeps_the_pane_cursor_where_the_user_put_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each FolderSynced / BackfillDone / SyncDone… of an account not on screen now
    redraws the pane (_refresh_pane → refresh_folders → FolderList.show), which puts the
    cursor back on the folder shown: while account 2 fills its cache, the user moving
    down the pane to « Collège » or to a folder (to open, rename or delete it) is sent
    back, and Enter or Delete then acts on another row than the one they chose."""
    from tui.core.account import contract
    from tui.demo import seed
    from tui.widgets.folder_list import FolderList

    with live_app(tmp_path, monkeypatch) as (app, _path):
        seed(app.slots[0].account.cache)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            pane = mailbox.query_one(FolderList)
            pane.focus()
            target = next(i for i in range(pane.option_count) if pane.folder_at(i) == "Projets")
            pane.highlighted = target
            await pilot.pause()
            app._post_for(app.slots[1], contract.BackfillDone("INBOX"))
            await pilot.pause()
            assert pane.highlighted == target
