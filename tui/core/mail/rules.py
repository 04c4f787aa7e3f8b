"""Sorting rules (#19): « from the rectorat → Administration, marked read ».

Written by the user in the config file as `[[rules]]` tables, read here into `Rule`s
with an error in their words (and « Vouliez-vous dire … ? ») for what cannot be read.
A rule matches a message when every condition it has matches (text compared without
case or accents); its actions are a folder to move to, `flag` and `read`. Several
rules may match one message: it gets the flags of all of them and goes to the folder of
the first that moves. The worker applies the rules to new mail in the inbox as it
arrives; the mailbox applies them on demand to a whole folder, after a preview. What
they do to the store is in tui/core/store/rule_runs.py.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tui.core.i18n import _, ngettext, pgettext
from tui.core.mail.patterns import folded

if TYPE_CHECKING:  # the config reads rules at start-up: the message parser loads later
    from tui.core.mail.summary import Summary

CONDITIONS = ("from", "to", "subject", "keyword")
ACTIONS = ("move", "flag", "read")
KEYS = ("name", *CONDITIONS, *ACTIONS)
MAX_RULES = 200
MAX_TEXT = 200


class RuleError(ValueError):
    """A rule that cannot be read; the message says which and why, in French."""


@dataclass(frozen=True)
class Rule:
    name: str  # as written; "" when the rule has none (see `label`)
    conditions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # as written
    move: str = ""
    flag: bool = False
    read: bool = False
    number: int = 0  # its place in the file, from 1: plans count by it

    @property
    def label(self) -> str:
        """Its name, or « règle n° 2 » in the language of the moment."""
        return self.name or _("règle n° {number}").format(number=self.number)

    @cached_property
    def _folded(self) -> dict[str, tuple[str, ...]]:
        return {c: tuple(folded(w) for w in words) for c, words in self.conditions.items()}

    def matches(self, message: Summary) -> bool:
        return all(
            any(word in _field(message, condition) for word in words)
            for condition, words in self._folded.items()
        )

    def describe(self) -> str:
        """« de : rectorat ; objet : circulaire → Administration, lu »."""
        labels = {
            "from": pgettext("rule", "de"),
            "to": pgettext("rule", "à"),
            "subject": pgettext("rule", "objet"),
            "keyword": pgettext("rule", "mot"),
        }
        conditions = " ; ".join(
            f"{labels[c]} : {' / '.join(words)}" for c, words in self.conditions.items()
        )
        done = [self.move] if self.move else []
        done += [pgettext("rule", "suivi")] if self.flag else []
        done += [pgettext("rule", "lu")] if self.read else []
        return f"{conditions} → {', '.join(done)}"


def _field(message: Summary, condition: str) -> str:
    if condition == "from":
        text = f"{message.sender_name} {message.sender_address}"
    elif condition == "to":
        text = f"{message.to} {message.cc}"
    elif condition == "subject":
        text = message.subject
    else:
        text = f"{message.subject} {message.sender_name} {message.sender_address} "
        text += f"{message.to} {message.cc}"
    return folded(text)


def parse_rules(raw: Any) -> tuple[Rule, ...]:
    """The `[[rules]]` of the config file; RuleError on the first that cannot be read."""
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise RuleError(_("« rules » doit être une liste de règles [[rules]]."))
    if len(raw) > MAX_RULES:
        raise RuleError(_("Trop de règles : {max} au plus.").format(max=MAX_RULES))
    return tuple(_rule(item, number) for number, item in enumerate(raw, 1))


def _rule(item: dict[str, Any], number: int) -> Rule:
    where = _("règle n° {number}").format(number=number)  # errors come at start-up
    for key in item:
        if key not in KEYS:
            message = _("{rule} : clé inconnue « {key} ».").format(rule=where, key=str(key)[:60])
            close = difflib.get_close_matches(str(key), KEYS, n=1, cutoff=0.6)
            if close:
                message += " " + _("Vouliez-vous dire « {suggestion} » ?").format(
                    suggestion=close[0]
                )
            raise RuleError(
                message + " " + _("Clés permises : {keys}.").format(keys=", ".join(KEYS))
            )
    name = item.get("name", "")
    if not isinstance(name, str) or _controls(name):
        raise RuleError(_("{rule} : « name » doit être un texte.").format(rule=where))
    conditions: dict[str, tuple[str, ...]] = {}
    for condition in CONDITIONS:
        if condition in item:
            conditions[condition] = _words(item[condition], where, condition)
    if not conditions:
        raise RuleError(
            _("{rule} : aucune condition ({conditions}).").format(
                rule=where, conditions=", ".join(CONDITIONS)
            )
        )
    move = item.get("move", "")
    if not isinstance(move, str) or len(move) > MAX_TEXT or _controls(move):
        raise RuleError(_("{rule} : « move » doit être le nom d'un dossier.").format(rule=where))
    for flag in ("flag", "read"):
        if flag in item and not isinstance(item[flag], bool):
            raise RuleError(
                _("{rule} : « {key} » vaut true ou false.").format(rule=where, key=flag)
            )
    rule = Rule(
        number=number,
        name=name[:MAX_TEXT],
        conditions=conditions,
        move=move.strip(),
        flag=bool(item.get("flag")),
        read=bool(item.get("read")),
    )
    if not (rule.move or rule.flag or rule.read):
        raise RuleError(_("{rule} : aucune action (move, flag, read).").format(rule=where))
    return rule


def _controls(text: str) -> bool:
    """A control character (line breaks, escape sequences): not in a rule's text, which
    reaches the screen, the IMAP server and a Sieve script."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def _words(value: Any, where: str, key: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if (
        not isinstance(values, list)
        or not values
        or not all(
            isinstance(v, str) and v.strip() and len(v) <= MAX_TEXT and not _controls(v)
            for v in values
        )
    ):
        raise RuleError(
            _("{rule} : « {key} » doit être un texte ou une liste de textes.").format(
                rule=where, key=key
            )
        )
    return tuple(v.strip() for v in values)


# --- applying them -------------------------------------------------------------------


@dataclass
class Plan:
    """What the rules would do to some messages: per rule, the messages it sorts."""

    flags: dict[tuple[str, str], list[tuple[str, int]]] = field(default_factory=dict)
    moves: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # target → keys
    by_rule: dict[int, int] = field(default_factory=dict)  # rule number → messages matched
    missing: dict[int, str] = field(default_factory=dict)  # rule number → folder not found

    @property
    def keys(self) -> set[tuple[str, int]]:
        """Every message the plan touches."""
        moved = {key for keys in self.moves.values() for key in keys}
        return moved | {key for keys in self.flags.values() for key in keys}

    @property
    def count(self) -> int:
        return len(self.keys)


def resolve(name: str, folders: set[str]) -> str | None:
    """The folder a rule names: exactly, else without regard to case, else under the
    server's personal prefix (« Administration » is « INBOX.Administration » on a
    server that puts every folder under the inbox); None when none or several fit."""
    if name in folders:
        return name
    wanted = name.casefold()
    for candidates in (
        [f for f in folders if f.casefold() == wanted],
        [f for f in folders if any(_below(f, sep).casefold() == wanted for sep in "./")],
    ):
        if len(candidates) == 1:
            return candidates[0]
    return None


def _below(folder: str, separator: str) -> str:
    """The name under the personal prefix: « INBOX.Projets.Erasmus » → « Projets.Erasmus »
    (« Archives/2024 » is not « 2024 »: another parent is another folder)."""
    first, found, rest = folder.partition(separator)
    return rest if found and first.upper() == "INBOX" else ""


def plan(rules: Sequence[Rule], messages: Iterable[Summary], folders: set[str]) -> Plan:
    """What `rules` would do to `messages`; a move into the folder a message is in, or
    into a folder that does not exist, is left out (and the latter reported)."""
    result = Plan()
    targets = {r.move: resolve(r.move, folders) for r in rules if r.move}
    result.missing = {r.number: r.move for r in rules if r.move and targets[r.move] is None}
    for message in messages:
        key = (message.folder, message.uid)
        target: str | None = None  # the first rule that moves decides, staying put too
        for rule in rules:
            if not rule.matches(message):
                continue
            result.by_rule[rule.number] = result.by_rule.get(rule.number, 0) + 1
            for wanted, flag in ((rule.flag, "\\Flagged"), (rule.read, "\\Seen")):
                if wanted and flag not in message.flags:
                    result.flags.setdefault((message.folder, flag), []).append(key)
            if rule.move and target is None and rule.number not in result.missing:
                target = targets[rule.move]
        if target and target != message.folder:
            result.moves.setdefault(target, []).append(key)
    for keys in result.flags.values():  # one message flagged by two rules: once
        keys[:] = list(dict.fromkeys(keys))
    return result


def missing_folder(rule: str, folder: str) -> str:
    return _("Règle « {rule} » : le dossier « {folder} » n'existe pas.").format(
        rule=rule, folder=folder
    )


def sorted_notice(count: int) -> str:
    return ngettext(
        "{n} nouveau message trié par vos règles.",
        "{n} nouveaux messages triés par vos règles.",
        count,
    ).format(n=count)
