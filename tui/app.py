"""The Textual application: wires screens, global bindings and workers that call core/."""

from __future__ import annotations

import os

from textual.app import App
from textual.binding import Binding

from tui.account import Account
from tui.config import Config, default_config_path
from tui.core.i18n import _
from tui.screens.help import HelpScreen, key_table
from tui.screens.mailbox import MailboxScreen
from tui.themes import DEFAULT_THEME, SIXTEEN_COLOUR_THEME, load_themes


class CourrielApp(App[None]):
    """courriel: one account, its mailbox screen, and the global keys."""

    TITLE = "courriel"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark,f1", "help", _("Aide"), id="app.help"),
        Binding("q", "quit", _("Quitter"), id="app.quit"),
    ]

    def __init__(self, config: Config, account: Account) -> None:
        super().__init__()
        self.config = config
        self.account = account
        self._theme_problems: list[str] = []
        self._install_themes()

    def _install_themes(self) -> None:
        loaded = load_themes(default_config_path().parent / "themes")
        for theme in loaded.themes.values():
            self.register_theme(theme)
        self._theme_problems = loaded.problems
        wanted = self.config.ui["theme"]
        if not wanted:
            sixteen = os.environ.get("TEXTUAL_COLOR_SYSTEM") == "standard"
            wanted = SIXTEEN_COLOUR_THEME if sixteen else DEFAULT_THEME
        elif wanted not in loaded.themes:
            self._theme_problems.append(
                _("Thème « {name} » introuvable : thème par défaut utilisé.").format(name=wanted)
            )
            wanted = DEFAULT_THEME
        self.theme = wanted

    def on_mount(self) -> None:
        for problem in self._theme_problems:
            self.notify(problem, severity="warning", markup=False)
        for notice in self.account.cache.notices:
            self.notify(notice, severity="warning", markup=False)
        if self.account.demo:
            self.sub_title = _("démonstration — hors ligne")
        self.push_screen(MailboxScreen(self.account))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(key_table(self.screen)))
