"""The certificate prompt: who the server's certificate claims to be, and a decision.

Better than "accept all certificates": the user sees subject, names, issuer, validity,
the SHA-256 fingerprint and why verification failed, then rejects (the default), accepts
once, or accepts always (pinned). A pinned certificate that changed gets a red warning
with both fingerprints. Every field comes from the server: shown as Content, never markup.
"""

from __future__ import annotations

import time
from enum import StrEnum

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.core.i18n import _
from tui.core.net.certificates import (
    CertificateInfo,
    Pin,
    change_explanation,
    french_date,
    french_date_text,
)
from tui.widgets.prose import Prose


class Decision(StrEnum):
    REJECT = "reject"
    ONCE = "once"
    ALWAYS = "always"


def split_fingerprint(fingerprint: str) -> str:
    """Two lines of 16 bytes: a 95-character fingerprint wraps badly at 80 columns."""
    pairs = fingerprint.split(":")
    if len(pairs) <= 16:
        return fingerprint
    return ":".join(pairs[:16]) + ":\n" + ":".join(pairs[16:])


def certificate_lines(info: CertificateInfo) -> Content:
    unknown = _("inconnu")
    rows = [
        (_("Serveur"), f"{info.host}:{info.port}"),
        (_("Sujet"), info.subject or unknown),
        (_("Noms"), ", ".join(info.dns_names) or unknown),
        (_("Émetteur"), info.issuer or unknown),
        (_("Valide du"), french_date(info.not_before) if info.not_before else unknown),
        (_("au"), french_date(info.not_after) if info.not_after else unknown),
        (_("SHA-256"), split_fingerprint(info.sha256) if info.sha256 else unknown),
    ]
    width = max(len(label) for label, _v in rows)
    indent = "\n" + " " * (width + 2)
    return Content("\n").join(
        Content.assemble((f"{label:<{width}}  ", "bold"), value.replace("\n", indent))
        for label, value in rows
    )


class CertificatePrompt(ModalScreen[Decision]):
    DEFAULT_CSS = """
    CertificatePrompt {
        align: center middle;
    }
    CertificatePrompt > Vertical {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    CertificatePrompt.-changed > Vertical {
        border: thick $error;
    }
    CertificatePrompt #cert-title {
        text-style: bold;
        color: $warning;
    }
    CertificatePrompt.-changed #cert-title {
        color: $error;
    }
    CertificatePrompt #cert-details {
        height: auto;
        max-height: 17;
    }
    CertificatePrompt #cert-intro {
        padding-bottom: 1;
    }
    CertificatePrompt #cert-buttons {
        height: auto;
        align-horizontal: center;
    }
    CertificatePrompt Button {
        margin: 0 1;
        min-width: 16;
    }
    """

    BINDINGS = [
        Binding("escape,r", "decide('reject')", _("Refuser"), id="cert.reject"),
        Binding("o", "decide_by_key('once')", _("Accepter une fois"), id="cert.once"),
        Binding("t", "decide_by_key('always')", _("Accepter toujours"), id="cert.always"),
        # Moving off « Refuser » waits for the prompt to be readable too: a stray Tab then
        # Enter, typed for the mailbox, accepted the certificate (review of #24).
        Binding("left,shift+tab", "move(-1)", show=False),
        Binding("right,tab", "move(1)", show=False),
    ]

    _shown_at = float("inf")  # time.monotonic() when mounted: no key counts before
    # Nobody reads a certificate prompt in less: a key sooner was typed for what was
    # on screen before it (tests set it to 0).
    KEY_GRACE_SECONDS = 0.5

    def __init__(self, info: CertificateInfo, pinned: Pin | None = None) -> None:
        super().__init__()
        self.info = info
        self.pinned = pinned

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.pinned is None:
                title = _("Certificat non vérifié")
                intro = _(
                    "La connexion à {host} a été arrêtée avant l'envoi de votre mot de passe : "
                    "{reason}. Vérifiez l'empreinte auprès de l'assistance avant d'accepter."
                ).format(host=self.info.host, reason=self.info.reason)
            else:
                title = _("ATTENTION : le certificat du serveur a changé")
                intro = _(
                    "Le certificat de {host}:{port} n'est plus celui que vous avez accepté "
                    "le {date}.\nEmpreinte acceptée :\n{old}\nEmpreinte actuelle :\n{new}\n{why}"
                ).format(
                    host=self.info.host,
                    port=self.info.port,
                    date=french_date_text(self.pinned.accepted_on),
                    old=split_fingerprint(self.pinned.sha256),
                    new=split_fingerprint(self.info.sha256),
                    why=change_explanation(),
                )
            yield Static(Content(title), id="cert-title")
            with VerticalScroll(id="cert-details"):
                yield Static(Prose(intro), id="cert-intro")
                yield Static(certificate_lines(self.info))
            with Horizontal(id="cert-buttons"):
                yield Button(Content(_("Refuser (r)")), id="reject", variant="primary")
                yield Button(Content(_("Accepter une fois (o)")), id="once")
                yield Button(Content(_("Accepter toujours (t)")), id="always", variant="warning")

    def on_mount(self) -> None:
        self._shown_at = time.monotonic()
        self.set_class(self.pinned is not None, "-changed")
        self.set_focus(self.query_one("#reject", Button))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_decide(event.button.id or "reject")

    def action_decide(self, choice: str) -> None:
        self.dismiss(Decision(choice))

    def action_move(self, step: int) -> None:
        if self._too_soon():
            self.app.bell()
        elif step > 0:
            self.focus_next()
        else:
            self.focus_previous()

    def _too_soon(self) -> bool:
        """The key being handled came before the prompt could be read."""
        typed_at = getattr(self.app, "typeahead_key_time", None)
        return typed_at is not None and typed_at < self._shown_at + self.KEY_GRACE_SECONDS

    def action_decide_by_key(self, choice: str) -> None:
        """`o` or `t` typed before the prompt appeared, or too soon after to have read
        it (meant for the mailbox, which has `o` and `t` too), never accepts a
        certificate: the prompt stays, with a bell."""
        if self._too_soon():
            self.app.bell()
            return
        self.action_decide(choice)
