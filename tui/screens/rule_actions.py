"""The mailbox's sorting rules (#19): « Règles de tri… » shows them with what they would
do to the folder on screen, applies them to it as one undoable action, and edits them
in the user's editor (the config file's [[rules]])."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.errors import ConfigError
from tui.core.i18n import _, ngettext
from tui.core.mail import sieve
from tui.core.mail.formatting import figure
from tui.core.mail.rules import resolve
from tui.core.store.cache import Cache
from tui.core.store.rule_runs import plan_folder
from tui.screens.list_order import ListOrder
from tui.views import rules_on_server, views_path
from tui.widgets.folder_list import FolderList

if TYPE_CHECKING:
    from tui.screens.rules_screen import RulesScreen


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
        label_of = self.query_one(FolderList).label_of
        folders = {f.name for f in self.account.cache.folders()}
        on_server = rules_on_server(self._views())
        server = ServerState(
            available=not self.account.demo,
            since=on_server["since"] if on_server else None,
            outdated=on_server is not None
            and on_server["fingerprint"] != sieve.fingerprint(self._script()),
        )
        screen = RulesScreen(
            rules,
            None,
            label_of(folder) if rules and in_folder else "",
            str(self.account.config.path),
            label_of,
            server,
            missing={
                r.number: r.move for r in rules if r.move and resolve(r.move, folders) is None
            },
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
            elif choice == "apply" and screen.plan is not None and self.folder == folder:
                count = self.account.apply_rules(screen.plan)
                self._removed()
                text = ngettext(
                    "{n} message rangé par les règles", "{n} messages rangés par les règles", count
                ).format(n=figure(count))
                self._done(text, count)

        self.app.push_screen(screen, answered)
        if rules and in_folder:
            self._count_for(screen, folder)

    def _count_for(self, screen: RulesScreen, folder: str) -> None:
        """What the rules would do to the folder, counted in a thread on a connection of
        its own: at 50,000 messages it takes most of a second, the UI stays free."""
        cache = self.account.cache
        path, store, rules = cache.path, cache.durable_path, self.account.config.rules

        def count() -> None:
            reader = Cache.open(path, durable_path=store, check=False)
            try:
                plan = plan_folder(reader, folder, rules)
            finally:
                reader.close()
            self.app.call_from_thread(screen.show_plan, plan)

        self.run_worker(count, thread=True, group="rules-count", exit_on_error=False)

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
