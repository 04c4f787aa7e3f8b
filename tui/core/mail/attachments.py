"""Saving attachments: only inside the folder the user chose, never overwriting silently.

The filename comes from the message and is hostile: it is reduced to a plain basename
(no separators, no `..`, no leading dot or dash, no control or reserved characters),
and the final path is resolved and checked to stay inside the folder — a symlink
planted in the folder cannot redirect the write either.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.mail.mime import Attachment
from tui.core.mail.sanitize import clean_line, safe_basename

__all__ = [
    "AttachmentExists",
    "AttachmentSaveError",
    "default_folder",
    "free_name",
    "safe_basename",
    "save_all",
    "save_attachment",
]


class AttachmentExists(MailError):
    """A file of that name is already in the folder: the UI asks before overwriting."""

    @property
    def title(self) -> str:
        return _("Fichier existant")

    def __init__(self, path: Path) -> None:
        super().__init__(_("Le fichier « {name} » existe déjà.").format(name=path.name))
        self.path = path


class AttachmentSaveError(MailError):
    """The attachment could not be written (folder missing, no permission, disk full)."""

    @property
    def title(self) -> str:
        return _("Enregistrement impossible")


def default_folder() -> Path:
    """The user's download folder (XDG_DOWNLOAD_DIR on Linux), as the default choice."""
    from platformdirs import user_downloads_dir

    return Path(user_downloads_dir())


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    if stem.lower().endswith(".tar"):  # archive.tar.gz -> archive (1).tar.gz
        return stem[:-4], ".tar." + ext
    return stem, "." + ext


def free_name(folder: Path, name: str) -> str:
    """`name`, or the first free « rapport (1).pdf », « rapport (2).pdf »… in `folder`."""
    name = safe_basename(name)
    if not (folder / name).exists() and not (folder / name).is_symlink():
        return name
    stem, ext = _split(name)
    for n in range(1, 10_000):
        candidate = f"{stem} ({n}){ext}"
        if not (folder / candidate).exists() and not (folder / candidate).is_symlink():
            return candidate
    raise AttachmentSaveError(_("Trop de fichiers portent ce nom dans ce dossier."))


def _target(folder: Path, name: str) -> Path:
    try:
        root = folder.expanduser().resolve(strict=True)
    except (OSError, RuntimeError) as error:
        raise AttachmentSaveError(
            _("Le dossier « {folder} » n'existe pas.").format(folder=clean_line(str(folder)))
        ) from error
    if not root.is_dir():
        raise AttachmentSaveError(
            _("« {folder} » n'est pas un dossier.").format(folder=clean_line(str(folder)))
        )
    target = root / safe_basename(name)
    # A basename has no separator, so its parent is the folder itself; a symlink of that
    # name is dealt with by the caller (never followed: O_NOFOLLOW).
    if target.parent != root or target.name in ("", ".", ".."):
        raise AttachmentSaveError(_("Nom de fichier refusé : il sortirait du dossier choisi."))
    return target


def save_attachment(att: Attachment, folder: Path, *, overwrite: bool = False) -> Path:
    """Write one attachment into `folder` and return its path.

    Raises AttachmentExists when the name is taken and `overwrite` is False, so the UI
    can ask (overwrite, or save under `free_name`), and AttachmentSaveError otherwise.
    """
    target = _target(folder, att.filename)
    if target.is_symlink():  # never follow a link planted in the folder
        if not overwrite:
            raise AttachmentExists(target)
        target.unlink()
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    flags |= os.O_TRUNC if overwrite else os.O_EXCL
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError as error:
        raise AttachmentExists(target) from error
    except OSError as error:
        raise AttachmentSaveError(
            _("Impossible d'écrire « {name} » : {reason}").format(
                name=target.name, reason=clean_line(error.strerror or str(error))
            )
        ) from error
    try:
        with os.fdopen(fd, "wb") as stream:
            _write_chunks(att, stream)
    except OSError as error:
        _remove_partial(target)
        raise AttachmentSaveError(
            _("Impossible d'écrire « {name} » : {reason}").format(
                name=target.name, reason=clean_line(error.strerror or str(error))
            )
        ) from error
    except _SourceGone as gone:
        _remove_partial(target)
        raise AttachmentSaveError(
            _(
                "La pièce jointe « {name} » n'a pas pu être relue : le message n'est plus "
                "dans le cache. Rouvrez-le, puis enregistrez à nouveau."
            ).format(name=target.name)
        ) from gone.__cause__
    return target


class _SourceGone(Exception):
    """The message the attachment is read from could not be read (evicted, removed)."""


def _write_chunks(att: Attachment, stream: BinaryIO) -> None:
    """Decode and write a chunk at a time: a 50 MB attachment is never whole in memory.

    A failure to read the message (not to write the file) is told apart: _SourceGone.
    """
    chunks = att.chunks()
    while True:
        try:
            chunk = next(chunks, None)
        except Exception as error:  # the source: a blob gone, a file shortened, SQLite
            raise _SourceGone from error
        if chunk is None:
            return
        stream.write(chunk)


def _remove_partial(target: Path) -> None:
    """A file cut short is not left behind under the attachment's name."""
    with suppress(OSError):
        target.unlink()


def save_all(attachments: Iterable[Attachment], folder: Path) -> list[Path]:
    """Save every attachment, never overwriting: a taken name gets « (1) », « (2) »…"""
    saved = []
    for att in attachments:
        root = _target(folder, att.filename).parent
        name = free_name(root, att.filename)
        renamed = replace(att, filename=name)
        saved.append(save_attachment(renamed, root))
    return saved
