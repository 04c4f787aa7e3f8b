"""The reader pane: header block, warnings, body and attachment list.

Everything shown here comes from a message and is hostile: it arrives sanitised from
tui.core.mime and is handed to widgets as `Content`, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui.core.i18n import _


@dataclass(frozen=True)
class ReaderView:
    """What the pane shows, already sanitised; built from a parsed message."""

    headers: list[tuple[str, str]]
    body: str
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    # One block of lines per invitation (CalendarEvent.lines(): title, Quand, Où, …).
    invitations: list[list[str]] = field(default_factory=list)


class Reader(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    Reader {
        background: $surface;
        padding: 0 1;
    }
    Reader > #reader-headers {
        padding-bottom: 1;
        border-bottom: solid $primary-muted;
    }
    Reader > #reader-warnings {
        background: $error-muted;
        color: $text;
        display: none;
    }
    Reader > #reader-warnings.-shown {
        display: block;
    }
    Reader > #reader-invitations {
        padding-top: 1;
        display: none;
    }
    Reader > #reader-invitations.-shown {
        display: block;
    }
    Reader > #reader-body {
        padding-top: 1;
    }
    Reader > #reader-extra {
        color: $text-muted;
        padding-top: 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Aucun message sélectionné.")), id="reader-headers")
        yield Static(Content(""), id="reader-warnings")
        yield Static(Content(""), id="reader-invitations")
        yield Static(Content(""), id="reader-body")
        yield Static(Content(""), id="reader-extra")

    def show_view(self, view: ReaderView) -> None:
        width = max((len(label) for label, _value in view.headers), default=0)
        headers = Content("\n").join(
            Content.assemble((f"{label:<{width}} ", "bold"), value) for label, value in view.headers
        )
        self.query_one("#reader-headers", Static).update(headers)
        warnings = self.query_one("#reader-warnings", Static)
        warnings.update(Content("\n").join(Content("⚠ " + w) for w in view.warnings))
        warnings.set_class(bool(view.warnings), "-shown")
        invitations = self.query_one("#reader-invitations", Static)
        invitations.update(
            Content("\n\n").join(
                Content("\n").join(
                    Content(line).stylize("bold") if n == 0 else Content(line)
                    for n, line in enumerate(lines)
                )
                for lines in view.invitations
            )
        )
        invitations.set_class(bool(view.invitations), "-shown")
        self.query_one("#reader-body", Static).update(Content(view.body))
        extra: list[Content] = [Content(note) for note in view.notes]
        if view.links:
            extra.append(Content(_("Liens :")).stylize("bold"))
            extra.extend(Content(link) for link in view.links)
        if view.attachments:
            extra.append(Content(_("Pièces jointes :")).stylize("bold"))
            extra.extend(Content(item) for item in view.attachments)
        self.query_one("#reader-extra", Static).update(Content("\n").join(extra))
        self.scroll_home(animate=False)

    def show_placeholder(self, text: str) -> None:
        self.show_view(ReaderView(headers=[], body=text))
