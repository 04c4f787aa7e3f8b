"""One attachment read as text in the terminal, scrolled like a message (#20).

The bytes are read and the text extracted in a worker thread (the extraction itself in
a child process with a size, time and memory limit: tui.core.mail.attachment_sandbox), so
the screen stays alive and Échap leaves at once, stopping the work. The text arrives
sanitised and is drawn by the reader's widget as plain Content, never markup.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.mail.formatting import attachment_kind, size_short
from tui.core.mail.mime import Attachment
from tui.core.mail.sanitize import clean_line
from tui.widgets.footer import Footer
from tui.widgets.reader import Reader, ReaderView


class AttachmentTextScreen(Screen[None]):
    """`load` returns the attachment's bytes; it runs in a worker thread."""

    DEFAULT_CSS = """
    AttachmentTextScreen Reader {
        height: 1fr;
    }
    """
    AUTO_FOCUS = "Reader"
    BINDINGS = [
        Binding("escape", "close", _("Retour"), id="attachment_text.close"),
        Binding("s", "save", _("Enregistrer"), id="attachment_text.save"),
        Binding("o", "open", _("Visionneuse"), id="attachment_text.open"),
    ]

    def __init__(self, attachment: Attachment, load: Callable[[], bytes]) -> None:
        super().__init__()
        self.attachment = attachment
        self._read_bytes = load
        self._left = threading.Event()  # the user left: the child is stopped
        self.done = False  # the text (or why there is none) is on screen

    def compose(self) -> ComposeResult:
        yield Reader(id="attachment-text")
        yield Footer()

    @property
    def reader(self) -> Reader:
        return self.query_one(Reader)

    def _headers(self) -> list[tuple[str, str]]:
        att = self.attachment
        kind = clean_line(attachment_kind(att.content_type))
        return [
            (_("Pièce jointe :"), att.label),
            (_("Type :"), f"{kind}, {size_short(att.size)}"),
        ]

    def on_mount(self) -> None:
        from tui.core.mail.attachment_sandbox import (
            MAX_INPUT_BYTES,
            kind_of,
            too_big_text,
            unsupported_text,
        )

        att = self.attachment
        kind = kind_of(att.filename, att.content_type)
        if kind is None:
            self._show_problem(unsupported_text(att.label, att.content_type))
        elif att.size > MAX_INPUT_BYTES:
            self._show_problem(too_big_text(att.label, att.size))
        else:
            body = _("Lecture de « {name} »… (Échap pour abandonner)").format(name=att.label)
            self.reader.show_view(ReaderView(headers=self._headers(), body=body))
            self.run_worker(
                lambda: self._extract(kind),
                thread=True,
                group="attachment-text",
                exit_on_error=False,
                description="pièce jointe en texte",
            )

    def _extract(self, kind: str) -> None:
        """In the worker thread: read, extract, then hand the result to the screen."""
        from tui.core import logs
        from tui.core.mail.attachment_sandbox import (
            AttachmentText,
            TooBig,
            read_as_text,
            too_big_text,
        )

        att = self.attachment
        try:
            data = self._read_bytes()
            result = read_as_text(att.label, kind, data, cancelled=self._left.is_set)
        except TooBig:
            result = AttachmentText(problem=too_big_text(att.label, att.size))
        except MailError as error:
            result = AttachmentText(problem=error.message)
        except Exception as error:  # a bug here must not take the app down
            path = logs.record(error, "attachment text")
            result = AttachmentText(
                problem=_(
                    "« {name} » n'a pas pu être lu (erreur interne). Les détails sont dans "
                    "le journal : {path}"
                ).format(name=att.label, path=path)
            )
        if self._left.is_set():
            return
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(self._show, result.text, result.notes, result.problem)

    def _show(self, text: str, notes: list[str], problem: str) -> None:
        if self._left.is_set() or not self.is_mounted:
            return
        if problem:
            self._show_problem(problem)
            return
        self.done = True
        self.reader.show_view(ReaderView(headers=self._headers(), body=text, notes=notes))

    def _show_problem(self, problem: str) -> None:
        self.done = True
        self.reader.show_view(ReaderView(headers=self._headers(), body="", warnings=[problem]))

    @property
    def text(self) -> str:
        """What the view shows, as plain text (tests)."""
        return self.reader.text

    def action_close(self) -> None:
        self._left.set()
        self.dismiss(None)

    def on_unmount(self) -> None:
        self._left.set()

    def action_save(self) -> None:
        from tui.screens.attachment_actions import save_one

        save_one(self.app, self.attachment)

    def action_open(self) -> None:
        from tui.screens.attachment_actions import open_in_viewer

        open_in_viewer(self.app, self.attachment, read=None)
