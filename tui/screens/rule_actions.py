"""The mailbox's sorting rules (#19): « Règles de tri… » shows them with what they would
do to the folder on screen, applies them to it as one undoable action, and edits them
in the user's editor (the config file's [[rules]])."""

from __future__ import annotations

from pathlib import Path

from tui.core import sieve
from tui.core.errors import ConfigError
from tui.core.formatting import figure
from tui.core.i18n import _, ngettext
from tui.core.rules import plan_folder, resolve
from tui.screens.list_order import ListOrder
from tui.views import rules_on_server, views_path
from tui.widgets.folder_list import FolderList


class RuleActions(ListOrder):
    """MailboxScreen inherits these."""

    def _views(self) -> Path:
        return views_path(self.account.cache.durable_path)

    def _script(self) -> str:
        """The Sieve script for the rules, with the folders as the server names them."""
        folders = {f.name for f in self.account.cache.folders()}
        rules = self.account.config.rules
        targets = {r.move: resolve(r.move, folders) or "" for r in rules if r.move}
        return sieve.script(rules, targets)

    def action_rules(self) -> None:
        from tui.screens.rules_screen import RulesScreen, ServerState

        rules = self.account.config.rules
        folder = self.folder
        in_folder = self.results is None
        plan = plan_folder(self.account.cache, folder, rules) if rules and in_folder else None
        label_of = self.query_one(FolderList).label_of
        on_server = rules_on_server(self._views())
        server = ServerState(
            available=not self.account.demo,
            since=on_server["since"] if on_server else None,
            outdated=on_server is not None
            and on_server["fingerprint"] != sieve.fingerprint(self._script()),
        )

        def answered(choice: str | None) -> None:
            if choice == "edit":
                self._edit_rules()
            elif choice == "install":
                self.account.install_rules(self._script())
                self.notify(_("Installation des règles sur le serveur…"), markup=False)
            elif choice == "remove":
                self.account.remove_rules()
                self.notify(_("Retrait des règles du serveur…"), markup=False)
            elif choice == "apply" and plan is not None and self.folder == folder:
                count = self.account.apply_rules(plan)
                self._removed()
                text = ngettext(
                    "{n} message rangé par les règles", "{n} messages rangés par les règles", count
                ).format(n=figure(count))
                self._done(text, count)

        self.app.push_screen(
            RulesScreen(
                rules, plan, label_of(folder), str(self.account.config.path), label_of, server
            ),
            answered,
        )

    def _edit_rules(self) -> None:
        """The config file in the user's editor, then its rules read again (and handed to
        the worker); a file that cannot be read changes nothing, and says why."""
        from tui.config import load_config
        from tui.editor import edit_file

        path = self.account.config.path
        problem = edit_file(self.app, path)
        if problem is not None:
            self.notify(problem, severity="warning", markup=False)
            return
        try:
            fresh = load_config(path)
        except ConfigError as exc:
            self.notify(
                _("{problem} Les règles en service restent celles d'avant.").format(
                    problem=exc.message
                ),
                severity="error",
                timeout=20,
                markup=False,
            )
            return
        self.account.set_rules(fresh.rules, here=rules_on_server(self._views()) is None)
        self.notify(
            ngettext("{n} règle en service.", "{n} règles en service.", len(fresh.rules)).format(
                n=len(fresh.rules)
            ),
            markup=False,
        )
        self.action_rules()
