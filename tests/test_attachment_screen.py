"""One attachment from the reader (#20): `p` lists them, Entrée reads one as text in
the terminal, `s` saves it alone (asking before replacing), `o` opens the system's
viewer only where there is a display, on a private copy."""

from __future__ import annotations

import os
import stat
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from tests import attachment_samples as samples
from tests.app_helpers import demo_app
from tests.test_reader_gaps import UID, add_message
from tui.app import CourrielApp
from tui.core.mail import attachment_open
from tui.screens.attachment_picker import AttachmentPicker
from tui.screens.attachment_text import AttachmentTextScreen
from tui.screens.choice import Choice
from tui.screens.mailbox import MailboxScreen
from tui.screens.save_attachments import SaveAttachments

HOSTILE_NAME = "[@click=app.quit]circulaire[/].pdf"


def with_attachments(*files: tuple[str, str, bytes]) -> bytes:
    message = EmailMessage()
    message["From"] = "Claire Martin <claire.martin@ac-dijon.fr>"
    message["To"] = "marie.durand@ac-dijon.fr"
    message["Subject"] = "Documents de la réunion"
    message["Date"] = "Mon, 23 Nov 2026 13:29:00 +0000"
    message["Message-ID"] = "<documents@ac-dijon.fr>"
    message.set_content("Vous trouverez les documents ci-joints.")
    for name, content_type, data in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


PDF = samples.pdf(["Circulaire de rentrée 2026", "Les inscriptions ferment le 4 septembre."])
DOCX = samples.docx(["Compte rendu du conseil", "Présents : 12"])
MESSAGE = with_attachments(
    (HOSTILE_NAME, "application/pdf", PDF),
    ("compte-rendu.docx", "application/octet-stream", DOCX),
    ("lanceur.desktop", "application/x-desktop", b"[Desktop Entry]\nExec=rm -rf ~\n"),
)


async def open_picker(app: CourrielApp, pilot: Pilot[None]) -> AttachmentPicker:
    """The message of `with_app` opened, and `p` pressed."""
    screen = app.screen
    assert isinstance(screen, MailboxScreen)
    assert screen.messages.selected_uid == UID
    await pilot.press("enter", "p")
    await pilot.pause()
    picker = app.screen
    assert isinstance(picker, AttachmentPicker)
    return picker


async def wait_for_text(app: App[None], pilot: Pilot[None]) -> AttachmentTextScreen:
    screen = app.screen
    assert isinstance(screen, AttachmentTextScreen)
    for _ in range(400):  # the child process: start-up and reading, a few seconds at most
        if screen.done:
            break
        await pilot.pause(0.05)
    assert screen.done
    await pilot.pause()
    return screen


def frame_text(app: App[None]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # type: ignore[attr-defined]


async def test_a_pdf_attachment_is_read_as_text_in_the_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, MESSAGE, with_body=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_picker(app, pilot)
            listed = frame_text(app)
            assert "1. " + HOSTILE_NAME in listed and "2. compte-rendu.docx" in listed
            # A click on the hostile name chooses it; the name's « action » never runs.
            await pilot.click("AttachmentPicker OptionList", offset=(10, 1))
            await pilot.pause()
            assert app.is_running
            screen = await wait_for_text(app, pilot)
            text = screen.text
            assert HOSTILE_NAME in text  # the name as sent, plain text
            assert "── Page 1 sur 2 ──" in text
            assert "Circulaire de rentrée 2026" in text
            assert "Les inscriptions ferment le 4 septembre." in text
            assert "Circulaire de rentrée 2026" in frame_text(app)
            await pilot.press("space", "j", "k")  # it scrolls as a message does
            await pilot.press("escape")
            assert isinstance(app.screen, MailboxScreen)


async def test_a_docx_attachment_is_read_with_its_number(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, MESSAGE, with_body=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_picker(app, pilot)
            await pilot.press("2", "enter")
            screen = await wait_for_text(app, pilot)
            assert "Compte rendu du conseil\nPrésents : 12" in screen.text
            assert screen.attachment.filename == "compte-rendu.docx"


async def test_an_attachment_that_cannot_be_read_as_text_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, MESSAGE, with_body=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_picker(app, pilot)
            await pilot.press("3", "enter")
            screen = await wait_for_text(app, pilot)
            assert "ne peut pas être lu comme texte" in screen.text


async def test_a_broken_pdf_gives_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = with_attachments(("abime.pdf", "application/pdf", b"%PDF-1.7\n\x00\xff rien"))
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, broken, with_body=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter", "p", "enter")
            screen = await wait_for_text(app, pilot)
            assert "« abime.pdf » est illisible" in screen.text
            assert app.is_running


async def test_saving_one_attachment_asks_before_replacing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "Téléchargements"
    monkeypatch.setattr("tui.screens.save_attachments.default_folder", lambda: folder)
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, MESSAGE, with_body=True)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await open_picker(app, pilot)
            await pilot.press("2", "s")
            await pilot.pause()
            assert isinstance(app.screen, SaveAttachments)
            await pilot.press("enter")
            await pilot.pause()
            assert (folder / "compte-rendu.docx").read_bytes() == DOCX
            assert sorted(p.name for p in folder.iterdir()) == ["compte-rendu.docx"]

            # Again: the name is taken, so courriel asks.
            await pilot.press("p", "2", "s")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Choice)
            await pilot.press("enter")  # « Garder les deux »
            await pilot.pause()
            assert sorted(p.name for p in folder.iterdir()) == [
                "compte-rendu (1).docx",
                "compte-rendu.docx",
            ]
            (folder / "compte-rendu.docx").write_bytes(b"ancien")
            await pilot.press("p", "2", "s")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("right", "enter")  # « Remplacer »
            await pilot.pause()
            assert (folder / "compte-rendu.docx").read_bytes() == DOCX
            assert len(list(folder.iterdir())) == 2


async def test_without_a_display_the_viewer_is_not_run_and_text_is_offered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran = fake_xdg_open(monkeypatch, tmp_path)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, MESSAGE, with_body=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_picker(app, pilot)
            await pilot.press("o")
            await pilot.pause()
            assert isinstance(app.screen, Choice)
            assert "Pas d'affichage graphique" in frame_text(app)
            await pilot.press("enter")  # « Lire en texte »
            screen = await wait_for_text(app, pilot)
            assert "Circulaire de rentrée 2026" in screen.text
    assert not ran.exists()


async def test_with_a_display_the_viewer_gets_a_private_copy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran = fake_xdg_open(monkeypatch, tmp_path)
    monkeypatch.setenv("DISPLAY", ":0")
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, MESSAGE, with_body=True)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await open_picker(app, pilot)
            await pilot.press("o")
            for _ in range(200):
                if ran.exists() and ran.read_text():
                    break
                await pilot.pause(0.05)
            [argument] = ran.read_text().splitlines()
            path = Path(argument)
            assert path.name == "pdf.pdf"  # saved as « ].pdf »: letters and digits only
            assert path.read_bytes() == PDF
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

            # A .desktop file is never handed to the viewer.
            ran.unlink()
            await pilot.press("p", "3", "o")
            await pilot.pause(0.3)
            assert not ran.exists()
            assert isinstance(app.screen, MailboxScreen)
    attachment_open._forget_all()
    assert not path.exists()


def fake_xdg_open(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An xdg-open on PATH that writes its arguments, one a line, to a file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ran = tmp_path / "xdg-open-ran"
    script = bin_dir / "xdg-open"
    script.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "{ran}"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return ran


@pytest.mark.parametrize(
    ("number", "size"),
    [("1", (80, 24)), ("1", (120, 40)), ("2", (80, 24))],
    ids=["pdf-80x24", "pdf-120x40", "docx-80x24"],
)
def test_snapshot_attachment_as_text(
    snap_compare: Any, monkeypatch: pytest.MonkeyPatch, number: str, size: tuple[int, int]
) -> None:
    """The PDF (two pages) and the DOCX as a teacher sees them over SSH."""

    async def read(pilot: Pilot[None]) -> None:
        await pilot.press("enter", "p", number, "enter")
        await wait_for_text(pilot.app, pilot)

    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, MESSAGE, with_body=True)
        assert snap_compare(app, terminal_size=size, run_before=read)
