"""Help: every key of the screen underneath, read from the same Binding declarations the
footer and command palette use, so it can never disagree with them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.core.i18n import _


def _own_bindings(node: object) -> list[object]:
    """The BINDINGS courriel declares for this node's class. Textual's widgets (the search
    field, the message body editor, lists) bring their own: standard editing keys,
    described in English whatever the user's language, so not listed."""
    for cls in type(node).__mro__:
        if "BINDINGS" in vars(cls):
            return list(vars(cls)["BINDINGS"]) if cls.__module__.startswith("tui.") else []
    return []


def key_table(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, description) for each described binding of the screen and the app."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    sources: list[object] = [screen, *screen.query("*"), screen.app]
    for node in sources:
        for binding in _own_bindings(node):
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.description in seen:
                continue
            seen.add(binding.description)
            keys = ", ".join(
                screen.app.get_key_display(Binding(k, "")) for k in binding.key.split(",")
            )
            rows.append((keys, binding.description))
    app = screen.app
    if app.ENABLE_COMMAND_PALETTE:
        # Not a Binding of ours, and left out of a narrow footer: listed here.
        keys = app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, ""))
        rows.append((keys, _("Palette de commandes : actions, thèmes, compte")))
    return rows


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 64;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", _("Fermer"), id="help.close")]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        width = max((len(keys) for keys, _d in self.rows), default=0)
        lines = [Content(_("Touches")).stylize("bold")]
        lines += [
            Content.assemble((f"{keys:<{width}}  ", "bold"), desc) for keys, desc in self.rows
        ]
        with VerticalScroll():
            yield Static(Content("\n").join(lines))
