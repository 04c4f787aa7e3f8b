"""« Règles de tri… »: the user's sorting rules, what they would do to the folder on
screen, and applying them to it after that preview (#19).

The rules are written in the config file (`[[rules]]`); « Modifier… » opens it in the
user's editor and reads it again, refusing with the reason a file it cannot read (the
rules in use stay as they were).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.core.i18n import _, ngettext
from tui.core.mail.formatting import figure
from tui.core.mail.rules import Plan, Rule
from tui.core.mail.sanitize import clean_line
from tui.core.userfiles import shown_path


def _shown_since(iso: str) -> str:
    """« 06/12/2026 à 14:05 » from what views.py wrote (as written when unreadable)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return clean_line(iso)[:40]
    return _("{date} à {time}").format(date=f"{moment:%d/%m/%Y}", time=f"{moment:%H:%M}")


@dataclass(frozen=True)
class ServerState:
    """Where the rules run: `since` set when courriel put them on the server."""

    available: bool = True  # a server to put them on (not the demo)
    since: str | None = None  # ISO date and time
    outdated: bool = False  # the rules changed since they were put there


class RulesScreen(ModalScreen[str | None]):
    """Dismisses with "apply" (apply the plan to the folder), "edit", "install",
    "remove", or None."""

    DEFAULT_CSS = """
    RulesScreen {
        align: center middle;
    }
    RulesScreen > VerticalScroll {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    RulesScreen #rules-title {
        text-style: bold;
    }
    RulesScreen .rule {
        padding-top: 1;
    }
    RulesScreen .rule-missing {
        color: $text-warning;
    }
    RulesScreen Horizontal {
        height: auto;
        align-horizontal: center;
        padding-top: 1;
    }
    RulesScreen Button {
        margin: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "close", _("Fermer"), id="rules.close")]

    def __init__(
        self,
        rules: tuple[Rule, ...],
        plan: Plan | None,
        folder_label: str,
        config_path: str,
        label_of: Callable[[str], str],
        server: ServerState | None = None,
        missing: dict[int, str] | None = None,
    ) -> None:
        super().__init__()
        self.rules = rules
        # None while it is being computed (a thread reads the folder: `show_plan`).
        self.plan = plan
        self.missing = missing if missing is not None else (plan.missing if plan else {})
        self.folder_label = folder_label
        self.config_path = config_path
        self.label_of = label_of
        self.server = server or ServerState(available=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Content(_("Règles de tri")), id="rules-title")
            yield Static(Content(self._where()), id="rules-where")
            yield Static(
                Content(
                    _("Elles s'écrivent dans {path} (sections [[rules]], voir le guide).").format(
                        path=shown_path(self.config_path)
                    )
                )
            )
            if not self.rules:
                yield Static(Content(_("Aucune règle pour l'instant.")), classes="rule")
            elif self.folder_label:
                yield Static(
                    Content(
                        _("Ce qu'elles feraient aux messages de « {folder} » :").format(
                            folder=self.folder_label
                        )
                    ),
                    classes="rule",
                )
            for rule in self.rules:
                yield Static(Content(self._line(rule)), classes="rule", id=f"rule-{rule.number}")
                missing = self.missing.get(rule.number)
                if missing:
                    yield Static(
                        Content(
                            _(
                                "Le dossier « {folder} » n'existe pas : cette règle ne range rien."
                            ).format(folder=self.label_of(missing))
                        ),
                        classes="rule-missing",
                    )
            with Horizontal():
                yield Button(
                    Content(self._apply_label()),
                    id="apply",
                    variant="primary",
                    disabled=not (self.plan and self.plan.count),
                )
                yield Button(Content(_("Modifier…")), id="edit")
                yield Button(Content(_("Fermer")), id="close")
            if self.server.available and (self.rules or self.server.since):
                with Horizontal():
                    if self.rules:
                        label = _("Réinstaller") if self.server.since else _("Sur le serveur")
                        yield Button(Content(label), id="install")
                    if self.server.since:
                        yield Button(Content(_("Retirer du serveur")), id="remove")

    def _where(self) -> str:
        """Which of the two applies the rules: never both, and the user is told."""
        if self.server.since is None:
            text = _(
                "En service dans courriel : il range le courrier qui arrive dans la boîte "
                "de réception (celui arrivé pendant qu'il était fermé, au lancement suivant)."
            )
            if self.server.available and self.rules:
                text += " " + _(
                    "« Sur le serveur » les confie au serveur, qui les applique même courriel "
                    "fermé."
                )
            return text
        text = _(
            "En service sur le serveur depuis le {since} : il range le courrier à "
            "l'arrivée, courriel ouvert ou non (courriel ne les applique plus lui-même)."
        ).format(since=_shown_since(self.server.since))
        if self.server.outdated:
            text += " " + _("Elles ont changé depuis : « Réinstaller » les met à jour.")
        return text

    def _apply_label(self) -> str:
        if self.plan is None:
            return _("Appliquer (…)")
        return _("Appliquer ({n})").format(n=figure(self.plan.count))

    def _line(self, rule: Rule) -> str:
        line = clean_line(f"{rule.label} : {rule.describe()}")
        if self.plan is not None:
            matched = self.plan.by_rule.get(rule.number, 0)
            line += " — " + ngettext("{n} message", "{n} messages", matched).format(
                n=figure(matched)
            )
        elif self.folder_label:
            line += " — …"  # being counted
        return line

    def show_plan(self, plan: Plan) -> None:
        """The count came back from its thread: every line says what its rule would do."""
        if not self.is_attached:
            return  # closed meanwhile
        self.plan = plan
        for rule in self.rules:
            self.query_one(f"#rule-{rule.number}", Static).update(Content(self._line(rule)))
        apply = self.query_one("#apply", Button)
        apply.label = Content(self._apply_label())
        apply.disabled = not plan.count
        if not apply.disabled and (self.focused is None or self.focused.id == "close"):
            self.set_focus(apply)  # the safe default held while counting

    def on_mount(self) -> None:
        """The first button that can act; « Fermer » while the count is on its way (an
        Entrée typed ahead must not open the editor)."""
        buttons = [b for b in self.query(Button) if not b.disabled]
        if self.plan is None and self.folder_label:
            buttons = [b for b in buttons if b.id == "close"]
        if buttons:
            self.set_focus(buttons[0])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == "close" else event.button.id)

    def action_close(self) -> None:
        self.dismiss(None)
