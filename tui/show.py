"""`courriel show FILE.eml`: what the reader would show, as plain sanitised text.

For scripts and for looking at a suspicious message without opening the app: the same
parser, limits, sanitiser and phishing hints as the reader, printed to stdout. An
unreadable file is one clear French line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.mail.attachments import save_all
from tui.core.mail.formatting import shown_date, size_short
from tui.core.mail.mime import RenderedMessage, parse_message
from tui.core.mail.sanitize import clean_line
from tui.core.userfiles import MiB, UserFileError, read_limited

EXIT_OK = 0
EXIT_FAILURE = 1


MAX_MESSAGE_BYTES = 64 * MiB  # bigger than any server accepts (the academy's: ~20 MB)


def _read(name: str) -> bytes:
    if name == "-":
        data = sys.stdin.buffer.read(MAX_MESSAGE_BYTES + 1)
        if len(data) > MAX_MESSAGE_BYTES:
            raise UserFileError(_too_big_stdin())
        return data
    return read_limited(Path(name), MAX_MESSAGE_BYTES)


def _too_big_stdin() -> str:
    return _("L'entrée standard est trop grosse : courriel lit au plus {limit}.").format(
        limit=size_short(MAX_MESSAGE_BYTES)
    )


def _people(people: list[tuple[str, str]]) -> str:
    return ", ".join(
        f"{name} <{address}>" if name and address else name or address for name, address in people
    )


def render(message: RenderedMessage, *, all_headers: bool = False) -> str:
    """The whole text `show` prints; every piece of it is already sanitised."""
    lines: list[str] = []
    if all_headers:
        lines += [f"{name}: {value}" for name, value in message.all_headers]
    else:
        for label, people in (
            (_("De"), message.from_),
            (_("À"), message.to),
            (_("Cc"), message.cc),
            (_("Répondre à"), message.reply_to),
        ):
            if people:
                lines.append(f"{label} : {_people(people)}")
        lines.append(_("Date : {date}").format(date=shown_date(message.date, message.raw_date)))
        lines.append(_("Objet : {subject}").format(subject=message.subject))
    lines.append("")
    for warning in message.warnings:
        lines.append(_("ATTENTION : {text}").format(text=warning))
    for note in message.notes:
        lines.append(_("Note : {text}").format(text=note))
    if message.warnings or message.notes:
        lines.append("")
    for event in message.calendar:
        lines += event.lines()
        lines.append("")
    lines.append(message.body)
    if message.links:
        lines += ["", _("Liens :")]
        lines += [f"[{n}] {url}" for n, (_text, url) in enumerate(message.links, 1)]
    if message.attachments:
        lines += ["", _("Pièces jointes :")]
        lines += [
            f"  {att.index}. {att.label} ({att.content_type}, {size_short(att.size)})"
            for att in message.attachments
        ]
    return "\n".join(lines) + "\n"


def _write(stream: TextIO, text: str) -> None:
    """Print even on a terminal whose encoding cannot show « é » (C locale over SSH)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        stream.write(text)
    except UnicodeEncodeError:
        stream.write(text.encode(encoding, "replace").decode(encoding))
    stream.flush()


def run(args: argparse.Namespace) -> int:
    """Show one message; 0 on success, 1 with a French message on stderr otherwise."""
    name = str(args.file)
    try:
        raw = _read(name)
    except FileNotFoundError:
        return _fail(_("Le fichier « {file} » n'existe pas.").format(file=name))
    except UserFileError as error:  # a folder, a FIFO, a device, too big, unreadable
        return _fail(str(error))
    except OSError as error:
        reason = error.strerror or str(error)
        return _fail(_("Impossible de lire « {file} » : {reason}").format(file=name, reason=reason))
    trusted = getattr(args, "trusted_domains", None)
    message = parse_message(raw, trusted_domains=trusted)
    _write(sys.stdout, render(message, all_headers=bool(getattr(args, "headers", False))))
    folder = getattr(args, "save_attachments", None)
    if folder is not None and message.attachments:
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror or str(error)
            return _fail(
                _("Impossible de créer « {folder} » : {reason}").format(
                    folder=folder, reason=reason
                )
            )
        try:
            for path in save_all(message.attachments, Path(folder)):
                _write(
                    sys.stdout, _("Enregistré : {path}").format(path=clean_line(str(path))) + "\n"
                )
        except MailError as error:
            return _fail(str(error))
    return EXIT_OK


def _fail(message: str) -> int:
    _write(sys.stderr, _("courriel show : {message}").format(message=clean_line(message)) + "\n")
    return EXIT_FAILURE
