"""An attachment read as text in a child process, within a size, time and memory limit.

A hostile PDF can loop or swell in a parser, and a Python thread cannot be stopped:
the text is extracted (tui.core.mail.attachment_text) by a Python child of our own, which
gets the bytes on its standard input and answers one JSON object. The child limits
itself (address space, CPU time, no file written) before it reads anything, and the
parent kills it at TIME_LIMIT or when the user gives up. Nothing from the message
reaches its command line: only the kind, chosen here from a fixed list.

The caller (a worker thread, never the UI thread) gets an AttachmentText: the text
sanitised, headings for pages and sheets, notes and a problem in plain French.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.i18n import _
from tui.core.mail.formatting import figure, size_short
from tui.core.mail.sanitize import clean_line, clean_text

if TYPE_CHECKING:
    from tui.core.mail.mime import Attachment

__all__ = [
    "MAX_INPUT_BYTES",
    "TIME_LIMIT",
    "AttachmentText",
    "TooBig",
    "attachment_bytes",
    "kind_of",
    "read_as_text",
]

MAX_INPUT_BYTES = 32 * 1024 * 1024  # an attachment larger is not read as text
TIME_LIMIT = 30.0  # seconds for the child, start-up included
MEMORY_LIMIT = 1024 * 1024 * 1024  # the child's address space
POLL = 0.1  # how often the parent looks whether the user gave up
MAX_ANSWER = 16 * 1024 * 1024  # the child's JSON: MAX_CHARS of text, escaped

_ROOT = str(Path(__file__).resolve().parents[3])  # the folder that holds `tui`
# -I: no PYTHON* variables, no user site, not the current folder. The child is given
# the app's own module path instead (this copy of courriel first), so it imports what
# the app would — pypdf from a `pip install --user` too — and nothing else.
_CHILD = (
    "import sys, json; sys.path[0:0] = json.loads(sys.argv[1]); "
    "from tui.core.mail.attachment_sandbox import child; child(sys.argv[2])"
)


def _module_path() -> str:
    paths = [_ROOT, *(p for p in sys.path if p and p != _ROOT)]
    return json.dumps(paths)


_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "text/csv": "csv",
    "text/comma-separated-values": "csv",
    "application/csv": "csv",
    "text/html": "html",
}
_EXTENSIONS = {
    "pdf": "pdf",
    "docx": "docx",
    "odt": "odt",
    "xlsx": "xlsx",
    "ods": "ods",
    "csv": "csv",
    "htm": "html",
    "html": "html",
    "txt": "text",
    "text": "text",
    "md": "text",
    "log": "text",
}
_FORMATS = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "odt": "Writer (.odt)",
    "xlsx": "Excel (.xlsx)",
    "ods": "Calc (.ods)",
    "csv": "CSV",
    "html": "HTML",
    "text": "texte",
}


def kind_of(filename: str, content_type: str) -> str | None:
    """How to read an attachment as text, or None when it cannot be.

    The extension decides first (mail often sends a PDF as application/octet-stream),
    then the type; the child checks that the bytes agree (a « PDF » must start as one,
    a zip says what it holds)."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    content_type = content_type.lower()
    if content_type in _TYPES:
        return _TYPES[content_type]
    if content_type.startswith("text/") and content_type != "text/calendar":
        return "text"
    return None


class TooBig(Exception):
    """The attachment is over MAX_INPUT_BYTES: it is not even read."""


def attachment_bytes(attachment: Attachment, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The attachment's decoded bytes, a chunk at a time, never more than `limit`."""
    if attachment.size > limit:
        raise TooBig
    data = bytearray()
    for chunk in attachment.chunks():
        data += chunk
        if len(data) > limit:
            raise TooBig
    return bytes(data)


@dataclass(frozen=True)
class AttachmentText:
    """What the text view shows: `text` sanitised, or `problem` saying why there is none."""

    text: str = ""
    notes: list[str] = field(default_factory=list)
    problem: str = ""


def too_big_text(name: str, size: int) -> str:
    return _(
        "« {name} » est trop gros pour être lu ici ({size}, au plus {limit}). "
        "Enregistrez-le (s) ou ouvrez-le avec la visionneuse (o)."
    ).format(name=name, size=size_short(size), limit=size_short(MAX_INPUT_BYTES))


def unsupported_text(name: str, content_type: str) -> str:
    return _(
        "« {name} » ({type}) ne peut pas être lu comme texte : seuls les PDF, Word, "
        "Writer, Excel, Calc, CSV et textes le peuvent. Enregistrez-le (s) ou ouvrez-le "
        "avec la visionneuse (o)."
    ).format(name=name, type=clean_line(content_type)[:80])


def _problem(reason: str, name: str, kind: str, timeout: float = TIME_LIMIT) -> str:
    if reason == "too_big":
        return _(
            "« {name} » est trop gros pour être lu ici : il demande trop de mémoire. "
            "Enregistrez-le (s) ou ouvrez-le avec la visionneuse (o)."
        ).format(name=name)
    if reason == "bomb":
        return _(
            "« {name} » est trop gros une fois décompressé (fichier piégé ?) : il n'est pas lu."
        ).format(name=name)
    if reason == "timeout":
        return _(
            "« {name} » est trop gros ou trop complexe : sa lecture a pris plus de "
            "{seconds} s et a été abandonnée."
        ).format(name=name, seconds=figure(max(1, round(timeout))))
    if reason == "encrypted":
        return _("« {name} » est protégé par un mot de passe : il ne peut pas être lu ici.").format(
            name=name
        )
    return _(
        "« {name} » est illisible : ce n'est pas un fichier {format} valide, ou il est abîmé."
    ).format(name=name, format=_FORMATS.get(kind, kind))


def read_as_text(
    name: str,
    kind: str,
    data: bytes,
    *,
    timeout: float = TIME_LIMIT,
    cancelled: Callable[[], bool] = lambda: False,
) -> AttachmentText:
    """The text of `data` (attachment `name`, read as `kind`), from the child. Blocks:
    call it from a worker thread. `name` is the sanitised name shown to the user."""
    answer = _run(kind, data, timeout, cancelled)
    reason = answer.get("error")
    if reason is not None:
        if reason != "cancelled":
            _log(kind, str(reason), str(answer.get("detail", "")))
        return AttachmentText(problem=_problem(str(reason), name, kind, timeout))
    try:
        return _shown(answer, name)
    except (TypeError, ValueError, KeyError) as error:  # an answer of the wrong shape
        _log(kind, "answer", type(error).__name__)
        return AttachmentText(problem=_problem("unreadable", name, kind))


def _log(kind: str, reason: str, detail: str) -> None:
    """Why a document was not read, for the log: never its text."""
    from tui.core.logs import log

    log.info("attachment as text (%s): %s %s", kind, reason, clean_line(detail)[:200])


def _shown(answer: dict[str, Any], name: str) -> AttachmentText:
    sections = [(str(heading), str(text)) for heading, text in answer["sections"]]
    kind = str(answer.get("kind", ""))
    pages = int(answer.get("pages", 0))
    blocks: list[str] = []
    for heading, text in sections:
        title = ""
        if kind == "pdf" and pages > 1:
            title = _("── Page {n} sur {total} ──").format(n=heading, total=figure(pages))
        elif kind in ("xlsx", "ods"):
            title = _("── Feuille « {name} » ──").format(name=clean_line(heading)[:100])
        body = clean_text(text).strip("\n")
        blocks.append(f"{title}\n\n{body}" if title else body)
    text = "\n\n".join(block for block in blocks if block)
    if not any(clean_text(t).strip() for _h, t in sections):
        return AttachmentText(
            problem=_(
                "« {name} » ne contient pas de texte : un document scanné n'est qu'une "
                "image. Ouvrez-le avec la visionneuse (o) ou enregistrez-le (s)."
            ).format(name=name)
        )
    notes = []
    if answer.get("cut"):
        notes.append(_("Texte coupé : seul le début du document est affiché."))
    return AttachmentText(text=text, notes=notes)


def _run(kind: str, data: bytes, timeout: float, cancelled: Callable[[], bool]) -> dict[str, Any]:
    """The child's answer, or {"error": "timeout" | "cancelled" | "unreadable"}.

    Its input is written and its answer read by two threads of their own, while this
    one watches the clock: `communicate(timeout=…)` cannot be called again with the
    rest of the input, and a big attachment left half-written kept the child waiting
    for the remainder until the time limit."""
    if not sys.executable:
        return {"error": "unreadable", "detail": "no Python to run"}
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", _CHILD, _module_path(), kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
    except OSError as error:
        return {"error": "unreadable", "detail": type(error).__name__}
    out = bytearray()
    threads = [
        threading.Thread(target=_feed, args=(process, data), daemon=True),
        threading.Thread(target=_drain, args=(process, out), daemon=True),
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None:
            if cancelled():
                return {"error": "cancelled"}
            left = deadline - time.monotonic()
            if left <= 0:
                return {"error": "timeout"}
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=min(POLL, left))
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
        for thread in threads:
            thread.join(timeout=5)
    try:
        answer = json.loads(out.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        # SIGXCPU (its CPU limit) or SIGKILL (out of memory, killed): too slow or too big.
        if process.returncode in (-24, -9):
            return {"error": "timeout"}
        return {"error": "unreadable", "detail": f"exit {process.returncode}"}
    return answer if isinstance(answer, dict) else {"error": "unreadable", "detail": "answer"}


def _feed(process: subprocess.Popen[bytes], data: bytes) -> None:
    """The attachment to the child's standard input, then end of file."""
    stdin = process.stdin
    if stdin is None:
        return
    with contextlib.suppress(OSError):  # the child stopped reading: refused or killed
        stdin.write(data)
    with contextlib.suppress(OSError):
        stdin.close()


def _drain(process: subprocess.Popen[bytes], out: bytearray) -> None:
    """The child's answer, up to MAX_ANSWER bytes (its text is bounded already)."""
    stdout = process.stdout
    if stdout is None:
        return
    with contextlib.suppress(OSError), stdout:
        while chunk := stdout.read(64 * 1024):
            if len(out) + len(chunk) > MAX_ANSWER:
                return  # not an answer of ours: the child is killed at the deadline
            out += chunk


def _limit(which: int, value: int) -> None:
    import resource

    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    if soft == resource.RLIM_INFINITY or soft > value:
        resource.setrlimit(which, (value, hard))


def child(kind: str) -> None:
    """The child's entry point: limits first, then bytes in, JSON out."""
    try:
        import resource

        _limit(resource.RLIMIT_AS, MEMORY_LIMIT)
        _limit(resource.RLIMIT_CPU, int(TIME_LIMIT) + 1)
        _limit(resource.RLIMIT_FSIZE, 0)  # the child writes no file
        _limit(resource.RLIMIT_CORE, 0)
    except (ImportError, ValueError, OSError):
        pass  # not on Linux: the parent's time limit still holds
    from tui.core.mail.attachment_text import KINDS, main

    if kind not in KINDS:
        sys.stdout.write(json.dumps({"error": "unreadable", "detail": "kind"}))
        return
    main(sys.stdin.buffer, sys.stdout, kind, MAX_INPUT_BYTES)
