"""Subject prefixes: the « Re: » and « TR: » mail clients pile up, in the languages our
users' correspondents write them (Réf., AW, SV, RV, Enc., …).

Light on purpose: the message list imports it before the first frame.
"""

from __future__ import annotations

import re

REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|ré|réf|ref|aw|sv|vs|antw|rép|rep)\s*(?:\[\d+\]|\(\d+\))?\s*\.?\s*:\s*)+",
    re.IGNORECASE,
)
FORWARD_PREFIX = re.compile(
    r"^\s*(?:(?:fwd?|tr|wg|rv|enc|doorst)\s*(?:\[\d+\]|\(\d+\))?\s*\.?\s*:\s*)+",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")


def base_subject(subject: str) -> str:
    """The subject without reply or forward prefixes, spaces folded, case ignored: two
    messages of one conversation compare equal.

    Spaces are folded and the length capped first: the prefix patterns backtrack on long
    runs of spaces (42 s for « Re » and 4,000 spaces), and subjects are hostile.
    """
    subject = _SPACES.sub(" ", subject)[:300]
    previous = None
    while previous != subject:
        previous = subject
        subject = FORWARD_PREFIX.sub("", REPLY_PREFIX.sub("", subject))
    return _SPACES.sub(" ", subject).strip().casefold()
