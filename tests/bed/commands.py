"""What the client sent a bare IMAP4rev1 server, checked against what it announced.

Dovecot accepts commands it does not announce, so a client that forgets to look at the
capabilities would pass every test against it and fail against the academy's server.
The bare profile logs every session's input (Dovecot's rawlog, one `*.in` file per
session, each line prefixed with a timestamp); `commands` rebuilds the commands from
it, literals skipped, and `unannounced` names each one that needs an extension.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_STAMP = re.compile(rb"^\d+\.\d+ ")
_LITERAL = re.compile(rb"\{(\d+)\+?\}$")

# RFC 3501's commands once authenticated; UID prefixes FETCH, STORE, COPY and SEARCH.
BASE_COMMANDS = {
    "CAPABILITY", "NOOP", "LOGOUT", "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME",
    "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "STATUS", "APPEND", "CHECK", "CLOSE",
    "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY",
}  # fmt: skip
UID_COMMANDS = {"FETCH", "STORE", "COPY", "SEARCH"}
# Words that only an extension gives a base command: CONDSTORE/QRESYNC modifiers, LIST-
# EXTENDED and LIST-STATUS options, ESEARCH's RETURN, BINARY fetches, STATUS=SIZE…
EXTENSION_WORDS = (
    "CONDSTORE", "QRESYNC", "CHANGEDSINCE", "UNCHANGEDSINCE", "MODSEQ", "HIGHESTMODSEQ",
    "RETURN", "SPECIAL-USE", "BINARY", "SIZE", "VANISHED", "SAVEDATE", "PREVIEW",
    "SNIPPET", "APPENDLIMIT",
)  # fmt: skip


def _stream(path: Path) -> bytes:
    """The session's input as the client sent it (rawlog stamps every line)."""
    lines = path.read_bytes().split(b"\r\n")
    return b"\r\n".join(_STAMP.sub(b"", line, count=1) for line in lines)


def _commands_of(data: bytes) -> Iterable[bytes]:
    """Each command's text with its literals left out (« {n} » kept as a marker)."""
    position, current = 0, b""
    while position < len(data):
        end = data.find(b"\r\n", position)
        if end < 0:
            end = len(data)
        line = data[position:end]
        position = end + 2
        literal = _LITERAL.search(line)
        current += line
        if literal:
            position += int(literal[1])  # the literal's bytes, then the line goes on
            continue
        if current:
            yield current
        current = b""


# A test's own client (the « webmail » that sets up and reads back the server) marks its
# sessions with this harmless base command, so that only courriel's are checked.
OBSERVER_MARK = "courriel-test-observer"


def commands(rawlog_dir: Path) -> list[str]:
    """Every command of every logged session but the test's own, oldest file first."""
    found: list[str] = []
    for path in sorted(rawlog_dir.glob("*.in")):
        session = [text.decode("utf-8", "replace") for text in _commands_of(_stream(path))]
        if not any(OBSERVER_MARK in text for text in session):
            found.extend(session)
    return found


# What an announced extension allows: commands (after UID too) and words in arguments.
EXTENSION_GRANTS: dict[str, tuple[set[str], set[str]]] = {
    "MOVE": ({"MOVE"}, set()),
    "UIDPLUS": ({"EXPUNGE"}, set()),
    "CONDSTORE": (set(), {"CONDSTORE", "CHANGEDSINCE", "UNCHANGEDSINCE", "MODSEQ",
                          "HIGHESTMODSEQ"}),
    "ENABLE": ({"ENABLE"}, set()),
    "ESEARCH": (set(), {"RETURN"}),
    "IDLE": ({"IDLE"}, set()),
    "UNSELECT": ({"UNSELECT"}, set()),
    "NAMESPACE": ({"NAMESPACE"}, set()),
    "QUOTA": ({"GETQUOTAROOT", "GETQUOTA"}, set()),
    "ID": ({"ID"}, set()),
}  # fmt: skip


def unannounced(logged: Iterable[str], offered: Iterable[str] = ()) -> list[str]:
    """The logged commands a bare IMAP4rev1 server, plus the `offered` extensions, did
    not allow (IDLE's DONE included, unless IDLE was offered)."""
    commands_ok, uid_ok, words_banned = set(BASE_COMMANDS), set(UID_COMMANDS), set(EXTENSION_WORDS)
    for name in offered:
        granted_commands, granted_words = EXTENSION_GRANTS[name]
        commands_ok |= granted_commands
        uid_ok |= granted_commands
        words_banned -= granted_words
    wrong = []
    for text in logged:
        words = text.split()
        if len(words) < 2:
            if not ("IDLE" in offered and text.upper() == "DONE"):
                wrong.append(text)  # « DONE » ends an IDLE
            continue
        name = words[1].upper()
        by_uid = name == "UID" and len(words) > 2
        ok = words[2].upper() in uid_ok if by_uid else name in commands_ok
        upper = {w.strip("()[]<>").upper() for w in words[2:]}
        if not ok or upper & words_banned:
            wrong.append(text)
    return wrong
