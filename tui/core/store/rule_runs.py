"""Sorting rules carried out on the store (#19): a whole folder planned a window at a
time, mail delivered to the inbox sorted once, and a plan queued as actions.

The rules themselves (what they say and what they match) are tui/core/mail/rules.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from tui.core.mail.rules import Plan, Rule, plan
from tui.core.mail.summary import Summary
from tui.core.store import actions
from tui.core.store.cache import Cache

_MARKER = "rules_from_uid:{folder}"  # the first uid the rules have not looked at yet
_SORTED = "rules_sorted_ids"  # Message-IDs the rules moved, newest last
SORTED_KEPT = 2000


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
    op_ids: list[int] = []
    with cache.transaction():
        for (folder, flag), keys in result.flags.items():
            op_ids += actions.set_flags(cache, folder, [uid for _f, uid in keys], add=[flag])
        for target, keys in result.moves.items():
            for folder in dict.fromkeys(f for f, _uid in keys):
                uids = [uid for f, uid in keys if f == folder]
                op_ids += actions.move(cache, folder, uids, target)
    return op_ids
