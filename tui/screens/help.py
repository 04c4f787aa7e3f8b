"""Help: every key of the screen underneath, read from the same Binding declarations the
footer and command palette use, so it can never disagree with them."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.core.i18n import _
from tui.keys import key_name, keys_name


def _own_bindings(node: object) -> list[object]:
    """The BINDINGS courriel declares for this node's class and the classes of ours it
    is made of (the mailbox's keys live in MessageActions, ListOrder…), the class's own
    first. Textual's widgets (the search field, the message body editor, lists) bring
    their own: standard editing keys, described in English whatever the user's
    language, so not listed."""
    found: list[object] = []
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("tui."):
            break  # from here on, Textual's
        found.extend(vars(cls).get("BINDINGS", ()))
    return found


def _keys_in_force(declared: list[Binding], keymap: Mapping[str, str]) -> dict[int, list[str]]:
    """The keys of each declared binding (by position) once the user's keymap is applied,
    by Textual's own rules (a remapped key also leaves the binding it was taken from)."""
    bindings = BindingsMap(declared)
    bindings.apply_keymap(keymap)
    keys: dict[int, list[str]] = {}
    for key, binding in bindings:
        for index, original in enumerate(declared):
            if (binding.action, binding.description, binding.id) == (
                original.action,
                original.description,
                original.id,
            ):
                found = keys.setdefault(index, [])
                if key not in found:  # "d,delete" remapped to "x": x once
                    found.append(key)
                break
    return keys


def key_table(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, description) for each described binding of the screen and the app, with
    the keys in force: the user's [keys] remapping applied, named in their language."""
    app = screen.app
    # Textual applies the keymap when it builds the binding chain, and has no public
    # getter for it: the one read of its private state here.
    keymap: Mapping[str, str] = getattr(app, "_keymap", {})
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    sources: list[object] = [screen, *screen.query("*"), app]
    for node in sources:
        declared = [
            binding
            for binding in _own_bindings(node)
            if isinstance(binding, Binding) and binding.description
        ]
        in_force = _keys_in_force(declared, keymap)
        for index, binding in enumerate(declared):
            if binding.description in seen or index not in in_force:
                continue
            seen.add(binding.description)
            rows.append((keys_name(in_force[index]), binding.description))
    if app.ENABLE_COMMAND_PALETTE:
        # Not a Binding of ours, and left out of a narrow footer: listed here.
        keys = key_name(app.COMMAND_PALETTE_BINDING)
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
