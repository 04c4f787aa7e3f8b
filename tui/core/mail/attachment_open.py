"""Opening one attachment with the system's viewer (xdg-open), only where it can show.

Over SSH there is usually no display: the UI then offers to read the attachment as
text instead. With one, the attachment is copied to a private temporary folder (0700,
the file 0600, never executable) under a plain name — letters, digits, « - », « _ »
and « . », so nothing in it means anything to a shell script such as xdg-open — and
only documents, images and sound of a known extension are handed over: a `.desktop`,
a script or a program named by the message is never opened, whatever it claims.
xdg-open gets that one path and nothing else from the message; the copies are
removed when courriel closes.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.i18n import _
from tui.core.mail.attachments import save_attachment
from tui.core.mail.sanitize import clean_line, safe_basename

if TYPE_CHECKING:
    from tui.core.mail.mime import Attachment

__all__ = ["has_display", "open_with_viewer", "viewer_problem"]

# What a viewer may be asked to show: documents, pictures, sound and video. Not HTML
# or SVG (a browser would run their scripts), not archives, calendars or anything that
# runs or installs.
VIEWABLE = frozenset(
    {
        "pdf", "odt", "ods", "odp", "odg", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
        "rtf", "txt", "csv", "md",
        "png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "heic",
        "mp3", "ogg", "oga", "opus", "wav", "flac", "m4a", "mp4", "webm", "mkv", "mov",
    }
)  # fmt: skip
_PLAIN = re.compile(r"[^\w.-]+")
_temporary: list[Path] = []
_lock = threading.Lock()


def has_display(environ: Mapping[str, str] | None = None) -> bool:
    """A graphical session: X11 (DISPLAY, forwarded by `ssh -X` too) or Wayland."""
    env = os.environ if environ is None else environ
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _extension(filename: str) -> str:
    stem, dot, extension = filename.rpartition(".")
    return extension.lower() if dot and stem else ""


def viewer_problem(filename: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Why this attachment cannot go to the viewer here, in words; None when it can."""
    if not has_display(environ):
        return _(
            "Pas d'affichage graphique ici (connexion SSH ?) : la visionneuse ne peut pas "
            "s'ouvrir. La pièce jointe peut être lue en texte dans le terminal."
        )
    extension = _extension(filename)
    if extension not in VIEWABLE:
        shown = f".{clean_line(extension)[:10]}" if extension else _("sans extension")
        return _(
            "courriel n'ouvre pas ce type de fichier ({extension}) : il pourrait lancer un "
            "programme. Enregistrez-le (s) et ouvrez-le vous-même si vous lui faites confiance."
        ).format(extension=shown)
    if shutil.which("xdg-open") is None:
        return _(
            "La commande xdg-open est introuvable (paquet xdg-utils) : enregistrez la pièce "
            "jointe (s) ou lisez-la en texte."
        )
    return None


def plain_name(filename: str) -> str:
    """The name the viewer sees: the safe basename with only letters, digits, « - »,
    « _ » and « . », beginning with a letter or digit."""
    name = _PLAIN.sub("_", safe_basename(filename)).strip("._-")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, _extension(filename)
    stem = stem or "piece-jointe"
    return f"{stem}.{extension}" if extension else stem


def _forget_all() -> None:
    with _lock:
        for folder in _temporary:
            shutil.rmtree(folder, ignore_errors=True)
        _temporary.clear()


def _private_folder() -> Path:
    with _lock:
        if not _temporary:
            atexit.register(_forget_all)
        folder = Path(tempfile.mkdtemp(prefix="courriel-pj-"))  # 0700
        _temporary.append(folder)
    return folder


def open_with_viewer(attachment: Attachment) -> Path:
    """Copy the attachment to a private temporary file and hand its path to xdg-open.

    The caller has checked `viewer_problem` first. Raises AttachmentSaveError (the copy)
    or OSError (xdg-open could not start)."""
    folder = _private_folder()
    path = save_attachment(replace(attachment, filename=plain_name(attachment.filename)), folder)
    program = shutil.which("xdg-open")
    if program is None:
        raise FileNotFoundError("xdg-open")
    process = subprocess.Popen(
        [program, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # its messages would scribble over the screen
        stderr=subprocess.DEVNULL,
        close_fds=True,
        start_new_session=True,  # Ctrl+C in the terminal is not the viewer's business
    )
    threading.Thread(target=process.wait, daemon=True, name="xdg-open").start()
    return path
