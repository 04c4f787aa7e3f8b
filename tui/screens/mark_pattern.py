"""« Marquer selon… » (`T`): which messages of the folder to mark, by sender, subject,
age and size (#19). Every field filled must match; what cannot be read is said in the
user's words beside the form, and nothing is lost of what was typed."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Static

from tui.core.i18n import _
from tui.core.mail.patterns import Pattern, parse_age, parse_size
from tui.screens.dialog import Dialog

MAX_TEXT = 200  # characters of a sender or subject to look for


class MarkPattern(Dialog[Pattern]):
    """Dismisses with the pattern, or None."""

    DEFAULT_CSS = """
    MarkPattern {
        align: center middle;
    }
    MarkPattern > Vertical {
        width: 72;
        max-width: 100%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    MarkPattern #mark-title {
        text-style: bold;
        padding-bottom: 1;
    }
    MarkPattern .mark-field {
        height: 1;
        margin-bottom: 1;
    }
    MarkPattern .mark-field Static {
        width: 20;
    }
    MarkPattern .mark-field Input {
        width: 1fr;
        height: 1;
        border: none;
        padding: 0 1;
        background: $panel;
    }
    MarkPattern .mark-field Input:focus {
        border: none;
        background: $boost;
    }
    MarkPattern #mark-problem {
        color: $text-error;
        height: auto;
    }
    MarkPattern #mark-buttons {
        height: auto;
        align-horizontal: center;
    }
    MarkPattern Button {
        margin: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", _("Annuler"), id="mark_pattern.cancel"),
        # Run when the key is read, not after the field has taken the keys typed after
        # it: over SSH « jean⇥⇥2 ans⏎ » arrives as one burst (tui/typeahead.py).
        Binding("tab", "app.focus_next", show=False, priority=True, id="mark_pattern.next"),
        Binding(
            "shift+tab", "app.focus_previous", show=False, priority=True, id="mark_pattern.back"
        ),
        Binding("enter", "submit", show=False, priority=True, id="mark_pattern.submit"),
    ]

    def __init__(self, now: datetime) -> None:
        super().__init__()
        self.now = now

    def compose(self) -> ComposeResult:
        fields = [
            ("sender", _("De (nom, adresse)"), _("ex. : Dupont")),
            ("subject", _("Objet contient"), _("ex. : réunion")),
            ("age", _("Plus ancien que"), _("ex. : 2 ans, 6 mois, 30 jours, 31/12/2023")),
            ("size", _("Plus gros que"), _("ex. : 5 Mo, 500 Ko")),
        ]
        with Vertical():
            yield Static(Content(_("Marquer les messages du dossier…")), id="mark-title")
            for name, label, example in fields:
                with Horizontal(classes="mark-field"):
                    yield Static(Content(label))
                    yield Input(placeholder=example, id=f"mark-{name}", max_length=MAX_TEXT)
            yield Static(Content(""), id="mark-problem")
            with Horizontal(id="mark-buttons"):
                yield Button(Content(_("Marquer")), id="ok", variant="primary")
                yield Button(Content(_("Annuler")), id="cancel")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#mark-sender", Input))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_problem("")  # typing again: the last complaint is out of date

    def action_submit(self) -> None:
        if isinstance(self.focused, Button):
            self.focused.press()  # « Annuler » under the focus cancels
        else:
            self._submit()

    def _value(self, name: str) -> str:
        return self.query_one(f"#mark-{name}", Input).value.strip()

    def _submit(self) -> None:
        try:
            pattern = Pattern(
                sender=self._value("sender"),
                subject=self._value("subject"),
                before=parse_age(self._value("age"), self.now) if self._value("age") else None,
                larger=parse_size(self._value("size")) if self._value("size") else None,
            )
        except ValueError as problem:
            self._show_problem(str(problem))
            return
        if pattern.empty:
            self._show_problem(_("Remplissez au moins un critère."))
            return
        self.dismiss(pattern)

    def _show_problem(self, problem: str) -> None:
        self.query_one("#mark-problem", Static).update(Content(problem))
