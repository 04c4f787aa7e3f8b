"""The mailbox's sorting rules (#19): « Règles de tri… » shows them with what they would
do to the folder on screen, applies them to it as one undoable action, and edits them
in the user's editor (the config file's [[rules]])."""

from __future__ import annotations

from tui.core.errors import ConfigError
from tui.core.formatting import figure
from tui.core.i18n import _, ngettext
from tui.core.rules import plan_folder
from tui.screens.list_order import ListOrder
from tui.widgets.folder_list import FolderList


class RuleActions(ListOrder):
    """MailboxScreen inherits these."""

    def action_rules(self) -> None:
        from tui.screens.rules_screen import RulesScreen

        rules = self.account.config.rules
        folder = self.folder
        in_folder = self.results is None
        plan = plan_folder(self.account.cache, folder, rules) if rules and in_folder else None
        label_of = self.query_one(FolderList).label_of

        def answered(choice: str | None) -> None:
            if choice == "edit":
                self._edit_rules()
            elif choice == "apply" and plan is not None and self.folder == folder:
                count = self.account.apply_rules(plan)
                self._removed()
                text = ngettext(
                    "{n} message rangé par les règles", "{n} messages rangés par les règles", count
                ).format(n=figure(count))
                self._done(text, count)

        self.app.push_screen(
            RulesScreen(rules, plan, label_of(folder), str(self.account.config.path), label_of),
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
        self.account.set_rules(fresh.rules)
        self.notify(
            ngettext("{n} règle en service.", "{n} règles en service.", len(fresh.rules)).format(
                n=len(fresh.rules)
            ),
            markup=False,
        )
        self.action_rules()
