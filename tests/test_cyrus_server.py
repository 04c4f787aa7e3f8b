"""courriel against a real Cyrus IMAP 3.6 (issue #16, item 3), as a user drives it.

Cyrus is not Dovecot: its own defaults put folders beside INBOX with « / » as separator
(altnamespace and unixhierarchysep, both on since 3.0), it writes special-use attributes
in lower case (« \\trash »), names its special folders as its administrator chose (here
« Sent », « Drafts », « Trash », « Spam », « Archive », made with each INBOX and flagged
by its `xlist-*` options), and answers with its own texts. Each app test ends by
checking, in Cyrus's telemetry log, that no command courriel sent was refused (NO/BAD).

One Cyrus and one SMTP bed serve the whole session (tests/bed/cyrus.py); every test
has its own fresh account on them. Cyrus is fetched and unpacked on demand; where it
cannot run the tests are skipped with the reason (see scripts/system-deps-cyrus).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

import pytest
from imapclient import IMAPClient

from tests import mail_helpers, test_mailbox_server
from tests.bed.commands import OBSERVER_MARK
from tests.bed.cyrus import SPECIAL_FOLDERS, Cyrus, parse_telemetry, require_cyrus
from tests.bed.dovecot import User
from tests.conftest import Bed, bed_root, start_cyrus_bed
from tests.mail_helpers import BedTrust, message, server_snapshot, snapshot
from tests.test_app_server import reader_text
from tests.test_mailbox_server import Run, mail, make_folder, running, search
from tui import session
from tui.core.account.sync import SyncEngine
from tui.core.errors import AuthError
from tui.core.net.imap import ImapConnection
from tui.screens.folder_picker import FolderPicker
from tui.screens.mailbox import MailboxScreen
from tui.widgets.folder_list import FolderList

pytestmark = pytest.mark.server


def _cyrus_bed(
    name: str, *, altnamespace: bool | None = None, unixhierarchysep: bool | None = None
) -> Iterator[Bed]:
    require_cyrus()
    root = bed_root(name)
    bed = start_cyrus_bed(root, altnamespace=altnamespace, unixhierarchysep=unixhierarchysep)
    try:
        yield bed
    finally:
        bed.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def cyrus_bed() -> Iterator[Bed]:
    """Cyrus with its own defaults: folders beside INBOX, « / » as separator."""
    yield from _cyrus_bed("cyrus")


@pytest.fixture(scope="session")
def cyrus_debian_bed() -> Iterator[Bed]:
    """Cyrus as Debian's imapd.conf sets it: folders under « INBOX. », « . » as separator.
    There a userid may not hold a dot: « prenom.nom » logs in to an INBOX it cannot list
    (Cyrus's limit, not courriel's), so only the bed's « agentN » users are used."""
    yield from _cyrus_bed("cyrus-debian", altnamespace=False, unixhierarchysep=False)


def cyrus_of(bed: Bed) -> Cyrus:
    return cast(Cyrus, bed.dovecot)


@pytest.fixture(autouse=True)
def _short_undo_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flags and moves wait for the undo window; a short one keeps these tests quick."""
    monkeypatch.setattr(session, "UNDO_SECONDS", 0.2)


@pytest.fixture(autouse=True)
def _webmail_sessions_marked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's own client (`raw_client`, behind `Run.server` and `make_folder`) marks
    its sessions, as it does on the bare bed, so that Cyrus.commands holds courriel's
    alone."""
    real = mail_helpers.raw_client

    def marked(bed: Bed, user: User) -> IMAPClient:
        client = real(bed, user)
        client.list_sub_folders("", OBSERVER_MARK)
        return client

    monkeypatch.setattr(mail_helpers, "raw_client", marked)
    monkeypatch.setattr(test_mailbox_server, "raw_client", marked)


@asynccontextmanager
async def on_cyrus(
    cyrus_bed: Bed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    *,
    before: Callable[[Bed, User], None] | None = None,
    settings: dict[str, dict[str, object]] | None = None,
    inbox: int | None = None,
) -> AsyncIterator[Run]:
    """The app on a fresh Cyrus account; afterwards, Cyrus refused none of its commands."""
    async with running(
        cyrus_bed, tmp_path, monkeypatch, count, before=before, settings=settings, inbox=inbox
    ) as run:
        yield run
    cyrus = cyrus_of(cyrus_bed)
    assert cyrus.commands(run.user.username), "no session of courriel's was logged"
    assert cyrus.rejected(run.user.username) == []


def test_login_with_the_short_username_and_a_wrong_password_is_refused(
    cyrus_bed: Bed,
) -> None:
    """« prenom.nom » as typed, a dot in it: Cyrus's userid is exactly that (its sessions
    are logged under that name), and its sasldb really checks the password."""
    user, cyrus = cyrus_bed.user, cyrus_of(cyrus_bed)
    wrong = ImapConnection("localhost", cyrus.port, user.username, "faux", BedTrust(cyrus_bed))
    with pytest.raises(AuthError):
        wrong.connect()
    conn = ImapConnection(
        "localhost", cyrus.port, user.username, user.password, BedTrust(cyrus_bed)
    )
    conn.connect()
    offered = conn.offered()
    for name in ("CONDSTORE", "ENABLE", "IDLE", "MOVE", "UIDPLUS", "QUOTA", "SPECIAL-USE"):
        assert offered[name], name
    folders = {folder.name: folder.delimiter for folder in conn.list_folders()}
    conn.close()
    assert folders == dict.fromkeys(["INBOX", *SPECIAL_FOLDERS], "/")
    assert cyrus.logins(user.username) == 1


async def test_inbox_lists_a_message_opens_and_read_reaches_the_server(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 3) as run:
        cache = run.app.account.cache
        uses = ("sent", "drafts", "trash", "junk", "archive")
        found = {use: cache.special_folder(use) for use in uses}
        # Cyrus's lower-case « \junk » on « Spam »: found by its flag, not its name.
        assert found == {use: name for name, use in SPECIAL_FOLDERS.items()}
        assert run.subject() == "Sujet 3"  # newest first
        assert await run.line_with("Sujet 1") is not None
        await run.pilot.press("enter")
        await run.wait(lambda: "Corps 3." in reader_text(run.mailbox))
        await run.pilot.press("escape")
        await run.wait(lambda: "\\Seen" in run.server()["Sujet 3"])
        assert "\\Seen" not in run.server()["Sujet 2"]


async def test_delete_undo_then_delete_reaches_the_trash(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 3) as run:
        monkeypatch.setattr(session, "UNDO_SECONDS", 60)  # no race between d and u
        await run.pilot.press("d")  # « Sujet 3 »
        assert run.messages.total == 2
        await run.pilot.press("u")
        assert run.messages.total == 3 and run.subject() == "Sujet 3"
        assert set(run.server()) == {"Sujet 1", "Sujet 2", "Sujet 3"}  # nothing was sent

        monkeypatch.setattr(session, "UNDO_SECONDS", 0.2)
        await run.pilot.press("d")
        await run.wait(lambda: "Sujet 3" in run.server("Trash"))
        await run.wait(lambda: set(run.server()) == {"Sujet 1", "Sujet 2"})
    sent = cyrus_of(cyrus_bed).commands(run.user.username)
    assert any(" UID MOVE " in f" {text} " for text in sent)  # Cyrus offers MOVE


async def test_move_to_a_folder_with_an_accented_name(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = "Réunions d'été"  # modified UTF-7 on the wire
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 3, before=make_folder(folder)) as run:
        await run.pilot.press("j", "m")  # « Sujet 2 »
        await run.wait(lambda: isinstance(run.app.screen, FolderPicker))
        picker = run.app.screen.query_one(FolderList)
        await run.pilot.press("end")  # the special folders first, then the user's own
        assert picker.folder_at(picker.highlighted) == folder
        assert picker.label_of(folder) == folder
        await run.pilot.press("enter")
        await run.wait(lambda: isinstance(run.app.screen, MailboxScreen))
        await run.wait(lambda: "Sujet 2" in run.server(folder))
        assert set(run.server()) == {"Sujet 1", "Sujet 3"}


async def test_the_folder_tree_follows_the_slash_separator(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """« Projets/Erasmus » is Erasmus under Projets, and opens as itself."""

    def tree(bed: Bed, user: User) -> None:
        make_folder("Projets")(bed, user)
        # Encoded: Cyrus turns raw 8-bit header bytes into « X » (its munge8bit default).
        subject = "=?utf-8?q?Mobilit=C3=A9?="
        make_folder("Projets/Erasmus", mail(subject, "Dossier.", 1))(bed, user)

    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 2, before=tree) as run:
        await run.pilot.press("b")  # the folder pane
        pane = run.mailbox.query_one(FolderList)
        entries = [(e.name, e.label, e.depth) for e in pane._entries]
        assert entries[-2:] == [("Projets", "Projets", 0), ("Projets/Erasmus", "Erasmus", 1)]
        lines = await run.screen()
        assert any("  Erasmus" in line and "Projets" not in line for line in lines)
        await run.pilot.press("end", "enter")  # open Erasmus
        await run.wait(lambda: run.mailbox.folder == "Projets/Erasmus")
        await run.wait(lambda: run.messages.total == 1)
        assert run.subject() == "Mobilité"


async def test_a_sent_message_reaches_the_recipient_and_the_sent_folder(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import Input, TextArea

    from tui.screens.certificate import CertificatePrompt
    from tui.screens.compose import ComposeScreen

    recipient = cyrus_bed.new_user()
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 1) as run:
        await run.pilot.press("c")
        await run.wait(lambda: isinstance(run.app.screen, ComposeScreen))
        compose = run.app.screen
        compose.query_one("#to", Input).value = recipient.email
        compose.query_one("#subject", Input).value = "Sortie au musée"
        compose.query_one("#body", TextArea).text = "Départ à 8 h 30.\n"
        await run.pilot.press("ctrl+s")
        await run.wait(lambda: isinstance(run.app.screen, CertificatePrompt), 20)
        await run.pilot.press("t")  # the sending server's certificate, first time
        await run.wait(lambda: any("Sortie au" in s for s in run.server("Sent")), 20)
        assert list(run.server("Sent").values()) == [("\\Seen",)]
        with mail_helpers.raw_client(cyrus_bed, recipient) as client:  # delivered by Cyrus's lmtpd
            client.select_folder("INBOX", readonly=True)
            assert len(client.search(["SUBJECT", "Sortie"])) == 1


async def test_new_mail_shows_after_sync_now(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 2) as run:
        cyrus_of(cyrus_bed).deliver(run.user.username, mail("Conseil de classe", "Jeudi.", 9))
        await run.pilot.press("f5")
        await run.wait(lambda: run.messages.total == 3)
        assert await run.line_with("Conseil de classe") is not None


async def test_new_mail_is_pushed_by_idle(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cyrus without its idled polls the mailbox during IDLE (every second here)."""
    settings: dict[str, dict[str, object]] = {"sync": {"idle": True}}
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 1, settings=settings) as run:

        def idling() -> bool:
            idle = run.app.session.idle if run.app.session else None
            return idle is not None and idle.idling.is_set()

        await run.wait(idling)
        cyrus_of(cyrus_bed).deliver(run.user.username, mail("Conseil de classe", "Jeudi.", 9))
        await run.wait(lambda: run.messages.total == 2)


async def test_debian_namespace_puts_the_folders_under_inbox(
    cyrus_debian_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """« INBOX.Projets » shows as « Projets » at the top of the tree; the special folders
    are found by their flags; a deletion lands in « INBOX.Trash »."""
    bed = cyrus_debian_bed
    assert cyrus_of(bed).prefix == "INBOX."
    before = make_folder("INBOX.Projets.Erasmus")
    async with on_cyrus(bed, tmp_path, monkeypatch, 2, before=before) as run:
        cache = run.app.account.cache
        assert cache.special_folder("trash") == "INBOX.Trash"
        assert cache.special_folder("junk") == "INBOX.Spam"
        await run.pilot.press("b")
        pane = run.mailbox.query_one(FolderList)
        entries = [(e.label, e.depth) for e in pane._entries]
        assert entries[-2:] == [("Projets", 0), ("Erasmus", 1)]
        await run.pilot.press("escape")  # back to the list
        await run.pilot.press("d")
        await run.wait(lambda: "Sujet 2" in run.server("INBOX.Trash"))


# --- the scenarios every server of the matrix runs (issue #16) -------------------------


async def open_folder(run: Run, folder: str) -> None:
    """The folder pane (b), down to `folder`, Enter: as a user opens it."""
    await run.pilot.press("b")
    pane = run.mailbox.query_one(FolderList)
    index = [entry.name for entry in pane._entries].index(folder)
    await run.pilot.press("home", *["down"] * index, "enter")
    await run.wait(lambda: run.mailbox.folder == folder)


def listed(run: Run) -> dict[str, frozenset[str]]:
    """Subject → flags of every row the message list shows (scrolled into view or not)."""
    rows = (run.messages.row(i) for i in range(run.messages.total))
    return {row.subject: row.flags for row in rows if row is not None}


def deliver(*messages: bytes) -> Callable[[Bed, User], None]:
    """`messages` delivered by Cyrus's lmtpd, as mail arrives, before the app starts."""

    def arrive(bed: Bed, user: User) -> None:
        for raw in messages:
            cyrus_of(bed).deliver(user.username, raw)

    return arrive


async def test_a_large_inbox_shows_its_newest_page_first_then_fills_in(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300 messages: the newest 100 are listed at once, « Message 300 » on top, the
    status bar already counting 300; the older ones come in behind until G reaches
    « Message 1 » and the cache holds the server's 300, flags and all."""
    gate = threading.Event()  # the backfill waits: what the first page alone shows
    backfill_step = SyncEngine.backfill_step

    def held(self: SyncEngine, folder: str) -> bool:
        gate.wait(30)
        return backfill_step(self, folder)

    monkeypatch.setattr(SyncEngine, "backfill_step", held)
    arrived = deliver(*(message(n) for n in range(1, 301)))
    try:
        async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 0, before=arrived, inbox=100) as run:
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
            assert snapshot(cache) == server_snapshot(cyrus_bed, run.user)
            assert cache.summary("INBOX", 1) is not None
    finally:
        gate.set()  # never left waiting after a failure


async def test_changes_made_by_another_client_show_after_sync_now(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The webmail flags one message, marks a read one unread, purges one and moves one
    to « Projets »: after F5 the list, its markers and the counts say so."""

    def read_and_projets(bed: Bed, user: User) -> None:
        make_folder("Projets")(bed, user)
        with mail_helpers.raw_client(bed, user) as client:
            client.select_folder("INBOX")
            client.add_flags(client.search(["SUBJECT", "Sujet 3"]), [b"\\Seen"], silent=True)

    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 4, before=read_and_projets) as run:
        line = await run.line_with("Sujet 3")
        assert line is not None and not line.startswith("N")
        uids = {subject: uid for uid, subject, _f in server_snapshot(cyrus_bed, run.user)}
        with mail_helpers.raw_client(cyrus_bed, run.user) as webmail:
            webmail.select_folder("INBOX")
            webmail.add_flags([uids["Sujet 2"]], [b"\\Flagged"], silent=True)
            webmail.remove_flags([uids["Sujet 3"]], [b"\\Seen"], silent=True)
            webmail.delete_messages([uids["Sujet 1"]], silent=True)
            webmail.expunge()
            webmail.move([uids["Sujet 4"]], "Projets")
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
        await open_folder(run, "Projets")
        await run.wait(lambda: run.messages.total == 1)
        assert run.subject() == "Sujet 4"


async def test_a_folder_recreated_elsewhere_shows_its_new_messages_not_the_old(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """« Projets » deleted and made again by the webmail, with as many messages under the
    same UIDs: a new UIDVALIDITY, and after F5 the list shows only the new ones."""
    old = make_folder("Projets", mail("Ancien 1", "Vieux.", 1), mail("Ancien 2", "Vieux.", 2))
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 1, before=old) as run:
        await open_folder(run, "Projets")
        await run.wait(lambda: run.messages.total == 2)
        assert await run.line_with("Ancien 2") is not None
        with mail_helpers.raw_client(cyrus_bed, run.user) as webmail:
            before = webmail.select_folder("Projets", readonly=True)[b"UIDVALIDITY"]
            webmail.unselect_folder()
            webmail.delete_folder("Projets")
            webmail.create_folder("Projets")
            for n in (1, 2):
                webmail.append("Projets", mail(f"Nouveau {n}", "Neuf.", n))
            after = webmail.select_folder("Projets", readonly=True)[b"UIDVALIDITY"]
        assert after != before
        assert [uid for uid, _s, _f in server_snapshot(cyrus_bed, run.user, "Projets")] == [1, 2]
        await run.pilot.press("f5")
        await run.wait(lambda: set(listed(run)) == {"Nouveau 1", "Nouveau 2"})
        assert run.subject() == "Nouveau 2"
        assert await run.line_with("Nouveau 1") is not None
        assert await run.line_with("Ancien 1") is None and await run.line_with("Ancien 2") is None
        cache = run.app.account.cache
        assert {s.subject for s in cache.page("Projets", 0, 10)} == {"Nouveau 1", "Nouveau 2"}
        await run.pilot.press("enter")  # the body is the new message's, not a stale one
        await run.wait(lambda: "Neuf." in reader_text(run.mailbox))


async def test_archive_goes_to_the_archive_folder(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A: the message leaves the list and lands in « Archive », Cyrus's \\archive folder,
    where the user finds it."""
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 3) as run:
        await run.pilot.press("A")  # « Sujet 3 »
        assert run.messages.total == 2
        assert await run.line_with("Sujet 3") is None
        assert any("Message archivé" in n.message for n in run.app._notifications)
        await run.wait(lambda: "Sujet 3" in run.server("Archive"))
        assert set(run.server()) == {"Sujet 1", "Sujet 2"}
        await open_folder(run, "Archive")
        await run.wait(lambda: run.messages.total == 1)
        assert run.subject() == "Sujet 3"


async def save_draft_twice(run: Run, drafts: str) -> None:
    """Compose, Ctrl+G, change it, Ctrl+G again: `drafts` holds the second copy only."""
    from textual.widgets import Input, TextArea

    from tui.screens.compose import ComposeScreen

    await run.pilot.press("c")
    await run.wait(lambda: isinstance(run.app.screen, ComposeScreen))
    compose = run.app.screen
    compose.query_one("#to", Input).value = "collegue@ac-dijon.fr"
    compose.query_one("#subject", Input).value = "Projet Erasmus"
    compose.query_one("#body", TextArea).text = "Premier jet.\n"
    await run.pilot.press("ctrl+g")
    await run.wait(lambda: "Projet Erasmus" in run.server(drafts))
    assert run.server(drafts)["Projet Erasmus"] == ("\\Draft", "\\Seen")

    compose.query_one("#subject", Input).value = "Projet Erasmus, version 2"
    compose.query_one("#body", TextArea).text = "Deuxième jet.\n"
    await run.pilot.press("ctrl+g")
    await run.wait(lambda: list(run.server(drafts)) == ["Projet Erasmus, version 2"])
    assert any(f"dans « {drafts} »" in n.message for n in run.app._notifications)


async def test_a_draft_saved_to_the_server_lands_in_drafts_and_is_replaced(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+G twice: « Drafts » holds one copy, the second one, flagged \\Draft."""
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 1) as run:
        await save_draft_twice(run, "Drafts")
        with mail_helpers.raw_client(cyrus_bed, run.user) as client:
            client.select_folder("Drafts", readonly=True)
            fetched = client.fetch(client.search("ALL"), ["BODY.PEEK[TEXT]"])
        ((data,),) = [fetched.values()]
        assert b"Deuxi" in data[b"BODY[TEXT]"] and b"Premier" not in data[b"BODY[TEXT]"]


async def test_search_finds_a_word_only_the_server_has(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bodies are not cached: « inspection » in a body, and « élèves » (accented, sent
    as UTF-8), are found by Cyrus's SEARCH; the subject match by the cache."""
    arrived = deliver(
        mail("Cantine", "Menus de la semaine.", 0),
        # Encoded: Cyrus turns raw 8-bit header bytes into « X » (its munge8bit default).
        mail("=?utf-8?q?R=C3=A9union?=", "Visite d'inspection jeudi.", 1),
        mail("Inspection", "Là.", 2),
        mail("Sortie", "Les élèves partent à 8 h.", 3),
    )
    async with on_cyrus(cyrus_bed, tmp_path, monkeypatch, 0, before=arrived, inbox=4) as run:
        await search(run, "inspection", 2)
        subjects = {run.messages.row(i).subject for i in range(2)}  # type: ignore[union-attr]
        assert subjects == {"Réunion", "Inspection"}
        await run.pilot.press("escape")
        await run.wait(lambda: run.messages.total == 4)
        await search(run, "élèves", 1)
        assert run.subject() == "Sortie"
        assert any("1 résultat pour « élèves »" in line for line in await run.screen())
    sent = cyrus_of(cyrus_bed).commands(run.user.username)
    assert any("SEARCH CHARSET UTF-8 TEXT" in text for text in sent)


def test_doctor_names_cyrus_and_finds_no_extension_missing(
    cyrus_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`courriel doctor` passes every step, names the server from its ID answer, and
    has no « sans … » to print: Cyrus offers every extension courriel uses."""
    from tests.test_doctor import _ca_file, config_for, doctor
    from tui.core.i18n import set_language

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    certificates = _ca_file(tmp_path, cyrus_of(cyrus_bed).cert, cyrus_bed.smtp.cert)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates))
    set_language("fr")
    user = cyrus_bed.new_user()
    code, text = doctor(config_for(cyrus_bed, tmp_path, user))
    assert code == 0, text
    assert "« agent" in text and " · Cyrus IMAPD 3.6." in text
    # Cyrus offers QUOTA but sets no limit on a new mailbox: not « n'annonce pas ».
    assert "dossiers ; pas de limite de taille sur cette boîte" in text
    assert " ; sans " not in text
    cyrus = cyrus_of(cyrus_bed)
    assert cyrus.commands(user.username) and cyrus.rejected(user.username) == []


async def test_debian_namespace_archives_and_saves_drafts_under_inbox(
    cyrus_debian_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every folder under « INBOX. »: A files into « INBOX.Archive » and Ctrl+G into
    « INBOX.Drafts », each found by its flag, the second save replacing the first."""
    async with on_cyrus(cyrus_debian_bed, tmp_path, monkeypatch, 2) as run:
        await run.pilot.press("A")  # « Sujet 2 »
        await run.wait(lambda: "Sujet 2" in run.server("INBOX.Archive"))
        assert set(run.server()) == {"Sujet 1"}
        await save_draft_twice(run, "INBOX.Drafts")


def test_the_telemetry_parser_splits_sessions_and_sides() -> None:
    """tests/bed/cyrus.py's reading of Cyrus's log: one file, two sessions one after the
    other, a literal skipped, a refusal paired with its command."""
    log = (
        b"---------- agent1 Sat Dec  5 14:07:51 2026\n\n"
        b">1796479671>A1 OK [CAPABILITY IMAP4rev1] User logged in\r\n"
        b"<1796479671<A2 APPEND INBOX {12}\r\n"
        b">1796479671>+ go ahead\r\n"
        b"<1796479672<A3 NO abcd\r\n\r\n"  # the 12 bytes of the literal, then the end
        b">1796479672>A2 OK [APPENDUID 1 1] Completed\r\n"
        b"<1796479672<A4 SELECT Nope\r\n>1796479672>A4 NO Mailbox does not exist\r\n"
        b"---------- agent1 Sat Dec  5 14:08:01 2026\n\n"
        b"<1796479681<B2 LOGOUT\r\n>1796479681>* BYE\r\nB2 OK Completed\r\n"
    )
    first, second = parse_telemetry(log)
    assert first.commands() == ["A2 APPEND INBOX {12}", "A4 SELECT Nope"]
    assert first.rejected() == [("A4 SELECT Nope", "A4 NO Mailbox does not exist")]
    assert second.commands() == ["B2 LOGOUT"] and second.rejected() == []
