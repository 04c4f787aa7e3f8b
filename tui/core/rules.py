"""Sorting rules (#19): « from the rectorat → Administration, marked read ».

Written by the user in the config file as `[[rules]]` tables, read here into `Rule`s
with an error in their words (and « Vouliez-vous dire … ? ») for what cannot be read.
A rule matches a message when every condition it has matches (text compared without
case or accents); its actions are a folder to move to, `flag` and `read`. Several
rules may match one message: it gets the flags of all of them and goes to the folder of
the first that moves. The worker applies the rules to new mail in the inbox as it
arrives; the mailbox applies them on demand to a whole folder, after a preview.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tui.core.i18n import _, ngettext, pgettext
from tui.core.patterns import folded

if TYPE_CHECKING:  # the config reads rules at start-up: the store loads later
    from tui.core.cache import Cache, Summary

CONDITIONS = ("from", "to", "subject", "keyword")
ACTIONS = ("move", "flag", "read")
KEYS = ("name", *CONDITIONS, *ACTIONS)
MAX_RULES = 200
MAX_TEXT = 200
_MARKER = "rules_from_uid:{folder}"  # the first uid the rules have not looked at yet
_SORTED = "rules_sorted_ids"  # Message-IDs the rules moved, newest last
SORTED_KEPT = 2000


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


PLAN_WINDOW = 2000  # messages read at a time when a whole folder is planned


def plan_folder(cache: Cache, folder: str, rules: Sequence[Rule]) -> Plan:
    """What the rules would do to every cached message of `folder`, read a window at
    a time: memory stays that of one window whatever the folder's size."""
    folders = {f.name for f in cache.folders()}
    total = Plan()
    low = 0
    while True:
        uids = cache.uids(folder, low=low, limit=PLAN_WINDOW)
        if not uids:
            return total
        part = plan(rules, cache.summaries(folder, uids), folders)
        for flag_key, keys in part.flags.items():
            total.flags.setdefault(flag_key, []).extend(keys)
        for target, keys in part.moves.items():
            total.moves.setdefault(target, []).extend(keys)
        for number, count in part.by_rule.items():
            total.by_rule[number] = total.by_rule.get(number, 0) + count
        total.missing.update(part.missing)
        low = uids[-1] + 1


ARRIVAL_MARGIN = 600.0  # seconds of clock difference allowed with the server's


def apply_to_new(
    cache: Cache,
    folder: str,
    rules: Sequence[Rule],
    arrived: Callable[[list[int]], dict[int, float]] | None = None,
) -> Plan | None:
    """Sort the mail that arrived in `folder` since the rules last looked (the worker,
    after a sync); None when nothing was sorted.

    Only mail *delivered* since then. A message moved into the folder (the user taking
    it back from where a rule put it, a « pas indésirable ») has a new uid but keeps its
    delivery time (INTERNALDATE, from `arrived`): older than the newest delivery the
    last look saw (both the server's clock), it is left where the user put it; and a
    message the rules filed once is never filed again. The first look, and a look
    without rules (on the server, or none), only move the marker on: existing mail is
    never sorted by surprise.
    """
    key = _MARKER.format(folder=folder)
    state = cache.folder_state(folder)
    validity, _sep, rest = (cache.meta(key) or "").partition(":")
    start, _sep, last = rest.partition(":")
    if validity != str(state.uidvalidity) or not start.isdigit():
        # First look, or the folder was renumbered: from the next message on.
        cache.set_meta(key, f"{state.uidvalidity}:{state.uidnext or 1}:")
        return None
    uids = cache.uids(folder, low=int(start))
    if not uids:
        return None
    asked = set(uids)
    times = arrived(uids) if arrived is not None and rules else {}
    times = {uid: when for uid, when in times.items() if uid in asked}
    newest = max(times.values(), default=float(last) if _number(last) else None)
    mark = f"{state.uidvalidity}:{uids[-1] + 1}:{'' if newest is None else f'{newest:.0f}'}"
    if not rules:
        cache.set_meta(key, mark)
        return None
    if _number(last):
        since = float(last) - ARRIVAL_MARGIN
        uids = [uid for uid in uids if times.get(uid, since) >= since]
    sorted_once = set(_sorted_once(cache))
    messages = [
        m
        for m in cache.summaries(folder, uids)
        if _identity(m, times.get(m.uid)) not in sorted_once
    ]
    result = plan(rules, messages, {f.name for f in cache.folders()})
    moved = {key for keys in result.moves.values() for key in keys}
    with cache.transaction():
        carry_out(cache, result)
        cache.set_meta(key, mark)
        ids = [_identity(m, times.get(m.uid)) for m in messages if (m.folder, m.uid) in moved]
        if ids:
            kept = [*[i for i in _sorted_once(cache) if i not in ids], *ids][-SORTED_KEPT:]
            cache.set_meta(_SORTED, json.dumps(kept))
    return result


def _identity(message: Summary, delivered: float | None) -> str:
    """What stays the same when a message moves, and differs for a second copy
    delivered: its Message-ID (or sender, subject and date) with its delivery time."""
    name = message.message_id or f"{message.sender_address}|{message.subject}|{message.date}"
    when = "" if delivered is None else f"{delivered:.0f}"
    return f"{name[:400]}|{when}"


def _sorted_once(cache: Cache) -> list[str]:
    """Message-IDs the rules have already filed away: one the user brings back to the
    inbox is not filed again, however soon after its delivery."""
    try:
        value = json.loads(cache.meta(_SORTED) or "[]")
    except ValueError:
        return []
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def carry_out(cache: Cache, result: Plan) -> list[int]:
    """Queue what the plan says, flags before moves (a move renumbers the messages);
    the queued operations' ids."""
    from tui.core import actions

    op_ids: list[int] = []
    with cache.transaction():
        for (folder, flag), keys in result.flags.items():
            op_ids += actions.set_flags(cache, folder, [uid for _f, uid in keys], add=[flag])
        for target, keys in result.moves.items():
            for folder in dict.fromkeys(f for f, _uid in keys):
                uids = [uid for f, uid in keys if f == folder]
                op_ids += actions.move(cache, folder, uids, target)
    return op_ids


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
