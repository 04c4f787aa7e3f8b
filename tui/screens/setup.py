"""The setup screen: the académie de Dijon preset, the account, and a connection test.

It does what the official guides spend pages on: the short username instead of the
address (explained as it is typed), the password kept only where it is safe on this
machine, and a step-by-step test whose failure is explained in plain words. Nothing is
written until the user confirms « Enregistrer ». Typed text, host names and server
answers are shown as Content, never markup.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Input, Label, Select, Static
from textual.worker import get_current_worker

from tui.config_write import add_account, save_config
from tui.core import secrets
from tui.core.diagnose import checkup
from tui.core.diagnose.diagnose import Diagnosis
from tui.core.errors import CertificateError, MailError
from tui.core.i18n import N_, _
from tui.core.net.trust import CertificateChanged, TrustStore
from tui.core.userfiles import file_reason
from tui.core.username import USERNAME_RE, normalise_username
from tui.presets import DIJON
from tui.screens.certificate import CertificatePrompt, Decision
from tui.widgets.footer import Footer
from tui.widgets.prose import Prose

# After a failure, the field the user most likely has to change, and the button's words.
_FIX = {
    "auth": ("username", N_("Corriger l'identifiant ou le mot de passe")),
    "password": ("password", N_("Corriger le mot de passe")),
    "wrong_port": ("imap-port", N_("Corriger les serveurs et ports")),
    "dns": ("imap-host", N_("Corriger les serveurs et ports")),
    "refused": ("imap-port", N_("Corriger les serveurs et ports")),
    "tls": ("imap-port", N_("Corriger les serveurs et ports")),
}
_HOST_RE = re.compile(r"[A-Za-z0-9.:\-\[\]]+")
# The keyring probe must not see a real command: it only tells whether "command" exists.
_ANY_COMMAND = {"password_command": "commande"}


@dataclass(frozen=True)
class Settings:
    """What the form holds, checked; the test and the save use the same values."""

    username: str
    display_name: str
    email: str
    password: str
    source: str
    command: str
    imap_host: str
    imap_port: int
    smtp_host: str
    smtp_port: int
    interval: int

    @property
    def target(self) -> checkup.Target:
        return checkup.Target(
            self.username, self.imap_host, self.imap_port, self.smtp_host, self.smtp_port
        )

    def account(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "email": self.email,
            "imap_host": self.imap_host,
            "imap_port": self.imap_port,
            "smtp_host": self.smtp_host,
            "smtp_port": self.smtp_port,
            "password_source": self.source,
            "password_command": self.command if self.source == "command" else "",
        }


def _flatten(initial: Mapping[str, Any] | None) -> dict[str, Any]:
    """Accept either the config's sections ({"account": …, "sync": …}) or flat account keys."""
    if not initial:
        return {}
    if isinstance(initial.get("account"), Mapping):
        flat = dict(initial["account"])
        sync = initial.get("sync")
        if isinstance(sync, Mapping) and "interval_minutes" in sync:
            flat["interval_minutes"] = sync["interval_minutes"]
        return flat
    return dict(initial)


def _seconds(value: float) -> str:
    return f"{value:.1f} s".replace(".", ",")


def diagnosis_widgets(diagnosis: Diagnosis, *, warning: bool = False) -> list[Widget]:
    """Title, explanation and next steps as plain text, each step with a hanging bullet."""
    title = (_("Attention : ") if warning else "") + diagnosis.title
    widgets: list[Widget] = [
        Static(Content(title).stylize("bold"), classes="outcome-title"),
        Static(Prose(diagnosis.explanation)),
    ]
    if diagnosis.steps:
        widgets.append(Static(Content(_("Que faire :")), classes="outcome-todo"))
        for step in diagnosis.steps:
            widgets.append(
                Horizontal(
                    Static(Content(" • "), classes="bullet-mark"),
                    Static(Prose(step), classes="bullet-text"),
                    classes="bullet",
                )
            )
    if diagnosis.technical:
        detail = Content(_("Détail technique : ") + diagnosis.technical).stylize("dim")
        widgets.append(Static(Prose(detail), classes="outcome-technical"))
    return widgets


class ConfirmUntested(ModalScreen[bool]):
    """« Enregistrer sans tester » is allowed, after a plain warning."""

    DEFAULT_CSS = """
    ConfirmUntested {
        align: center middle;
    }
    ConfirmUntested #untested-box {
        width: 70;
        max-width: 100%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    ConfirmUntested #untested-title {
        text-style: bold;
        color: $warning;
        padding-bottom: 1;
    }
    ConfirmUntested #untested-buttons {
        height: auto;
        align-horizontal: center;
        padding-top: 1;
    }
    ConfirmUntested #untested-buttons Button {
        margin: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape", "answer(False)", _("Retour"), id="setup.untested.back"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="untested-box"):
            yield Static(Content(_("Enregistrer sans test réussi ?")), id="untested-title")
            yield Static(
                Prose(
                    _(
                        "La connexion n'a pas été testée avec ces réglages, ou le test a "
                        "échoué. Si un réglage est faux, courriel ne pourra ni relever ni "
                        "envoyer votre courrier ; vous pourrez revenir à cet écran depuis "
                        "la palette de commandes (ctrl+p)."
                    )
                )
            )
            with Horizontal(id="untested-buttons"):
                yield Button(Content(_("Retour")), id="untested-back", variant="primary")
                yield Button(
                    Content(_("Enregistrer quand même")), id="untested-save", variant="warning"
                )

    def on_mount(self) -> None:
        self.query_one("#untested-back", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "untested-save")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class SetupScreen(Screen[bool]):
    """First run and later changes: dismisses True once saved, False when cancelled."""

    CSS_PATH = "setup.tcss"
    AUTO_FOCUS = "#username"

    BINDINGS = [
        Binding("ctrl+t", "test", _("Tester"), id="setup.test"),
        Binding("ctrl+s", "save", _("Enregistrer"), id="setup.save"),
        # The servers' section is below the fold at 80x24: one key opens and shows it.
        Binding("f2", "advanced", _("Serveurs"), id="setup.advanced"),
        Binding("escape", "cancel", _("Annuler"), id="setup.cancel"),
    ]

    # Step times vary from run to run; snapshot tests turn them off.
    show_times = True

    def __init__(
        self,
        config_path: Path,
        *,
        trust: TrustStore,
        initial: dict[str, Any] | None = None,
        adding: bool = False,
    ) -> None:
        super().__init__()
        self.config_path = config_path
        # « Ajouter un compte » (#20): saving appends an [[accounts]] entry, named.
        self.adding = adding
        self.trust = trust
        self.initial = _flatten(initial)
        self.sources: list[secrets.Source] = []
        self.results: list[checkup.StepResult] = []
        self.tested: Settings | None = None  # the settings of the last successful test
        self._auto_email = ""
        self._kept_notes: tuple[str, str] | None = None
        self._testing = False
        self._fix_target = "username"
        self._label = ""

    # --- layout ------------------------------------------------------------------------

    def _field(self, label: str, widget: Input | Select[str], note_id: str = "") -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(Content(label), classes="field-label")
            yield widget
        if note_id:
            yield Static(Content(""), id=note_id, classes="note")

    def compose(self) -> ComposeResult:
        init = self.initial
        heading = _("Ajouter un compte") if self.adding else _("Configuration de la messagerie")
        yield Static(
            Content(_("{title} — {name}").format(title=heading, name=DIJON.name)),
            id="setup-title",
        )
        with VerticalScroll(id="setup-form"):
            yield Static(Content(""), id="preset")
            if self.adding:
                yield from self._field(
                    _("Nom du compte"),
                    Input(placeholder=_("Collège, Personnel…"), id="label"),
                )
            yield from self._field(
                _("Identifiant"),
                Input(
                    str(init.get("username", "")),
                    placeholder=_("prenom.nom ou jdupont"),
                    id="username",
                ),
                "username-note",
            )
            yield from self._field(
                _("Nom affiché"),
                Input(
                    str(init.get("display_name", "")),
                    placeholder=_("Marie Durand"),
                    id="display-name",
                ),
            )
            yield from self._field(
                _("Adresse"),
                Input(
                    str(init.get("email", "")),
                    placeholder=_("prenom.nom@{domain}").format(domain=DIJON.mail_domain),
                    id="email",
                ),
            )
            yield from self._field(
                _("Mot de passe"),
                Input(password=True, placeholder=_("celui du webmail"), id="password"),
            )
            yield from self._field(
                _("Garder le mot de passe"),
                Select(
                    [(Content(_("Recherche d'un trousseau…")), "pending")],
                    allow_blank=False,
                    id="source",
                ),
                "source-note",
            )
            yield from self._field(
                _("Commande"),
                Input(
                    str(init.get("password_command", "")),
                    placeholder=_("pass show academie"),
                    id="password-command",
                ),
            )
            yield from self._field(
                _("Relever toutes les"),
                Input(
                    str(init.get("interval_minutes", 15)),
                    type="integer",
                    max_length=4,
                    id="interval",
                ),
                "interval-note",
            )
            # Content, not str: Collapsible would read a str as markup.
            title = Content(_("Avancé : serveurs et ports"))
            with Collapsible(title=title, id="advanced"):  # type: ignore[arg-type]
                yield Static(
                    Prose(
                        _(
                            "À ne changer que sur demande de l'assistance. Les deux serveurs "
                            "utilisent SSL/TLS dès la connexion (jamais STARTTLS)."
                        )
                    ),
                    classes="note",
                )
                for kind, host, port in (
                    ("imap", DIJON.imap_host, DIJON.imap_port),
                    ("smtp", DIJON.smtp_host, DIJON.smtp_port),
                ):
                    label = _("Réception (IMAP)") if kind == "imap" else _("Envoi (SMTP)")
                    with Horizontal(classes="field"):
                        yield Label(Content(label), classes="field-label")
                        yield Input(str(init.get(f"{kind}_host") or host), id=f"{kind}-host")
                        yield Input(
                            str(init.get(f"{kind}_port") or port),
                            type="integer",
                            max_length=5,
                            id=f"{kind}-port",
                            classes="port",
                        )
            with Vertical(id="results"):
                for name in checkup.STEPS:
                    with Horizontal(id=f"step-{name}", classes="step"):
                        yield Static(Content(""), classes="step-head")
                        yield Static(Content(""), classes="step-detail")
                yield Vertical(id="outcome")
        with Horizontal(id="setup-buttons"):
            yield Button(Content(_("Tester la connexion")), id="test", variant="primary")
            yield Button(Content(_("Enregistrer sans tester")), id="save")
            yield Button(Content(_("Annuler")), id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#password-command").parent.display = False  # type: ignore[union-attr]
        self.query_one("#results").display = False
        self._check_username()
        self._show_preset()
        self._probe_sources()

    # --- password sources --------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="setup-sources", description="trousseau")
    def _probe_sources(self) -> None:
        sources = secrets.available_sources(_ANY_COMMAND)
        self.app.call_from_thread(self._show_sources, sources)

    def _show_sources(self, sources: list[secrets.Source]) -> None:
        # Best first, but a command is never the default: it needs one to be written.
        sources = sorted(sources, key=lambda source: source.kind == "command")
        self.sources = sources
        select: Select[str] = self.query_one("#source", Select)
        select.set_options([(Content(source.label), source.kind) for source in sources])
        wanted = str(self.initial.get("password_source", ""))
        if wanted == "" and self.initial.get("password_command"):
            wanted = "command"
        if wanted in {source.kind for source in sources}:
            select.value = wanted
        self._source_changed()

    @on(Select.Changed, "#source")
    def _source_changed(self) -> None:
        kind = self._source()
        source = next((s for s in self.sources if s.kind == kind), None)
        self.query_one("#source-note", Static).update(
            Prose(source.detail if source else _("Recherche d'un trousseau système…"))
        )
        command = self.query_one("#password-command", Input)
        command.parent.display = kind == "command"  # type: ignore[union-attr]
        password = self.query_one("#password", Input)
        password.placeholder = (
            _("facultatif : lu par la commande") if kind == "command" else _("celui du webmail")
        )
        self._update_save_label()

    def _source(self) -> str:
        value = self.query_one("#source", Select).value
        return value if isinstance(value, str) and value != "pending" else "ask"

    # --- live checks -------------------------------------------------------------------

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id == "username":
            self._check_username()
        elif event.input.id in ("imap-host", "imap-port", "smtp-host", "smtp-port"):
            self._show_preset()
        elif event.input.id == "interval":
            self._check_interval()
        self._update_save_label()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter moves on to the next field; in the password field it runs the test."""
        event.stop()
        if event.input.id == "password":
            self.action_test()
        else:
            self.focus_next()

    @on(Input.Blurred, "#username")
    def _username_left(self, event: Input.Blurred) -> None:
        check = normalise_username(event.value)
        if check.ok and check.changed:
            # Put the short form in the field, and keep saying why it changed.
            note = self.query_one("#username-note", Static)
            self._kept_notes = (check.username, " ".join(check.notes))
            event.input.value = check.username
            note.update(Prose(self._kept_notes[1]))

    def _check_username(self) -> None:
        value = self.query_one("#username", Input).value
        note = self.query_one("#username-note", Static)
        check = normalise_username(value)
        kept = self._kept_notes
        if kept is not None and value == kept[0]:
            text, state = kept[1], "-changed"
        elif not value.strip():
            self._kept_notes = None
            text, state = (
                _(
                    "L'identifiant court du webmail, sans « @{domain} » : "
                    "prenom.nom, ou jdupont (avec parfois un chiffre)."
                ).format(domain=DIJON.mail_domain),
                "",
            )
        elif not check.ok:
            self._kept_notes = None
            text, state = check.error, "-error"
        elif check.changed:
            self._kept_notes = None
            text = _("Identifiant utilisé : « {short} ». ").format(short=check.username)
            text += " ".join(check.notes)
            state = "-changed"
        else:
            self._kept_notes = None
            text, state = _("Identifiant utilisé : « {short} ».").format(short=check.username), ""
        note.update(Prose(text))
        note.set_classes(f"note {state}".strip())
        if check.ok and not (kept is not None and value == kept[0]):
            self._suggest_email(value, check.username)

    def _suggest_email(self, typed: str, username: str) -> None:
        """prenom.nom → prenom.nom@ac-dijon.fr, unless the user wrote their own address."""
        email = self.query_one("#email", Input)
        if email.value and email.value != self._auto_email:
            return
        suggestion = ""
        address = typed.strip().lower()
        if "@" in address and address.rpartition("@")[0] == username:
            suggestion = address
        elif "." in username and USERNAME_RE.fullmatch(username):
            suggestion = f"{username}@{DIJON.mail_domain}"
        self._auto_email = suggestion
        email.value = suggestion

    def _check_interval(self) -> None:
        note = self.query_one("#interval-note", Static)
        value = self.query_one("#interval", Input).value
        ok = value.isdigit() and 1 <= int(value) <= 1440
        text = _("minutes (15 à 30 suffisent ; de 1 à 1440).")
        if not ok:
            text = _("Un nombre de minutes de 1 à 1440 (conseillé : 15 à 30).")
        note.update(Prose(text))
        note.set_classes("note" if ok else "note -error")

    def _show_preset(self) -> None:
        values = [self.query_one(f"#{i}", Input).value.strip() for i in self._server_ids]
        preset = [DIJON.imap_host, str(DIJON.imap_port), DIJON.smtp_host, str(DIJON.smtp_port)]
        if values == preset:
            text = _(
                "Serveur de l'académie : {host}, réception IMAP port {imap} et envoi SMTP "
                "port {smtp}, en SSL/TLS. Rien à changer : remplissez votre identifiant et "
                "votre mot de passe, puis testez."
            ).format(host=DIJON.imap_host, imap=DIJON.imap_port, smtp=DIJON.smtp_port)
            modified = False
        else:
            text = _(
                "Réglages modifiés (section « Avancé ») : réception {imap_host}:{imap_port}, "
                "envoi {smtp_host}:{smtp_port}. Ceux de l'académie sont {host}, ports "
                "{imap} et {smtp}."
            ).format(
                imap_host=values[0],
                imap_port=values[1],
                smtp_host=values[2],
                smtp_port=values[3],
                host=DIJON.imap_host,
                imap=DIJON.imap_port,
                smtp=DIJON.smtp_port,
            )
            modified = True
        preset_static = self.query_one("#preset", Static)
        preset_static.update(Prose(text))
        preset_static.set_class(modified, "-modified")

    _server_ids = ("imap-host", "imap-port", "smtp-host", "smtp-port")

    # --- reading the form ----------------------------------------------------------------

    def _settings(self) -> tuple[Settings | None, str, str]:
        """The checked settings, or None with the problem and the field to fix."""

        def value(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value.strip()

        check = normalise_username(self.query_one("#username", Input).value)
        if not check.ok:
            return None, check.error, "username"
        ports: dict[str, int] = {}
        for kind in ("imap", "smtp"):
            host = value(f"{kind}-host")
            if not _HOST_RE.fullmatch(host):
                return None, _("Indiquez un nom de serveur valide (Avancé)."), f"{kind}-host"
            port = value(f"{kind}-port")
            if not port.isdigit() or not 1 <= int(port) <= 65535:
                return None, _("Un port est un nombre de 1 à 65535 (Avancé)."), f"{kind}-port"
            ports[kind] = int(port)
        interval = value("interval")
        if not interval.isdigit() or not 1 <= int(interval) <= 1440:
            return None, _("Un nombre de minutes de 1 à 1440 (conseillé : 15 à 30)."), "interval"
        source = self._source()
        command = value("password-command")
        if source == "command" and not command:
            return None, _("Indiquez la commande qui affiche le mot de passe."), "password-command"
        email = value("email")
        if email and ("@" not in email or any(c.isspace() for c in email)):
            return (
                None,
                _("L'adresse a la forme prenom.nom@{domain}.").format(domain=DIJON.mail_domain),
                "email",
            )
        settings = Settings(
            username=check.username,
            display_name=value("display-name"),
            email=email,
            password=self.query_one("#password", Input).value,
            source=source,
            command=command,
            imap_host=value("imap-host"),
            imap_port=ports["imap"],
            smtp_host=value("smtp-host"),
            smtp_port=ports["smtp"],
            interval=int(interval),
        )
        return settings, "", ""

    def _refuse(self, problem: str, widget_id: str) -> None:
        if widget_id in self._server_ids:
            self.query_one("#advanced", Collapsible).collapsed = False
        self.notify(problem, severity="error", markup=False)
        self.query_one(f"#{widget_id}").focus()

    def _update_save_label(self) -> None:
        settings, _problem, _where = self._settings()
        ok = settings is not None and settings == self.tested
        button = self.query_one("#save", Button)
        button.label = Content(_("Enregistrer") if ok else _("Enregistrer sans tester"))
        button.variant = "success" if ok else "default"

    # --- the connection test -------------------------------------------------------------

    def action_advanced(self) -> None:
        """Open « Avancé » and put the cursor in its first field, scrolled into view."""
        advanced = self.query_one("#advanced", Collapsible)
        advanced.collapsed = False
        host = self.query_one("#imap-host", Input)
        self.call_after_refresh(host.focus)
        self.call_after_refresh(host.scroll_visible)

    def action_test(self) -> None:
        settings, problem, where = self._settings()
        if settings is None:
            self._refuse(problem, where)
            return
        if not settings.password and settings.source != "command":
            self._refuse(_("Saisissez votre mot de passe (celui du webmail)."), "password")
            return
        if self._testing:
            return
        self._testing = True
        self.tested = None
        self._update_save_label()
        # Not disabled: a disabled button loses the focus, and the keyboard user with it.
        self.query_one("#test", Button).label = Content(_("Test en cours…"))
        self.query_one("#results").display = True
        self._run_test(settings)

    def _password_for(self, settings: Settings) -> checkup.Password:
        if settings.password or settings.source != "command":
            return settings.password
        return lambda: secrets.run_password_command(settings.command)

    @work(thread=True, exit_on_error=False, group="setup-test", exclusive=True)
    def _run_test(self, settings: Settings) -> None:
        worker = get_current_worker()
        password = self._password_for(settings)
        results: list[checkup.StepResult] = []
        try:
            while not worker.is_cancelled:
                # mypy infers Never for the result of a coroutine function given here.
                self.app.call_from_thread(self._test_started)  # type: ignore[arg-type]
                results = []
                for result in checkup.run_checkup(settings.target, password, self.trust):
                    results.append(result)
                    self.app.call_from_thread(self._step_done, result)
                    if worker.is_cancelled:
                        return
                last = results[-1]
                if last.ok or last.certificate is None or not self._decide(last.certificate):
                    break  # passed, failed for good, or the certificate was refused
        finally:
            # Whatever happened, the button comes back and the outcome is shown.
            if not worker.is_cancelled:
                self.app.call_from_thread(self._test_finished, settings, results)  # type: ignore[arg-type]

    def _decide(self, error: CertificateError) -> bool:
        """Show the certificate prompt from this thread; True to test again."""
        info = getattr(error, "info", None)
        if info is None:
            return False
        pinned = error.pinned if isinstance(error, CertificateChanged) else None
        done = threading.Event()
        answer: list[Decision | None] = []

        def decided(decision: Decision | None) -> None:
            answer.append(decision)
            done.set()

        self.app.call_from_thread(self.app.push_screen, CertificatePrompt(info, pinned), decided)
        worker = get_current_worker()
        while not done.wait(0.1):
            if worker.is_cancelled:
                return False
        try:
            if answer[0] == Decision.ONCE:
                self.trust.accept_once(info)
            elif answer[0] == Decision.ALWAYS:
                self.trust.accept_always(info)
            else:
                return False
        except MailError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error", markup=False)
            return False
        return True

    async def _test_started(self) -> None:
        self.results = []
        for name in checkup.STEPS:
            self._paint(name, "·", "-pending")
        self._paint(checkup.STEPS[0], "…", "-running")
        await self._show_outcome([Static(Content(_("Test en cours…")))], "")
        self.query_one("#results").scroll_visible(animate=False, top=True)

    def _paint(self, name: str, mark: str, state: str, took: str = "", detail: str = "") -> None:
        row = self.query_one(f"#step-{name}", Horizontal)
        label = checkup.step_label(name)
        row.query_one(".step-head", Static).update(Content(f" {mark} {label:<28} {took}"))
        row.query_one(".step-detail", Static).update(Prose(detail))
        row.set_classes(f"step {state}")

    def _step_done(self, result: checkup.StepResult) -> None:
        self.results.append(result)
        took = f"{_seconds(result.seconds):>7} " if self.show_times else ""
        mark, state = ("✓", "-ok") if result.ok else ("✗", "-failed")
        self._paint(result.name, mark, state, took, result.detail)
        index = checkup.STEPS.index(result.name)
        if result.ok and index + 1 < len(checkup.STEPS):
            self._paint(checkup.STEPS[index + 1], "…", "-running")

    async def _show_outcome(self, widgets: list[Widget], state: str) -> None:
        outcome = self.query_one("#outcome", Vertical)
        await outcome.remove_children()
        await outcome.mount_all(widgets)
        outcome.set_classes(state)

    async def _test_finished(self, settings: Settings, results: list[checkup.StepResult]) -> None:
        self._testing = False
        self.query_one("#test", Button).label = Content(_("Tester la connexion"))
        ok, diagnosis = checkup.summary(results)
        if ok:
            self.tested = settings
            done = Content.assemble(
                (_("La connexion fonctionne."), "bold"),
                "\n",
                _("Vérifiez les réglages puis choisissez « Enregistrer »."),
            )
            widgets: list[Widget] = [Static(done, classes="outcome-title")]
            if diagnosis is not None:
                widgets += diagnosis_widgets(diagnosis, warning=True)
            await self._show_outcome(widgets, "-ok")
            self._update_save_label()
            self.query_one("#save", Button).focus()
        else:
            if diagnosis is None:
                diagnosis = Diagnosis(_("Le test s'est arrêté"), _("Relancez le test."))
            widgets = diagnosis_widgets(diagnosis)
            fix = _FIX.get(diagnosis.kind)
            if fix is not None:
                self._fix_target = fix[0]
                widgets.insert(2, Button(Content(_(fix[1])), id="fix", classes="fix"))
            await self._show_outcome(widgets, "-failed")
            if fix is not None:
                self.query_one("#fix", Button).focus(scroll_visible=False)
            self._update_save_label()
        # The steps and the start of the explanation, together on screen.
        self.call_after_refresh(self.query_one("#results").scroll_visible, animate=False, top=True)

    # --- saving --------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.adding:
            self._label = self.query_one("#label", Input).value.strip()
        settings, problem, where = self._settings()
        if settings is None:
            self._refuse(problem, where)
            return
        if settings.source == "keyring" and not settings.password:
            self._refuse(_("Saisissez le mot de passe à garder dans le trousseau."), "password")
            return
        if settings == self.tested:
            self._save(settings)
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._save(settings)

        self.app.push_screen(ConfirmUntested(), confirmed)

    @work(thread=True, exit_on_error=False, group="setup-save", exclusive=True)
    def _save(self, settings: Settings) -> None:
        # The keyring can take seconds (D-Bus): never on the UI thread.
        account = settings.account()

        def keep_password() -> None:
            # Only once the file is known to take the account: an add refused as a
            # duplicate must not replace the password of the account it duplicates.
            if settings.password and settings.source in ("keyring", "ask"):
                secrets.store_password(account, settings.password, settings.source)

        try:
            if self.adding:
                add_account(
                    self.config_path,
                    {**account, "label": self._label},
                    before_write=keep_password,
                )
            else:
                save_config(
                    self.config_path,
                    {"account": account, "sync": {"interval_minutes": settings.interval}},
                    before_write=keep_password,
                )
        except MailError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error", markup=False)
            return
        except OSError as exc:
            message = _("Impossible d'écrire {path} : {reason}").format(
                path=self.config_path, reason=file_reason(exc)
            )
            self.app.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        self.app.call_from_thread(self._saved)

    def _fix(self) -> None:
        """Straight to the field the diagnosis points at (Avancé opened when needed)."""
        target = self._fix_target
        if target in self._server_ids:
            self.query_one("#advanced", Collapsible).collapsed = False
        field = self.query_one(f"#{target}", Input)
        field.focus()

    def _saved(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {
            "test": self.action_test,
            "save": self.action_save,
            "cancel": self.action_cancel,
            "fix": self._fix,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()
