"""The Textual application: wires screens, global bindings and workers that call core/."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Footer, Header, Static

from tui.config import Config
from tui.core.i18n import _


class CourrielApp(App[None]):
    """courriel. For now a welcome screen; the mailbox screens plug in here."""

    TITLE = "courriel"
    BINDINGS = [
        Binding("q", "quit", _("Quitter"), id="app.quit"),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        yield Header()
        account = self.config.account
        who = account["username"] or _("(aucun compte configuré)")
        # Content, never markup: values come from a file the user (or anyone) wrote.
        yield Static(
            Content(_("Compte : "))
            + Content(who)
            + Content("\n")
            + Content(_("Serveur : "))
            + Content(f"{account['imap_host']}:{account['imap_port']}"),
            id="welcome",
        )
        yield Footer()
