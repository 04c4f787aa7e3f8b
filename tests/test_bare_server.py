"""courriel on a bare IMAP4rev1 server (issue #16): what a user does, and nothing sent
that the server did not announce.

The bare bed offers IMAP4rev1 and LITERAL+ only (no MOVE, UIDPLUS, CONDSTORE, ESEARCH,
SPECIAL-USE, IDLE, QUOTA, NAMESPACE, UNSELECT, ENABLE, ID), puts every folder under
« INBOX. » with « . » as separator, and names its special folders as Outlook-style
servers do. Every test ends by checking the commands courriel sent
(tests/bed/commands.py): none needs an extension.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.bed.commands import commands, unannounced
from tests.bed.dovecot import User
from tests.conftest import Bed, _bed_fixture
from tests.mail_helpers import raw_client, server_snapshot
from tests.test_app_server import reader_text
from tests.test_mailbox_server import Run, mail, make_folder, running
from tui import session
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
