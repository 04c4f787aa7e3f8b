"""courriel on a bare IMAP4rev1 server (issue #16): what a user does, and nothing sent
that the server did not announce.

The bare bed offers IMAP4rev1 and LITERAL+ only (no MOVE, UIDPLUS, CONDSTORE, ESEARCH,
SPECIAL-USE, IDLE, QUOTA, NAMESPACE, UNSELECT, ENABLE, ID), puts every folder under
« INBOX. » with « . » as separator, and names its special folders as Outlook-style
servers do. Every test ends by checking the commands courriel sent
(tests/bed/commands.py): none needs an extension.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.bed.commands import commands, unannounced
from tests.bed.dovecot import User
from tests.conftest import Bed, _bed_fixture
from tests.mail_helpers import message, raw_client, server_snapshot, snapshot
from tests.test_app_server import reader_text
from tests.test_cyrus_server import listed, open_folder, save_draft_twice
from tests.test_mailbox_server import Run, mail, make_folder, running, search
from tui import session
from tui.core.account.sync import SyncEngine
from tui.screens.folder_picker import FolderPicker
from tui.screens.mailbox import MailboxScreen
from tui.widgets.folder_list import FolderList

pytestmark = pytest.mark.server

SENT, DRAFTS = "INBOX.Éléments envoyés", "INBOX.Brouillons"
TRASH, JUNK = "INBOX.Éléments supprimés", "INBOX.Courrier indésirable"


@pytest.fixture(autouse=True)
def _short_undo_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "UNDO_SECONDS", 0.2)


@asynccontextmanager
async def on_bare(
    bare_bed: Bed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    *,
    before: Callable[[Bed, User], None] | None = None,
    inbox: int | None = None,
    settings: dict[str, dict[str, object]] | None = None,
) -> AsyncIterator[Run]:
    """The app on a fresh account of the bare server; afterwards, every command it sent
    was one the server offered."""
    async with running(
        bare_bed, tmp_path, monkeypatch, count, before=before, inbox=inbox, settings=settings
    ) as run:
        yield run
    sent = commands(bare_bed.dovecot.rawlog_dir / run.user.username)
    assert sent, "no session of courriel's was logged"
    assert unannounced(sent) == []


async def test_special_folders_are_found_by_their_names(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with on_bare(bare_bed, tmp_path, monkeypatch, 3) as run:
        cache = run.app.account.cache
        found = {use: cache.special_folder(use) for use in ("sent", "drafts", "trash", "junk")}
        assert found == {"sent": SENT, "drafts": DRAFTS, "trash": TRASH, "junk": JUNK}
        assert run.subject() == "Sujet 3"  # newest first
        await run.pilot.press("enter")
        await run.wait(lambda: "Corps 3." in reader_text(run.mailbox))
        await run.pilot.press("escape")
        await run.wait(lambda: "\\Seen" in run.server()["Sujet 3"])


async def test_delete_undo_then_delete_reaches_the_trash_without_move_or_uidplus(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with on_bare(bare_bed, tmp_path, monkeypatch, 3) as run:
        monkeypatch.setattr(session, "UNDO_SECONDS", 60)  # no race between d and u
        await run.pilot.press("d")  # « Sujet 3 »
        assert run.messages.total == 2
        await run.pilot.press("u")
        assert run.messages.total == 3 and run.subject() == "Sujet 3"

        monkeypatch.setattr(session, "UNDO_SECONDS", 0.2)
        await run.pilot.press("d")
        await run.wait(lambda: "Sujet 3" in run.server(TRASH))
        assert set(run.server()) == {"Sujet 1", "Sujet 2"}


async def test_flags_reach_the_server(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with on_bare(bare_bed, tmp_path, monkeypatch, 2) as run:
        await run.pilot.press("exclamation_mark")
        await run.wait(lambda: "\\Flagged" in run.server()["Sujet 2"])
        await run.pilot.press("n")  # read, then unread again
        await run.wait(lambda: "\\Seen" in run.server()["Sujet 2"])


async def test_move_to_a_folder_with_an_accented_name(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = "INBOX.Réunions d'été"
    async with on_bare(bare_bed, tmp_path, monkeypatch, 3, before=make_folder(folder)) as run:
        await run.pilot.press("j", "m")  # « Sujet 2 »
        await run.wait(lambda: isinstance(run.app.screen, FolderPicker))
        picker = run.app.screen.query_one(FolderList)
        labels = [picker.label_of(name) for name in ("INBOX", folder)]
        assert labels[1] == "Réunions d'été"
        await run.pilot.press("end")
        assert picker.folder_at(picker.highlighted) == folder
        await run.pilot.press("enter")
        await run.wait(lambda: isinstance(run.app.screen, MailboxScreen))
        await run.wait(lambda: "Sujet 2" in run.server(folder))
        assert set(run.server()) == {"Sujet 1", "Sujet 3"}


async def test_search_without_esearch(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def seed(bed: Bed, user: User) -> None:
        for n, (subject, body) in enumerate(
            [("Cantine", "Menus."), ("Réunion", "Visite d'inspection."), ("Inspection", "Là.")]
        ):
            bed.dovecot.deliver(user.username, mail(subject, body, n))

    async with on_bare(bare_bed, tmp_path, monkeypatch, 0, before=seed, inbox=3) as run:
        await run.pilot.press("slash", *"inspection", "enter")
        await run.wait(lambda: run.messages.total == 2)  # the body match is the server's
        subjects = {run.messages.row(i).subject for i in range(2)}  # type: ignore[union-attr]
        assert subjects == {"Réunion", "Inspection"}


async def test_new_mail_on_sync_now(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with on_bare(bare_bed, tmp_path, monkeypatch, 2) as run:
        bare_bed.dovecot.deliver(run.user.username, mail("Conseil de classe", "Jeudi.", 9))
        await run.pilot.press("f5")
        await run.wait(lambda: run.messages.total == 3)
        assert await run.line_with("Conseil de classe") is not None


async def test_a_mark_left_by_another_client_is_not_purged(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without UIDPLUS the only EXPUNGE purges every \\Deleted message of the folder: one
    the webmail marked and did not purge is kept, still marked; ours is purged."""

    def marked_by_webmail(bed: Bed, user: User) -> None:
        with raw_client(bed, user) as client:
            client.select_folder("INBOX")
            uid = client.search(["SUBJECT", "Sujet 1"])[0]
            client.add_flags([uid], [b"\\Deleted"], silent=True)

    async with on_bare(bare_bed, tmp_path, monkeypatch, 3, before=marked_by_webmail) as run:
        await run.pilot.press("d")  # « Sujet 3 »
        await run.wait(lambda: "Sujet 3" in run.server(TRASH))
        await run.wait(lambda: "Sujet 3" not in run.server())
        server = run.server()
        assert "\\Deleted" in server["Sujet 1"]  # the webmail's, to purge or not
        assert "\\Deleted" not in server["Sujet 2"]
        await run.pilot.press("d")  # and again: nothing of ours is left behind
        await run.wait(lambda: set(run.server()) == {"Sujet 1"})


def test_the_checker_names_what_a_bare_server_did_not_offer(tmp_path: Path) -> None:
    """tests/bed/commands.py itself: literals skipped, observer sessions left out, and
    each extension caught."""
    (tmp_path / "1.in").write_bytes(
        b"1.5 A1 SELECT INBOX (CONDSTORE)\r\n"
        b"1.5 A2 APPEND INBOX {10+}\r\n1.5 MOVE x\r\n\r\n1.5 \r\n"
        b"1.6 A3 UID MOVE 1 Trash\r\n1.6 A4 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 4)\r\n"
        b'1.6 A5 IDLE\r\n1.6 DONE\r\n1.6 A6 ID NIL\r\n1.6 A7 LIST "" * RETURN (STATUS)\r\n'
        b"1.6 A8 UID SEARCH RETURN (ALL) ALL\r\n1.7 A9 UID EXPUNGE 1\r\n"
        b"1.7 A10 UID FETCH 1 (UID FLAGS RFC822.SIZE)\r\n1.7 A11 STATUS INBOX (UIDNEXT)\r\n"
    )
    (tmp_path / "2.in").write_bytes(b'1.8 B1 LSUB "" courriel-test-observer\r\n1.8 B2 MOVE\r\n')
    logged = commands(tmp_path)
    assert len(logged) == 12 and logged[1] == "A2 APPEND INBOX {10+}"
    assert [text.split()[0] for text in unannounced(logged)] == [
        "A1", "A3", "A4", "A5", "DONE", "A6", "A7", "A8", "A9",
    ]  # fmt: skip


def test_folders_under_inbox_are_shown_from_the_top_of_the_tree() -> None:
    """On a server whose personal folders are INBOX's children (« INBOX.Projets »), the
    pane shows them as Dovecot's own are shown, not indented under nothing."""
    from dataclasses import dataclass

    from tui.widgets.folder_list import arrange

    @dataclass
    class Folder:
        name: str
        delimiter: str = "."
        special_use: str | None = None
        total: int = 0
        unread: int = 0

    bare = [
        Folder("INBOX", special_use="inbox"),
        Folder(TRASH, special_use="trash"),
        Folder("INBOX.Projets"),
        Folder("INBOX.Projets.Erasmus"),
    ]
    shown = [(e.label, e.depth) for e in arrange(bare)]  # type: ignore[arg-type]
    assert shown[2:] == [("Projets", 0), ("Erasmus", 1)]
    # Where folders also live beside INBOX, its children stay its children.
    mixed = [*bare, Folder("Classes")]
    shown = [(e.label, e.depth) for e in arrange(mixed)]  # type: ignore[arg-type]
    assert ("Projets", 1) in shown and ("Classes", 0) in shown


async def test_a_sent_message_is_filed_in_the_sent_folder_found_by_name(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import Input, TextArea

    from tui.screens.certificate import CertificatePrompt
    from tui.screens.compose import ComposeScreen

    recipient = bare_bed.new_user()
    async with on_bare(bare_bed, tmp_path, monkeypatch, 1) as run:
        await run.pilot.press("c")
        await run.wait(lambda: isinstance(run.app.screen, ComposeScreen))
        compose = run.app.screen
        compose.query_one("#to", Input).value = recipient.email
        compose.query_one("#subject", Input).value = "Sortie au musée"
        compose.query_one("#body", TextArea).text = "Départ à 8 h 30.\n"
        await run.pilot.press("ctrl+s")
        await run.wait(lambda: isinstance(run.app.screen, CertificatePrompt), 20)
        await run.pilot.press("t")  # the sending server's certificate, first time
        await run.wait(lambda: any("Sortie au" in subject for subject in run.server(SENT)), 20)
        with raw_client(bare_bed, recipient) as client:
            client.select_folder("INBOX", readonly=True)
            assert len(client.search(["SUBJECT", "Sortie"])) == 1
        assert list(run.server(SENT).values()) == [("\\Seen",)]


@pytest.fixture(scope="session")
def condstore_without_enable_bed() -> Iterator[Bed]:
    """A bare server that offers CONDSTORE, MOVE and UIDPLUS but not ENABLE."""
    yield from _bed_fixture(
        "bed-bare-cs", profile="bare", capabilities="IMAP4rev1 LITERAL+ CONDSTORE MOVE UIDPLUS"
    )


async def test_condstore_without_enable_is_never_sent_enable(
    condstore_without_enable_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENABLE is how courriel turns CONDSTORE on; a server that does not announce it
    is synced as one without CONDSTORE (imapclient also refuses to send it), and gets
    MOVE, which it offers, where the bare server gets COPY + EXPUNGE."""
    bed = condstore_without_enable_bed
    async with running(bed, tmp_path, monkeypatch, 3) as run:
        await run.pilot.press("d")
        await run.wait(lambda: "Sujet 3" in run.server(TRASH))
        bed.dovecot.deliver(run.user.username, mail("Conseil de classe", "Jeudi.", 9))
        await run.pilot.press("f5")
        await run.wait(lambda: run.messages.total == 3)
    sent = commands(bed.dovecot.rawlog_dir / run.user.username)
    assert unannounced(sent, offered=("CONDSTORE", "MOVE", "UIDPLUS")) == []
    assert any(" UID MOVE " in f" {text} " for text in sent)


def test_doctor_names_the_extensions_the_server_lacks(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_doctor import _ca_file, config_for, doctor
    from tui.core.i18n import set_language

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    certificates = _ca_file(tmp_path, bare_bed.dovecot.cert, bare_bed.smtp.cert)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates))
    set_language("fr")
    code, text = doctor(config_for(bare_bed, tmp_path, bare_bed.new_user()))
    assert code == 0, text
    missing = "sans CONDSTORE, ENABLE, ESEARCH, IDLE, LIST-STATUS, MOVE, SPECIAL-USE, UIDPLUS"
    assert missing + ", UNSELECT ; le serveur n'annonce pas de quota" in text


async def test_changes_made_by_another_client_show_after_sync_now(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without CONDSTORE, F5 reads the flags again; the webmail's own purge shows as a
    message gone."""
    async with on_bare(bare_bed, tmp_path, monkeypatch, 3) as run:
        uids = {subject: uid for uid, subject, _f in server_snapshot(bare_bed, run.user)}
        with raw_client(bare_bed, run.user) as webmail:
            webmail.select_folder("INBOX")
            webmail.add_flags([uids["Sujet 2"]], [b"\\Flagged"], silent=True)
            webmail.add_flags([uids["Sujet 1"]], [b"\\Deleted"], silent=True)
            webmail.expunge()
        await run.pilot.press("f5")
        await run.wait(lambda: run.messages.total == 2)

        def flagged() -> bool:
            summary = run.app.account.cache.summary("INBOX", uids["Sujet 2"])
            return summary is not None and "\\Flagged" in summary.flags

        await run.wait(flagged)
        assert await run.line_with("Sujet 1") is None


async def test_a_draft_saved_to_the_server_lands_in_brouillons(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import Input, TextArea

    from tui.screens.compose import ComposeScreen

    async with on_bare(bare_bed, tmp_path, monkeypatch, 1) as run:
        await run.pilot.press("c")
        await run.wait(lambda: isinstance(run.app.screen, ComposeScreen))
        compose = run.app.screen
        compose.query_one("#to", Input).value = "collegue@ac-dijon.fr"
        compose.query_one("#subject", Input).value = "Projet Erasmus"
        compose.query_one("#body", TextArea).text = "Premier jet.\n"
        await run.pilot.press("ctrl+g")
        await run.wait(lambda: "Projet Erasmus" in run.server(DRAFTS))


async def test_idle_asked_for_but_not_offered_falls_back_to_the_interval(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings: dict[str, dict[str, object]] = {"sync": {"idle": True}}
    async with on_bare(bare_bed, tmp_path, monkeypatch, 1, settings=settings) as run:
        session = run.app.session
        assert session is not None
        await run.wait(lambda: session.idle is not None and not session.idle.alive)
        assert session.idle is not None and session.idle.ended == "IDLE"
        bare_bed.dovecot.deliver(run.user.username, mail("Conseil de classe", "Jeudi.", 9))
        await run.pilot.press("f5")
        await run.wait(lambda: run.messages.total == 2)


def test_a_select_modseq_without_condstore_enabled_is_ignored(
    condstore_without_enable_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An RFC 4551 server reports HIGHESTMODSEQ in every SELECT without being enabled.
    Kept, it never matched the STATUS (not asked for it): every quiet folder looked
    changed and cost a SELECT and a search at each sync (helper-13's review)."""
    from imapclient import IMAPClient

    from tests.mail_helpers import engine, message

    real = IMAPClient.select_folder

    def rfc4551(self: IMAPClient, folder: str, readonly: bool = False) -> dict[bytes, object]:
        answer = dict(real(self, folder, readonly))
        answer.setdefault(b"HIGHESTMODSEQ", 7)
        return answer

    monkeypatch.setattr(IMAPClient, "select_folder", rfc4551)
    bed = condstore_without_enable_bed
    user = bed.new_user()
    with raw_client(bed, user) as client:
        for n in range(1, 4):
            client.append("INBOX", message(n))
    sync = engine(bed, user, tmp_path / "c.sqlite3")
    assert not sync.conn.condstore
    sync.sync_folders()
    sync.sync_folder("INBOX")
    quiet = []
    for _ in range(2):
        sync.conn.select(TRASH)  # as after a full sync: another folder left selected
        quiet.append(sync.sync_folder("INBOX").unchanged)
    assert quiet == [True, True]


# --- the scenarios Cyrus runs, on the bare bed (issue #16) -------------------------------


async def test_a_large_inbox_shows_its_newest_page_first_then_fills_in(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300 messages, no CONDSTORE nor ESEARCH: the newest 100 are listed at once,
    « Message 300 » on top, the status bar already counting 300; the older ones come in
    behind until G reaches « Message 1 » and the cache holds the server's 300."""
    gate = threading.Event()  # the backfill waits: what the first page alone shows
    backfill_step = SyncEngine.backfill_step

    def held(self: SyncEngine, folder: str) -> bool:
        gate.wait(30)
        return backfill_step(self, folder)

    def arrived(bed: Bed, user: User) -> None:
        with raw_client(bed, user) as webmail:  # no MULTIAPPEND here: one APPEND each
            for n in range(1, 301):
                webmail.append("INBOX", message(n))

    monkeypatch.setattr(SyncEngine, "backfill_step", held)
    try:
        async with on_bare(bare_bed, tmp_path, monkeypatch, 0, before=arrived, inbox=100) as run:
            assert run.subject() == "Message 300"
            assert await run.line_with("Message 300") is not None
            assert any("300 messages, 300 non lus" in line for line in await run.screen())
            await run.pilot.press("G")
            assert run.subject() == "Message 201"  # the oldest of the first page

            gate.set()
            await run.wait(lambda: run.messages.total == 300, 30)
            await run.pilot.press("G")
            assert run.subject() == "Message 1"
            assert await run.line_with("Message 1") is not None
            cache = run.app.account.cache
            assert snapshot(cache) == server_snapshot(bare_bed, run.user)
            assert cache.summary("INBOX", 1) is not None
    finally:
        gate.set()  # never left waiting after a failure


async def test_a_folder_recreated_elsewhere_shows_its_new_messages_not_the_old(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """« INBOX.Projets » deleted and made again by the webmail, with as many messages
    under the same UIDs: a new UIDVALIDITY, and after F5 the list shows only the new
    ones, and the body opened is the new message's."""
    folder = "INBOX.Projets"
    old = make_folder(folder, mail("Ancien 1", "Vieux.", 1), mail("Ancien 2", "Vieux.", 2))
    async with on_bare(bare_bed, tmp_path, monkeypatch, 1, before=old) as run:
        await open_folder(run, folder)
        await run.wait(lambda: run.messages.total == 2)
        assert await run.line_with("Ancien 2") is not None
        with raw_client(bare_bed, run.user) as webmail:
            before = webmail.select_folder(folder, readonly=True)[b"UIDVALIDITY"]
            webmail.select_folder("INBOX", readonly=True)  # no UNSELECT on this server
            webmail.delete_folder(folder)
            webmail.create_folder(folder)
            for n in (1, 2):
                webmail.append(folder, mail(f"Nouveau {n}", "Neuf.", n))
            after = webmail.select_folder(folder, readonly=True)[b"UIDVALIDITY"]
        assert after != before
        assert [uid for uid, _s, _f in server_snapshot(bare_bed, run.user, folder)] == [1, 2]
        await run.pilot.press("f5")
        await run.wait(lambda: set(listed(run)) == {"Nouveau 1", "Nouveau 2"})
        assert run.subject() == "Nouveau 2"
        assert await run.line_with("Nouveau 1") is not None
        assert await run.line_with("Ancien 1") is None and await run.line_with("Ancien 2") is None
        cache = run.app.account.cache
        assert {s.subject for s in cache.page(folder, 0, 10)} == {"Nouveau 1", "Nouveau 2"}
        await run.pilot.press("enter")  # the body is the new message's, not a stale one
        await run.wait(lambda: "Neuf." in reader_text(run.mailbox))
        assert "Vieux." not in reader_text(run.mailbox)


async def test_archive_goes_to_the_archive_folder_found_by_name(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bare bed makes no archive folder: A says so and keeps the message. The webmail
    then makes « INBOX.Archives » (no \\Archive flag: found by its name); after F5, A
    files the message there with COPY + \\Deleted + EXPUNGE, where the user finds it."""
    archives = "INBOX.Archives"
    async with on_bare(bare_bed, tmp_path, monkeypatch, 3) as run:
        cache = run.app.account.cache
        assert cache.special_folder("archive") is None
        await run.pilot.press("A")  # « Sujet 3 »
        await run.wait(
            lambda: any("Aucun dossier d'archives" in n.message for n in run.app._notifications)
        )
        assert run.messages.total == 3 and run.subject() == "Sujet 3"

        make_folder(archives)(bare_bed, run.user)
        await run.pilot.press("f5")
        await run.wait(lambda: cache.special_folder("archive") == archives)
        await run.pilot.press("A")
        await run.wait(lambda: run.messages.total == 2)
        assert await run.line_with("Sujet 3") is None
        assert any("Message archivé" in n.message for n in run.app._notifications)
        await run.wait(lambda: "Sujet 3" in run.server(archives))
        await run.wait(lambda: set(run.server()) == {"Sujet 1", "Sujet 2"})
        await open_folder(run, archives)
        await run.wait(lambda: run.messages.total == 1)
        assert run.subject() == "Sujet 3"
    sent = commands(bare_bed.dovecot.rawlog_dir / run.user.username)
    assert any(" UID COPY " in f" {text} " and archives in text for text in sent)


async def test_no_quota_announced_none_asked_none_shown(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bed's Dovecot keeps a quota but does not announce QUOTA: courriel never asks
    (GETQUOTAROOT would fail the command check), shows no quota in the status bar and
    warns of nothing, even after a sync that saw new mail (when it reads it again)."""
    async with on_bare(bare_bed, tmp_path, monkeypatch, 2) as run:
        bare_bed.dovecot.deliver(run.user.username, mail("Conseil de classe", "Jeudi.", 9))
        await run.pilot.press("f5")
        await run.wait(lambda: run.messages.total == 3)
        assert run.app.account.cache.quota() is None
        assert run.mailbox.status.quota is None
        lines = await run.screen()
        assert not any("quota" in line.lower() for line in lines), lines[-2:]
        assert not [n.message for n in run.app._notifications if n.severity != "information"]


def test_doctor_says_the_server_offers_no_quota_and_nothing_is_wrong(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`courriel doctor --json`: every step passes, no diagnosis; the folders step says
    the server announces no quota; and doctor, too, sent nothing unannounced."""
    from tests.test_doctor import _ca_file, config_for, doctor_json
    from tui.core.i18n import set_language

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    certificates = _ca_file(tmp_path, bare_bed.dovecot.cert, bare_bed.smtp.cert)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates))
    set_language("fr")
    user = bare_bed.new_user()
    code, data = doctor_json(config_for(bare_bed, tmp_path, user))
    assert code == 0 and data["ok"] is True and data["diagnosis"] is None, data
    steps = data["steps"]
    assert isinstance(steps, list) and all(step["ok"] for step in steps)
    assert all(step["diagnosis"] is None for step in steps)
    assert str(steps[-1]["detail"]).endswith(" ; le serveur n'annonce pas de quota")
    sent = commands(bare_bed.dovecot.rawlog_dir / user.username)
    assert sent, "no session of doctor's was logged"
    assert unannounced(sent) == []


async def test_folders_with_accents_under_the_dot_separator_both_ways(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Modified UTF-7 under « INBOX. » and « . »: a folder and its subfolder made by the
    webmail show in the pane by their names, at their depths, and open; a folder and
    its subfolder made from the pane reach the server under the same names (the wire
    form is RFC 3501's), and mail the webmail files there shows in the app."""
    from imapclient.imap_utf7 import encode

    from tests.test_folder_management import open_folder_pane, type_name

    theirs, their_child = "INBOX.Réunions d'été", "INBOX.Réunions d'été.Conseil pédagogique"
    ours, our_child = "INBOX.Élèves 2026", "INBOX.Élèves 2026.Sorties à Bâle"

    def webmail_folders(bed: Bed, user: User) -> None:
        make_folder(theirs)(bed, user)
        make_folder(their_child, mail("Ordre du jour", "Point 1 : les évaluations.", 1))(bed, user)

    def server_folders() -> dict[str, str]:
        with raw_client(bare_bed, run.user) as client:
            return {name: sep.decode() for _flags, sep, name in client.list_folders()}

    async with on_bare(bare_bed, tmp_path, monkeypatch, 1, before=webmail_folders) as run:
        pane = await open_folder_pane(run)
        entries = {e.name: (e.label, e.depth) for e in pane._entries}
        assert entries[theirs] == ("Réunions d'été", 0)
        assert entries[their_child] == ("Conseil pédagogique", 1)
        await run.pilot.press("escape")
        await open_folder(run, their_child)
        await run.wait(lambda: run.messages.total == 1)
        assert run.subject() == "Ordre du jour"
        await run.pilot.press("enter")
        await run.wait(lambda: "les évaluations" in reader_text(run.mailbox))
        await run.pilot.press("escape")

        await open_folder_pane(run)
        await run.pilot.press("n")
        await type_name(run, "Élèves 2026")  # « INBOX. » is added, as on every folder here
        await run.wait(lambda: ours in {f.name for f in run.app.account.cache.folders()})
        await run.pilot.press("n")
        await type_name(run, "Élèves 2026.Sorties à Bâle")
        await run.wait(lambda: our_child in {f.name for f in run.app.account.cache.folders()})
        assert {ours: ".", our_child: "."}.items() <= server_folders().items()
        pane = run.mailbox.query_one(FolderList)
        await run.wait(lambda: pane.label_of(our_child) == "Sorties à Bâle")
        entries = {e.name: (e.label, e.depth) for e in pane._entries}
        assert entries[ours] == ("Élèves 2026", 0) and entries[our_child] == ("Sorties à Bâle", 1)

        with raw_client(bare_bed, run.user) as webmail:
            webmail.append(our_child, mail("Autorisations", "Signées par les parents.", 2))
        await run.pilot.press("escape")
        await run.pilot.press("f5")
        await open_folder(run, our_child)
        await run.wait(lambda: run.messages.total == 1)
        assert run.subject() == "Autorisations"
    sent = commands(bare_bed.dovecot.rawlog_dir / run.user.username)
    for name in (ours, our_child):
        assert any(text.endswith(f' CREATE "{encode(name).decode()}"') for text in sent)


def encoded_mail(subject: str, minute: int, head: str, body: str) -> bytes:
    return (
        f"From: Circonscription <circo@ac-dijon.fr>\r\nSubject: {subject}\r\n"
        f"Date: Mon, 23 Nov 2026 10:{minute:02d}:00 +0100\r\nMIME-Version: 1.0\r\n"
        f"{head}\r\n{body}"
    ).encode()


async def test_each_message_opened_shows_its_own_text(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bodies fetched by plain BODY.PEEK sections (no BINARY here): quoted-printable,
    base64 and the text part of a multipart/alternative each read as written, each
    message its own text, and only the messages opened are marked read."""
    qp = encoded_mail(
        "Cantine",
        1,
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n",
        "Menus de la semaine : g=C3=A2teau =C3=A0 la cr=C3=A8me jeudi.\r\n",
    )
    b64 = encoded_mail(
        "Sortie",
        2,
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
        base64.encodebytes("Départ à 8 h 30 devant l'école.\n".encode()).decode(),
    )
    alternative = encoded_mail(
        "Conseil",
        3,
        'Content-Type: multipart/alternative; boundary="alt"\r\n',
        "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Le conseil a vot=C3=A9 =C3=A0 l'unanimit=C3=A9.\r\n"
        "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<p>Version HTML du compte rendu.</p>\r\n--alt--\r\n",
    )

    def arrived(bed: Bed, user: User) -> None:
        for raw in (qp, b64, alternative):
            bed.dovecot.deliver(user.username, raw)

    texts = {
        "Cantine": "gâteau à la crème jeudi",
        "Sortie": "Départ à 8 h 30 devant l'école.",
        "Conseil": "Le conseil a voté à l'unanimité.",
    }
    async with on_bare(bare_bed, tmp_path, monkeypatch, 0, before=arrived, inbox=3) as run:
        assert run.subject() == "Conseil"
        for keys, subject in (((), "Conseil"), (("j", "j"), "Cantine")):
            await run.pilot.press(*keys)
            assert run.subject() == subject
            await run.pilot.press("enter")
            await run.wait(lambda subject=subject: texts[subject] in reader_text(run.mailbox))
            shown = reader_text(run.mailbox)
            assert [s for s, text in texts.items() if text in shown] == [subject]
            await run.pilot.press("escape")
        await run.wait(lambda: "\\Seen" in run.server()["Cantine"])
        server = run.server()
        assert "\\Seen" in server["Conseil"] and "\\Seen" not in server["Sortie"]
        await run.pilot.press("k")  # and the one between, opened last
        assert run.subject() == "Sortie"
        await run.pilot.press("enter")
        await run.wait(lambda: texts["Sortie"] in reader_text(run.mailbox))
        assert "Version HTML" not in reader_text(run.mailbox)


async def test_unread_a_purge_and_a_move_by_another_client_show_after_sync_now(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The webmail flags one message, marks a read one unread, purges one and moves one
    to « INBOX.Projets » (COPY, \\Deleted, EXPUNGE: no MOVE here either): after F5 the
    list, its markers and the counts say so, and the moved one is in Projets."""
    projets = "INBOX.Projets"

    def read_and_projets(bed: Bed, user: User) -> None:
        make_folder(projets)(bed, user)
        with raw_client(bed, user) as client:
            client.select_folder("INBOX")
            client.add_flags(client.search(["SUBJECT", "Sujet 3"]), [b"\\Seen"], silent=True)

    async with on_bare(bare_bed, tmp_path, monkeypatch, 4, before=read_and_projets) as run:
        line = await run.line_with("Sujet 3")
        assert line is not None and not line.startswith("N")
        uids = {subject: uid for uid, subject, _f in server_snapshot(bare_bed, run.user)}
        with raw_client(bare_bed, run.user) as webmail:
            webmail.select_folder("INBOX")
            webmail.add_flags([uids["Sujet 2"]], [b"\\Flagged"], silent=True)
            webmail.remove_flags([uids["Sujet 3"]], [b"\\Seen"], silent=True)
            webmail.copy([uids["Sujet 4"]], projets)
            webmail.add_flags([uids["Sujet 1"], uids["Sujet 4"]], [b"\\Deleted"], silent=True)
            webmail.expunge()
        await run.pilot.press("f5")
        await run.wait(
            lambda: (
                set(shown := listed(run)) == {"Sujet 2", "Sujet 3"}
                and "\\Flagged" in shown["Sujet 2"]
                and "\\Seen" not in shown["Sujet 3"]
            )
        )
        flagged, unread = await run.line_with("Sujet 2"), await run.line_with("Sujet 3")
        assert flagged is not None and flagged[1] == "!"
        assert unread is not None and unread.startswith("N")
        assert await run.line_with("Sujet 1") is None and await run.line_with("Sujet 4") is None
        lines = await run.screen()
        assert any("2 messages, 2 non lus" in line for line in lines), lines[-3:]
        await run.pilot.press("b")
        assert any("Projets (1)" in line for line in await run.screen())
        await run.pilot.press("escape")
        await open_folder(run, projets)
        await run.wait(lambda: run.messages.total == 1)
        assert run.subject() == "Sujet 4"


async def test_a_draft_saved_twice_leaves_one_copy_in_brouillons(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+G twice: without UIDPLUS (no APPENDUID) each copy is found again by its
    Message-ID, the first one is purged, and « INBOX.Brouillons » holds the second one
    only, flagged \\Draft. Dovecot answers APPEND with APPENDUID even unannounced; an
    IMAP4rev1 server does not, so its answer loses it here."""
    import re

    from imapclient import IMAPClient

    real = IMAPClient.append

    def without_appenduid(self: IMAPClient, *args: object, **kwargs: object) -> bytes:
        return re.sub(rb"\[APPENDUID [^]]*\] ?", b"", real(self, *args, **kwargs))

    monkeypatch.setattr(IMAPClient, "append", without_appenduid)
    async with on_bare(bare_bed, tmp_path, monkeypatch, 1) as run:
        await save_draft_twice(run, DRAFTS)
        with raw_client(bare_bed, run.user) as client:
            client.select_folder(DRAFTS, readonly=True)
            fetched = client.fetch(client.search("ALL"), ["BODY.PEEK[TEXT]"])
        ((data,),) = [fetched.values()]
        assert b"Deuxi" in data[b"BODY[TEXT]"] and b"Premier" not in data[b"BODY[TEXT]"]
    sent = commands(bare_bed.dovecot.rawlog_dir / run.user.username)
    assert any("SEARCH HEADER Message-ID" in text for text in sent)


async def test_search_finds_an_accented_word_only_the_server_has(
    bare_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """« élèves » is in a body only, which the cache does not hold: the server's SEARCH
    finds it, sent as UTF-8 (CHARSET is IMAP4rev1's), its answer without ESEARCH."""

    def seed(bed: Bed, user: User) -> None:
        for n, (subject, body) in enumerate(
            [("Cantine", "Menus."), ("Sortie", "Les élèves partent à 8 h."), ("Conseil", "Là.")]
        ):
            bed.dovecot.deliver(user.username, mail(subject, body, n))

    async with on_bare(bare_bed, tmp_path, monkeypatch, 0, before=seed, inbox=3) as run:
        await search(run, "élèves", 1)
        assert run.subject() == "Sortie"
        assert any("1 résultat pour « élèves »" in line for line in await run.screen())
    sent = commands(bare_bed.dovecot.rawlog_dir / run.user.username)
    assert any("SEARCH CHARSET UTF-8 TEXT" in text for text in sent)
