"""Creating, renaming and deleting folders (#19), from the folder pane, the palette's
actions and `m`, against the real Dovecot; the server's state is read back over IMAP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.mail_helpers import raw_client
from tests.test_mailbox_server import Run, mail, make_folder, running
from tui.core.account.folder_names import name_problem, personal_prefix
from tui.core.account.folders import refused
from tui.core.store.records import FolderRow
from tui.screens.choice import Choice
from tui.screens.folder_name import FolderName
from tui.screens.folder_picker import FolderPicker
from tui.widgets.folder_list import FolderList

pytestmark = pytest.mark.server


def server_folders(run: Run) -> set[str]:
    with raw_client(run.bed, run.user) as client:
        return {name for _flags, _sep, name in client.list_folders()}


async def open_folder_pane(run: Run, folder: str | None = None) -> FolderList:
    await run.pilot.press("b")
    pane = run.mailbox.query_one(FolderList)
    if folder is not None:
        names = [pane.folder_at(i) for i in range(pane.option_count)]
        pane.highlighted = names.index(folder)
    await run.pilot.pause()
    return pane


async def type_name(run: Run, name: str, *, clear: bool = True) -> None:
    await run.wait(lambda: isinstance(run.app.screen, FolderName))
    if clear:
        await run.pilot.press("ctrl+a", "ctrl+k")  # select_on_focus: start empty anyway
    for char in name:
        await run.pilot.press(char if char != " " else "space")
    await run.pilot.press("enter")


async def test_create_a_folder_with_accents_from_the_pane(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 3) as run:
        await open_folder_pane(run)
        await run.pilot.press("n")
        await type_name(run, "Élèves 2026")
        await run.wait(lambda: "Élèves 2026" in server_folders(run))
        pane = run.mailbox.query_one(FolderList)
        await run.wait(lambda: pane.label_of("Élèves 2026") == "Élèves 2026")
        assert "Élèves 2026" in [f.name for f in run.mailbox.account.cache.folders()]
        # Modified UTF-7 on the wire: another client sees the same name.
        with raw_client(run.bed, run.user) as client:
            client.select_folder("Élèves 2026")


async def test_a_subfolder_uses_the_server_separator(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 1) as run:
        separator = run.mailbox.account.cache.folders()[0].delimiter
        await open_folder_pane(run)
        await run.pilot.press("n")
        await type_name(run, f"Projets{separator}Conseil")
        await run.wait(lambda: f"Projets{separator}Conseil" in server_folders(run))


async def test_a_taken_name_is_refused_before_asking_the_server(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 1, before=make_folder("Projets")) as run:
        await open_folder_pane(run)
        await run.pilot.press("n")
        await type_name(run, "projets")
        prompt = run.app.screen
        assert isinstance(prompt, FolderName)  # still open, with the reason
        problem = str(prompt.query_one("#folder-name-problem").render())
        assert "existe déjà" in problem
        await run.pilot.press("escape")
        assert not isinstance(run.app.screen, FolderName)


async def test_rename_the_folder_shown_and_keep_showing_it(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = make_folder("Projets", mail("Réunion", "texte", 1), mail("Sortie", "texte", 2))
    async with running(bed, tmp_path, monkeypatch, 1, before=before) as run:
        run.mailbox.show_folder("Projets")
        await run.wait(lambda: run.messages.total == 2)
        await open_folder_pane(run, "Projets")
        await run.pilot.press("R")
        await type_name(run, "Conseil école")
        await run.wait(lambda: "Conseil école" in server_folders(run))
        assert "Projets" not in server_folders(run)
        await run.wait(lambda: run.mailbox.folder == "Conseil école")
        await run.wait(lambda: run.messages.total == 2)
        assert run.server("Conseil école").keys() == {"Réunion", "Sortie"}


async def test_delete_a_folder_after_the_question_then_back_to_the_inbox(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = make_folder("Ancien", mail("Vieux", "texte", 1), mail("Très vieux", "texte", 2))
    async with running(bed, tmp_path, monkeypatch, 1, before=before) as run:
        run.mailbox.show_folder("Ancien")
        await run.wait(lambda: run.messages.total == 2)
        await open_folder_pane(run, "Ancien")
        await run.pilot.press("delete")
        await run.wait(lambda: isinstance(run.app.screen, Choice))
        question = run.app.screen
        assert isinstance(question, Choice) and "(2 messages)" in question.text
        await run.pilot.press("enter")  # « Annuler » has the focus: nothing happens
        assert "Ancien" in server_folders(run)
        await run.pilot.press("delete")
        await run.wait(lambda: isinstance(run.app.screen, Choice))
        await run.pilot.press("right", "enter")
        await run.wait(lambda: "Ancien" not in server_folders(run))
        await run.wait(lambda: run.mailbox.folder == "INBOX")
        assert "Ancien" not in [f.name for f in run.mailbox.account.cache.folders()]


async def test_special_folders_are_never_renamed_or_deleted(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 1) as run:
        trash = run.mailbox.account.cache.special_folder("trash")
        assert trash is not None
        for folder, key in (("INBOX", "R"), ("INBOX", "delete"), (trash, "delete")):
            await open_folder_pane(run, folder)
            await run.pilot.press(key)
            await run.pilot.pause()
            assert not isinstance(run.app.screen, (Choice, FolderName))
            await run.pilot.press("escape")
        assert {"INBOX", trash} <= server_folders(run)


async def test_m_then_n_creates_a_folder_and_moves_the_message_into_it(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 3) as run:
        subject = run.subject()
        await run.pilot.press("m")
        await run.wait(lambda: isinstance(run.app.screen, FolderPicker))
        await run.pilot.press("n")
        await type_name(run, "Administration")
        await run.wait(lambda: subject in run.server("Administration"), timeout=20)
        assert subject not in run.server("INBOX")


async def test_the_server_refusal_comes_with_its_reason(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder made by another client after the list was read: the local check passes,
    the server says ALREADYEXISTS, and the user reads why."""
    async with running(bed, tmp_path, monkeypatch, 1) as run:
        with raw_client(run.bed, run.user) as client:
            client.create_folder("Doublon")
        await open_folder_pane(run)
        await run.pilot.press("n")
        await type_name(run, "Doublon")
        await run.wait(
            lambda: any(
                "refusé de créer « Doublon »" in str(n.message) for n in run.app._notifications
            )
        )


def test_offline_says_so_at_once(bed: Bed, tmp_path: Path) -> None:
    """Never queued: a folder made later, when the user has moved on, would surprise."""
    from tests.test_worker import Events, make_worker
    from tui.core.account.contract import CommandFailed, CreateFolder, Offline, Stopped

    user = bed.new_user()
    events = Events()
    worker = make_worker(bed, user, tmp_path / "c.sqlite", events, backoff_start=30)
    worker.port = free_port()
    worker.start()
    events.wait_for(lambda e: isinstance(e, Offline))
    worker.submit(CreateFolder("Projets"))
    failed = events.wait_for(lambda e: isinstance(e, CommandFailed))
    assert isinstance(failed, CommandFailed) and "Hors ligne" in failed.error.message
    worker.stop()
    events.wait_for(lambda e: isinstance(e, Stopped))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- names, without a server -------------------------------------------------------------


def rows(*names: str, sep: str = "/") -> list[FolderRow]:
    return [FolderRow(name, sep, None, 0, 0, ()) for name in names]


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "vide"),
        ("   ", "vide"),
        ("a\nb", "retour à la ligne"),
        ("x" * 201, "trop long"),
        ("Projets*", "* et %"),
        ("Projets/", "Chaque niveau"),
        ("/Projets", "Chaque niveau"),
        ("Archives", "existe déjà"),
    ],
)
def test_names_the_server_could_not_take_are_explained(name: str, problem: str) -> None:
    found = name_problem(name, rows("INBOX", "Archives"), "/")
    assert found is not None and problem in found


def test_a_good_name_passes() -> None:
    assert name_problem("Élèves/2026", rows("INBOX", "Archives"), "/") is None


def test_new_folders_go_under_inbox_where_every_folder_does() -> None:
    assert personal_prefix(rows("INBOX", "INBOX.Sent", "INBOX.Trash", sep=".")) == "INBOX."
    assert personal_prefix(rows("INBOX", "Sent", "Trash")) == ""


def test_the_refusal_says_the_code_in_words() -> None:
    error = refused("create", "Doublon", "create failed: [ALREADYEXISTS] Mailbox exists")
    assert "ce nom existe déjà" in error.message and "Doublon" in error.message
