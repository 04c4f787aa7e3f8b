"""Asks for the password: at first connection when no source has it, or after a refusal.

After a refusal it says why logins fail at the academy (short username, NUMEN password
to change on the webmail first) instead of just "wrong password".
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.core.i18n import _
from tui.presets import DIJON
from tui.widgets.prose import Prose


def refusal_hints(username: str) -> str:
    return _(
        "Le serveur a refusé l'identification de « {username} ».\n"
        "• L'identifiant est l'identifiant court (prenom.nom ou jdupont), pas l'adresse "
        "complète.\n"
        "• Un premier mot de passe (NUMEN) doit d'abord être changé sur le webmail {webmail}.\n"
        "• Mot de passe oublié : {reset}.\n"
        "• Assistance : {phone}, {hours}."
    ).format(
        username=username,
        webmail=DIJON.webmail_url,
        reset=_(DIJON.password_reset_hint),
        phone=DIJON.helpdesk_phone,
        hours=_(DIJON.helpdesk_hours),
    )


class PasswordPrompt(ModalScreen[str | None]):
    DEFAULT_CSS = """
    PasswordPrompt {
        align: center middle;
    }
    PasswordPrompt > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    PasswordPrompt #password-hints {
        color: $warning;
        padding-bottom: 1;
    }
    """
    BINDINGS = [Binding("escape", "cancel", _("Annuler"), id="password.cancel")]

    def __init__(self, username: str, host: str, *, refused: bool = False) -> None:
        super().__init__()
        self.username = username
        self.host = host
        self.refused = refused

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content(
                    _("Mot de passe de {username} sur {host}").format(
                        username=self.username, host=self.host
                    )
                ).stylize("bold")
            )
            if self.refused:
                yield Static(Prose(refusal_hints(self.username)), id="password-hints")
            yield Static(Prose(_("Il est gardé en mémoire pour cette session seulement.")))
            yield Input(password=True, placeholder=_("mot de passe"), id="password")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value:
            self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
