"""The command palette's system commands (ctrl+p), found with or without accents, each
with the keys that do the same thing.

The titles are French by default (CourrielApp.get_system_commands): Textual's matcher
compares characters exactly, so « theme » would not find « Thème ». Here the query and
the titles are compared without their accents, and the title is shown as written.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from rich.align import Align
from rich.text import Text
from textual.app import SystemCommand
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits
from textual.content import Content
from textual.system_commands import SystemCommandsProvider
from textual.theme import ThemeProvider
from textual.widgets.option_list import Option

from tui.core.i18n import _
from tui.keys import keys_name

if TYPE_CHECKING:
    from tui.screens.mailbox import MailboxScreen


def fold(text: str) -> str:
    """Each character without its accent, so the length stays the same: « Thème » →
    « Theme », « écran » → « ecran »."""
    return "".join(unicodedata.normalize("NFD", char)[0] for char in text)


class SystemCommands(SystemCommandsProvider):
    def _keys(self, callback: Callable[[], object]) -> str:
        """The keys in force (the user's keymap applied) that run the same action as this
        command on the screen underneath: « q » for Quitter, « ?, F1 » for Aide."""
        name = getattr(callback, "__name__", "")
        if not name.startswith("action_"):
            return ""
        action = name.removeprefix("action_")
        found = [
            (not active.binding.show, key)  # the footer's key first
            for key, active in self.screen.active_bindings.items()
            if active.enabled and active.binding.action.split(".")[-1] == action
        ]
        return keys_name(key for _hidden, key in sorted(found, key=lambda item: item[0]))

    def _shown(self, title: Content, callback: Callable[[], object]) -> Content:
        keys = self._keys(callback)
        return Content.assemble(title, ("  " + keys, "dim")) if keys else title

    async def discover(self) -> Hits:
        commands = sorted(self.app.get_system_commands(self.screen), key=lambda c: c.title)
        for title, help_text, callback, discover in commands:
            if discover:
                shown = self._shown(Content(title), callback)
                yield DiscoveryHit(shown, callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(fold(query))
        for title, help_text, callback, *_rest in self.app.get_system_commands(self.screen):
            folded = fold(title)
            if (score := matcher.match(folded)) > 0:
                # The highlight found on the folded title, laid on the real one.
                shown = Content(title, spans=list(matcher.highlight(folded).spans))
                yield Hit(score, self._shown(shown, callback), callback, text=title, help=help_text)


class Palette(CommandPalette):
    """Textual's palette, whose one sentence of its own, « No matches found », is said in
    the user's language. It replaces a private method (Textual 8.2, pinned to the minor
    version; tests/test_french_everywhere.py checks the method is still there)."""

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            # Nothing to say in discovery mode (an empty query), as in Textual.
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("Aucun résultat"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
            self._list_visible = bool(search_value)

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


class CourrielThemes(ThemeProvider):
    """The theme picker offers courriel's themes and the user's own, not Textual's twenty:
    those were not designed for reading mail and crowd out the four that were."""

    @property
    def commands(self) -> list[tuple[str, Callable[[], None]]]:
        ours = set(getattr(self.app, "courriel_themes", ()))
        return [(name, run) for name, run in super().commands if name in ours]


def mailbox_commands(screen: MailboxScreen, *, demo: bool) -> Iterator[SystemCommand]:
    """The mailbox's commands in the palette (the folder ones need a server)."""
    commands: list[tuple[str, str, Callable[[], object]]] = [
        (
            _("Tout marquer comme lu"),
            _("Les messages non lus du dossier affiché"),
            screen.action_mark_folder_read,
        ),
        (_("Tout marquer"), _("Chaque message de la liste"), screen.action_mark_all),
        (
            _("Marquer selon…"),
            _("Par expéditeur, objet, ancienneté ou taille"),
            screen.action_mark_pattern,
        ),
        (_("Trier…"), _("Par date, taille, expéditeur ou objet"), screen.action_sort),
        (
            _("Contacts"),
            _("Le carnet d'adresses : filtrer, renommer, supprimer, importer un fichier"),
            screen.action_contacts,
        ),
        (
            _("Répondre à l'invitation…"),
            _("Accepter, Peut-être ou Refuser l'invitation ouverte"),
            screen.action_answer_invitation,
        ),
        (
            _("Pièces jointes…"),
            _("Lire en texte, enregistrer ou ouvrir une pièce jointe du message"),
            screen.action_attachments,
        ),
        (
            _("Règles de tri…"),
            _("Ranger le courrier par expéditeur, objet… (fichier de configuration)"),
            screen.action_rules,
        ),
        (
            _("Plus gros messages"),
            _("De tous les dossiers, pour faire de la place"),
            screen.action_largest,
        ),
        (
            _("Vider la corbeille"),
            _("Supprimer définitivement les messages de la corbeille"),
            screen.action_empty_trash,
        ),
    ]
    if not demo:
        commands += [
            (
                _("Nouveau dossier…"),
                _("Créer un dossier sur le serveur"),
                screen.action_new_folder,
            ),
            (_("Renommer le dossier…"), _("Le dossier affiché"), screen.action_rename_folder),
            (
                _("Supprimer le dossier…"),
                _("Le dossier affiché et ses messages, après confirmation"),
                screen.action_delete_folder,
            ),
        ]
    for title, help_text, action in commands:
        yield SystemCommand(title, help_text, action)
