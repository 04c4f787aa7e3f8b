"""The Textual application: wires screens, global bindings and the account's worker.

Worker events arrive on the worker's thread and are re-posted as Messages
(tui/bridge.py), handled on the UI thread by tui/account_events.py. Errors from core
become a notification or a modal in plain words; nothing here lets a traceback reach
the screen.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from tui.account import Account
from tui.app_accounts import AccountSlots, Slot, slots_of
from tui.config import Config, default_config_path, load_config
from tui.config_write import save_config
from tui.core import logs, secrets
from tui.core.errors import ConfigError
from tui.core.i18n import _, ngettext
from tui.core.mail.sanitize import clean_line, clean_text
from tui.crash import CrashScreen
from tui.keys import key_name
from tui.palette import CourrielThemes, Palette, SystemCommands, mailbox_commands
from tui.screens.choice import Choice
from tui.screens.help import HelpScreen, key_table
from tui.screens.mailbox import MailboxScreen
from tui.screens.password import PasswordPrompt
from tui.sending import Sending
from tui.session import AccountSession, open_accounts, stop_all
from tui.terminal_keys import TerminalKeys
from tui.themes import DEFAULT_THEME, SIXTEEN_COLOUR_THEME, load_themes
from tui.typeahead import TypeAhead

if TYPE_CHECKING:
    # The worker, SMTP and certificate code load when the account connects, not before
    # the first frame (imapclient, aiosmtplib, cryptography: bench/README.md).
    from tui.core.mail.mailto import Mailto


def binding_ids() -> set[str]:
    """Every Binding id a user keymap may name."""
    from tui.screens.certificate import CertificatePrompt
    from tui.screens.compose import ComposeScreen
    from tui.screens.outbox import OutboxScreen
    from tui.screens.setup import SetupScreen
    from tui.widgets.message_list import MessageList

    classes: list[type] = [
        CourrielApp,
        MailboxScreen,
        MessageList,
        ComposeScreen,
        OutboxScreen,
        SetupScreen,
        CertificatePrompt,
        HelpScreen,
    ]
    return {
        binding.id
        for cls in classes
        for binding in getattr(cls, "BINDINGS", [])
        if isinstance(binding, Binding) and binding.id
    }


class CourrielApp(TypeAhead, CrashScreen, TerminalKeys, AccountSlots, Sending, App[None]):
    """courriel: its accounts (tui/app_accounts.py), a mailbox screen, the global keys."""

    TITLE = "courriel"
    COMMANDS = {SystemCommands}  # Textual's provider, but « theme » finds « Thème »
    BINDINGS = [
        Binding("question_mark,f1", "help", _("Aide"), id="app.help"),
        Binding("q", "quit", _("Quitter"), id="app.quit"),
    ]

    def __init__(
        self,
        config: Config,
        account: Account,
        session: AccountSession | None = None,
        *,
        mailto: Mailto | None = None,
        others: Sequence[tuple[Account, AccountSession]] = (),
    ) -> None:
        super().__init__()
        # The first account, then the [[accounts]] (#20); the names `account`,
        # `session`, `config`… read the one being handled (tui/app_accounts.py).
        self._set_slots(slots_of(config, [(account, session), *others]))
        self._mailto = mailto  # `courriel mailto:…`: composed once the account is open
        self._theme_problems: list[str] = []
        self._install_themes()
        self._link_timer: Timer | None = None
        # A user keymap: [keys] "mailbox.delete" = "d,x" rebinds by the Binding ids.
        keymap = config.values.get("keys", {})
        self.set_keymap(keymap)
        self._theme_problems += [
            _("Touche inconnue dans [keys] : « {id} » (voir docs/keys.md).").format(id=name)
            for name in sorted(set(keymap) - (binding_ids() if keymap else set()))
        ]

    def get_key_display(self, binding: Binding) -> str:
        """Keys named as on a French keyboard (« Échap », « Suppr »), or in English."""
        return binding.key_display or key_name(binding.key)

    @classmethod
    def for_account(cls, config: Config, *, mailto: Mailto | None = None) -> CourrielApp:
        """The app on the user's real account (cache, worker, prompts)."""
        (account, session), *others = open_accounts(config)
        return cls(config, account, session, mailto=mailto, others=others)

    def close_account(self) -> None:
        """Every account: its threads told to stop, its cache closed."""
        stop_all(slot.session for slot in self.slots if slot.session is not None)
        for slot in self.slots:
            slot.account.cache.close()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast goes through here: sanitised, and never parsed as markup, since
        server answers and message data end up in notifications (PITFALLS.md).
        What an account not on screen says is titled with its name (#20)."""
        if not title and self._slot is not self._shown:
            title = self._slot.label
        super().notify(
            clean_text(message),
            title=clean_line(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # --- start-up -----------------------------------------------------------------

    def _install_themes(self) -> None:
        loaded = load_themes(default_config_path().parent / "themes")
        for theme in loaded.themes.values():
            self.register_theme(theme)
        self.courriel_themes: tuple[str, ...] = tuple(loaded.themes)  # what the picker offers
        self._theme_problems = loaded.problems
        wanted = self.config.ui["theme"]
        if not wanted:
            sixteen = os.environ.get("TEXTUAL_COLOR_SYSTEM") == "standard"
            wanted = SIXTEEN_COLOUR_THEME if sixteen else DEFAULT_THEME
        elif wanted not in loaded.themes and wanted not in self.available_themes:
            self._theme_problems.append(
                _("Thème « {name} » introuvable : thème par défaut utilisé.").format(name=wanted)
            )
            wanted = DEFAULT_THEME
        self._effective_theme = wanted
        self.theme = wanted

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # q types a letter in a form; it quits only where it cannot be text.
        in_form = type(self.screen).__name__ in ("SetupScreen", "ComposeScreen")
        return not (action == "quit" and in_form)

    def watch_theme(self, theme: str) -> None:
        """A theme picked in the command palette is kept for the next start."""
        if self.account.demo or theme == self._effective_theme:
            return
        self._effective_theme = theme
        self.config.ui["theme"] = theme
        try:
            save_config(self.config.path, {"ui": {"theme": theme}})
        except (ConfigError, OSError) as exc:
            message = exc.message if isinstance(exc, ConfigError) else str(exc)
            self.notify(message, severity="warning")

    def on_mount(self) -> None:
        for problem in self._theme_problems:
            self.notify(problem, severity="warning", markup=False)
        for notice in self.account.cache.notices:
            self.notify(notice, severity="warning", markup=False)
        if self.account.demo:
            self.sub_title = _("démonstration — hors ligne")
        elif self.several:
            self.sub_title = self._shown.label
        mailbox = self.new_mailbox()
        self.push_screen(mailbox)
        self.call_after_refresh(gc.enable)  # paused by the command line until this frame
        if self.session is not None and not self.session.configured:
            self.action_setup()  # a mailto: link waits for the account to exist
            return
        self._compose_mailto(mailbox)
        if self.session is not None:
            self._each_account(self._connect_account)

    def _compose_mailto(self, mailbox: MailboxScreen) -> None:
        """The compose screen a `mailto:` link asked for, over the mailbox once it is
        mounted (a callback of the screen's runs after its mount), and what was left out."""
        link, self._mailto = self._mailto, None
        if link is None:
            return
        from tui.core.mail import mailto
        from tui.core.mail.compose import Identity

        draft = mailto.draft(link, Identity.from_account(self.config.account))
        mailbox.call_later(mailbox.write, draft)
        for text in mailto.notices(link):
            self.notify(text, severity="warning", timeout=20)

    def _connect_account(self) -> None:
        """The account handled now: its password found (off the UI thread), its sync
        timer set; each account connects on its own worker, none waits for another."""
        self._status(_("connexion…"))
        self._find_password(self._slot)
        minutes = self.config.sync["interval_minutes"]
        self._sync_timer = self.set_interval(minutes * 60, self._sync_callback())
        if self._link_timer is None:  # the countdown, and a command that hangs
            self._link_timer = self.set_interval(1.0, self._show_link)

    # --- the command palette (ctrl+p) --------------------------------------------
    # Textual's own palette entries and prompts are English: the ones we keep are
    # declared again here, in the user's language.

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's system commands in French or English, then ours. Its « Keys » panel
        is left out: « Aide » (?) lists the same keys, described in the user's language."""
        yield SystemCommand(
            _("Thème"), _("Changer les couleurs de l'écran"), self.action_change_theme
        )
        yield SystemCommand(_("Quitter"), _("Fermer courriel"), self.action_quit)
        if not isinstance(screen, HelpScreen):
            yield SystemCommand(_("Aide"), _("Les touches de cet écran"), self.action_help)
        if screen.maximized is not None:
            yield SystemCommand(
                _("Taille normale"), _("Le panneau reprend sa taille"), screen.action_minimize
            )
        elif screen.focused is not None and screen.focused.allow_maximize:
            yield SystemCommand(
                _("Agrandir"), _("Le panneau actif sur tout l'écran"), screen.action_maximize
            )
        yield SystemCommand(
            _("Capture d'écran"),
            _("Enregistrer une image SVG de l'écran"),
            # After the palette has closed, or it would be in the picture.
            lambda: self.set_timer(0.1, self._save_screenshot),
        )
        if isinstance(screen, MailboxScreen):
            yield from mailbox_commands(screen, demo=self.account.demo)
        if not self.account.demo:
            yield SystemCommand(
                _("Configurer le compte"),
                _("Serveurs, identifiant, mot de passe, test de connexion"),
                self.action_setup,
            )
            yield SystemCommand(
                _("Ajouter un compte"),
                _("Une autre boîte : fonctionnelle, second compte, personnelle"),
                self.action_add_account,
            )
        if isinstance(screen, MailboxScreen) and self.several:
            for slot in self.slots:
                if slot is not self._shown:
                    yield SystemCommand(
                        _("Compte : {label}").format(label=clean_line(slot.label)),
                        _("Afficher les dossiers de ce compte"),
                        lambda index=slot.index: self.show_account(index),
                    )

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]  # App[None] is an App
            prompt = _("Rechercher une commande…")
            self.push_screen(Palette(id="--command-palette", placeholder=prompt))

    def search_themes(self) -> None:
        prompt = _("Rechercher un thème…")
        self.push_screen(Palette(providers=[CourrielThemes], placeholder=prompt))

    def action_setup(self) -> None:
        """The setup screen; when it saves, the app switches to the new settings."""
        from tui.screens.setup import SetupScreen

        assert self.session is not None

        def done(saved: bool | None) -> None:
            if saved:
                self._switch_account(load_config(self.config.path))
            elif not self.session or not self.session.configured:
                self.notify(
                    _(
                        "Aucun compte configuré. « Configurer le compte » est dans la palette "
                        "(ctrl+p) ; « courriel --demo » pour essayer."
                    ),
                    severity="warning",
                    timeout=20,
                )

        self.push_screen(
            SetupScreen(
                self.slots[0].config.path,
                trust=self.session.trust,
                initial=self.slots[0].config.values,
            ),
            done,
        )

    def _switch_account(self, config: Config, show: int = 0) -> None:
        """New settings saved: close the accounts, open them again, connect each. The
        setup screen can be opened from any screen (the palette): what is above the
        mailbox (a message being written) closes first, saving into its account's
        store while it is still open (review: the text went to a temporary file and
        the old mailbox stayed in the stack, deaf to the new accounts' events)."""
        self.call_later(self._reopen_accounts, config, show)

    async def _reopen_accounts(self, config: Config, show: int) -> None:
        if any(isinstance(screen, MailboxScreen) for screen in self.screen_stack):
            while not isinstance(self.screen, MailboxScreen):
                await self.pop_screen()
        trust = self.session.trust if self.session is not None else None
        for slot in self.slots:
            if slot.sync_timer is not None:
                slot.sync_timer.stop()
        self.close_account()
        self._set_slots(slots_of(config, open_accounts(config, trust)))
        if 0 < show < len(self.slots):
            self._shown = self._slot = self.slots[show]
        self.sub_title = self._shown.label if self.several else ""
        mailbox = self.new_mailbox()
        self.switch_screen(mailbox)
        self._compose_mailto(mailbox)
        self._each_account(self._connect_account)

    @work(thread=True, exit_on_error=False, group="password")
    def _find_password(self, slot: Slot) -> None:
        """Keyring and password commands can block: never on the UI thread, and one
        account's slow command never holds up another's."""
        try:
            password = secrets.get_password(slot.config.account)
        except secrets.SecretError as exc:
            message = exc.message  # said as that account: titled when it is not shown
            self.call_from_thread(
                self.in_slot,
                slot,
                lambda: self.notify(message, severity="error", markup=False),
            )
            password = None
        self.call_from_thread(self.in_slot, slot, self._password_found, password)

    def _password_found(self, password: str | None) -> None:
        if password is None:
            self._ask_password(refused=False)
        elif self._cache_has_folders():
            # After the next frame: importing the IMAP worker (~90 ms) must not hold up
            # the list the cache already has on screen.
            self.call_after_refresh(self._bind(self._start), password)
        else:
            # A first sync: nothing to show before the server answers, so its round trips
            # overlap with drawing the empty screen (bench: empty-cache launch).
            self._start(password)

    def _cache_has_folders(self) -> bool:
        """False too when the cache cannot be read: the worker starts at once, and its
        check sets a damaged file aside and rebuilds it (issue #15)."""
        try:
            return bool(self.account.cache.folders())
        except Exception as error:
            logs.record(error, "cache read at start")
            return False

    def _ask_password(self, *, refused: bool) -> None:
        account = self.config.account

        def entered(password: str | None) -> None:
            if password is None:
                self._status(_("hors ligne : pas de mot de passe"))
                return
            secrets.store_password(account, password, source="ask")
            self._start(password)

        self.push_screen(
            PasswordPrompt(account["username"], account["imap_host"], refused=refused),
            self._bind(entered),
        )

    def _start(self, password: str) -> None:
        assert self.session is not None
        self._password = password
        if self.session.worker is None:
            self.session.start(password)
        else:
            self.session.worker.resume(password)

    def _sync_callback(self) -> Callable[[], None]:
        """The periodic sync of the account handled now, whichever is shown then."""
        session = self.session

        def sync() -> None:
            if session is not None and session.worker is not None:
                session.worker.sync_now()

        return sync

    async def action_quit(self) -> None:
        from tui.core.store import outbox  # the email package: not before the first frame

        # Only queued messages "leave at the next launch": held and uncertain ones wait
        # for the user, and one in DATA becomes uncertain when quitting cuts it.
        waiting = [
            row
            for slot in self.slots
            for row in outbox.pending(slot.account.cache)
            if row.status == outbox.QUEUED
        ]
        if not waiting or self.account.demo:
            self._leave()
            return

        def answered(choice: str | None) -> None:
            if choice == "quit":
                self._leave()

        self.push_screen(
            Choice(
                _("Des messages ne sont pas encore partis"),
                ngettext(
                    "{n} message attend dans la boîte d'envoi. Il reste enregistré "
                    "et partira au prochain lancement de courriel.",
                    "{n} messages attendent dans la boîte d'envoi. Ils restent enregistrés "
                    "et partiront au prochain lancement de courriel.",
                    len(waiting),
                ).format(n=len(waiting)),
                [("stay", _("Rester")), ("quit", _("Quitter quand même"))],
            ),
            answered,
        )

    def _leave(self) -> None:
        stop_all(slot.session for slot in self.slots if slot.session is not None)
        self.exit()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(key_table(self.screen)))
