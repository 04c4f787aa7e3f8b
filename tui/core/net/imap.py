"""One IMAP connection over implicit TLS, and the few commands sync needs.

Capabilities are read after login and used only when offered. Two imapclient 4.1.0
limits are worked around here, in one place (PITFALLS.md): string UID ranges
(`fetch("1:*")` raises after the command ran) go through `_fetch_range`, and a folder
name with an unbalanced `[` no longer hides the whole folder list. Everything else is
imapclient's public API. Bodies are fetched with BODY.PEEK: reading never sets \\Seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from imapclient import IMAPClient
from imapclient.response_parser import parse_fetch_response

from tui.core.errors import ServerMisbehaved, ServerTooSlow
from tui.core.logs import log
from tui.core.net import imapprivate
from tui.core.net.fetchparse import parse_simple_fetch
from tui.core.net.imapreplies import MAX_FOLDERS as MAX_FOLDERS
from tui.core.net.imapreplies import MAX_SEARCH_UIDS as MAX_SEARCH_UIDS
from tui.core.net.imapreplies import (
    ListedFolder,
    MailboxStatus,
    capped_list,
    esearch_all,
    esearch_max,
    folder_name,
    parse_list_line,
    parse_status_lines,
    representable,
    status_of,
    text_of,
)
from tui.core.net.imapsession import KNOWN_CAPABILITIES as KNOWN_CAPABILITIES
from tui.core.net.imapsession import CommandFailed, ImapSession

BATCH = 500  # explicit UIDs per command: imapclient does not compress ranges

_APPENDUID = re.compile(r"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


def uid_ranges(uids: Iterable[int]) -> str:
    """A compact UID set ("1:5,9,12:14") for the commands that accept one."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}:{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def batched(items: Sequence[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class ImapConnection(ImapSession):
    """The commands sync needs, on one session (tui/core/net/imapsession.py)."""

    # --- folders ------------------------------------------------------------------

    def list_folders(self) -> list[ListedFolder]:
        return self.list_folders_with_status()[0]

    def list_folders_with_status(self) -> tuple[list[ListedFolder], dict[str, MailboxStatus]]:
        """LIST; with LIST-STATUS (RFC 5819) the STATUS of every folder in the same answer.

        One round trip instead of one STATUS per folder, and no tagged OK line each: the
        whole no-change check of an account. Without LIST-STATUS the statuses are empty.
        """
        status_items = " ".join(self._status_items())
        extended = self.has("LIST-STATUS")

        def run(client: IMAPClient) -> tuple[list[ListedFolder], dict[str, MailboxStatus]]:
            args = ['""', '"*"']
            if extended:
                # Extended LIST returns special-use flags only when asked (RFC 6154).
                special = "SPECIAL-USE " if self.has("SPECIAL-USE") else ""
                args.append(f"RETURN ({special}STATUS ({status_items}))")
            data, statuses = imapprivate.list_with_status(client, args)
            found: list[ListedFolder] = []
            data = [item for item in data if item]  # a literal's empty trailer
            self.folders_announced = len(data)
            for item in capped_list(data):
                parsed = parse_list_line(item)
                if parsed is None:
                    continue
                flags, delim, raw = parsed
                name = folder_name(raw)
                shown_flags = tuple(text_of(f) for f in flags)
                if not representable(name):
                    # Invalid modified UTF-7 (« &2D0- », a lone surrogate) cannot be
                    # stored, nor named back to the server the same way: listed under
                    # its raw name and never selected, so the other folders sync on.
                    name = raw.decode("ascii", errors="replace") if isinstance(raw, bytes) else name
                    name = name.encode("utf-8", "replace").decode("utf-8")
                    shown_flags = (*shown_flags, "\\Noselect")
                found.append(ListedFolder(name, text_of(delim) or "/", shown_flags))
            return found, parse_status_lines(statuses) if extended else {}

        return self._call(run)

    def _status_items(self) -> list[str]:
        items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN"]
        if self.condstore:
            items.append("HIGHESTMODSEQ")
        return items

    def status(self, folder: str) -> MailboxStatus:
        """STATUS without selecting: the cheap no-change check (a few dozen bytes)."""
        items = self._status_items()
        return status_of(self._call(lambda c: c.folder_status(folder, items)))

    def create_folder(self, folder: str) -> None:
        self._call(lambda c: c.create_folder(folder))

    def delete_folder(self, folder: str) -> None:
        self._leave(folder)
        self._call(lambda c: c.delete_folder(folder))

    def rename_folder(self, old: str, new: str) -> None:
        self._leave(old)
        self._call(lambda c: c.rename_folder(old, new))

    # --- fetching -----------------------------------------------------------------

    def _fetch_range(
        self, message_set: str, items: Sequence[str], *, uid: bool, modifiers: str | None = None
    ) -> dict[int, dict[bytes, Any]]:
        """FETCH with a range string, keyed by UID (imapclient#... string ranges, PITFALLS)."""

        def run(client: IMAPClient) -> dict[int, dict[bytes, Any]]:
            args = ["FETCH", message_set, "(" + " ".join(items) + ")"]
            if modifiers:
                args.append(f"({modifiers})")
            if uid:
                args.insert(0, "UID")
            data = imapprivate.fetch_range(client, args)
            fast = parse_simple_fetch(data)
            if fast is not None:
                return fast
            parsed = parse_fetch_response(data, False, True)
            # Keyed by UID whatever the command; unsolicited responses without data dropped.
            return {k: v for k, v in parsed.items() if isinstance(k, int)}

        return self._call(run)

    def fetch_newest(
        self, count: int, exists: int, items: Sequence[str]
    ) -> dict[int, dict[bytes, Any]]:
        """The newest `count` messages by sequence number: one round trip after SELECT."""
        if exists <= 0 or count <= 0:
            return {}
        first = max(1, exists - count + 1)
        return self._fetch_range(f"{first}:{exists}", ["UID", *items], uid=False)

    def fetch_uid_range(
        self, low: int, high: int | None, items: Sequence[str], *, changedsince: int | None = None
    ) -> dict[int, dict[bytes, Any]]:
        """UID FETCH low:high (high None = `*`), optionally only what changed since a modseq."""
        if high is not None and high < low:
            return {}
        message_set = f"{low}:{'*' if high is None else high}"
        modifiers = f"CHANGEDSINCE {changedsince}" if changedsince is not None else None
        result = self._fetch_range(message_set, ["UID", *items], uid=True, modifiers=modifiers)
        # `n:*` always answers the last message even when it is below n (RFC 3501 6.4.8).
        return {k: v for k, v in result.items() if k >= low and (high is None or k <= high)}

    def fetch_uids(self, uids: Sequence[int], items: Sequence[str]) -> dict[int, dict[bytes, Any]]:
        result: dict[int, dict[bytes, Any]] = {}
        for chunk in batched(sorted(uids)):
            result.update(self._fetch_range(uid_ranges(chunk), ["UID", *items], uid=True))
        return result

    def fetch_body(self, uid: int) -> bytes | None:
        data = self.fetch_uids([uid], ["BODY.PEEK[]"])
        row = data.get(uid)
        if row is None:
            return None
        body = row.get(b"BODY[]")
        return bytes(body) if body is not None else None

    def search_uids(self, low: int = 1, high: int | None = None) -> list[int]:
        """Server UIDs within [low, high]; ESEARCH keeps the answer compact when offered."""
        criterion = f"{low}:{'*' if high is None else high}"
        if self.has("ESEARCH"):

            def run(client: IMAPClient) -> list[int]:
                return esearch_all(
                    imapprivate.esearch(client, [b"RETURN", b"(ALL)", b"UID", criterion.encode()])
                )

            found = self._call(run)
        else:
            found = [int(u) for u in self._call(lambda c: c.search(["UID", criterion]))]
        return sorted(u for u in found if u >= low and (high is None or u <= high))

    def last_uid_below(self, limit: int) -> int | None:
        """The highest UID under `limit`, None if there is none: the backfill jumps over
        an empty UID range instead of walking it window by window (a UIDNEXT of
        4294967295 cost 6,133 FETCHes, issue #24). One SEARCH, compact with ESEARCH."""
        if limit <= 1:
            return None
        criterion = f"1:{limit - 1}".encode()
        if self.has("ESEARCH"):

            def run(client: IMAPClient) -> int | None:
                return esearch_max(
                    imapprivate.esearch(client, [b"RETURN", b"(MAX)", b"UID", criterion])
                )

            found = self._call(run)
            return found if found is not None and found < limit else None
        below = self.search_uids(1, limit - 1)
        return below[-1] if below else None

    def search_text(self, text: str) -> list[int]:
        """Server-side TEXT search; CR/LF would start a new command (imapclient#657)."""
        if "\r" in text or "\n" in text or not text.strip():
            raise ValueError("search text must be one non-empty line")
        return sorted(
            int(u) for u in self._call(lambda c: c.search(["TEXT", text], charset="UTF-8"))
        )

    # --- changing -----------------------------------------------------------------

    def store_flags(
        self, uids: Sequence[int], add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        to_add, to_remove = list(add), list(remove)
        for chunk in batched(sorted(uids)):

            def run(client: IMAPClient, chunk: list[int] = chunk) -> None:
                if to_add:
                    client.add_flags(chunk, to_add, silent=True)
                if to_remove:
                    client.remove_flags(chunk, to_remove, silent=True)

            self._call(run)

    def move(self, uids: Sequence[int], target: str) -> None:
        """MOVE when offered, else COPY + \\Deleted + expunge of exactly these UIDs."""
        for chunk in batched(sorted(uids)):
            if self.has("MOVE"):

                def run(client: IMAPClient, chunk: list[int] = chunk) -> None:
                    client.move(chunk, target)

                self._call(run)
            else:

                def copy(client: IMAPClient, chunk: list[int] = chunk) -> None:
                    client.copy(chunk, target)

                self._call(copy)
                self.expunge(chunk)

    def expunge(self, uids: Sequence[int]) -> None:
        """Remove these messages for good: UID EXPUNGE of exactly them (UIDPLUS).

        Without UIDPLUS only a plain EXPUNGE exists, which also purges every message
        another program marked \\Deleted and has not purged yet (a webmail's « supprimer
        » without « purger »). Those marks are lifted for the EXPUNGE and put back
        afterwards: the other program still decides. Cut in between, the worst left is
        a message no longer marked, never one purged (docs/compatibility.md).
        """
        uidplus = self.has("UIDPLUS")
        for chunk in batched(sorted(uids)):

            def run(client: IMAPClient, chunk: list[int] = chunk) -> None:
                client.add_flags(chunk, [b"\\Deleted"], silent=True)
                if uidplus:
                    client.uid_expunge(chunk)
                    return
                marked = {int(uid) for uid in client.search(["DELETED"])}
                others = sorted(marked - set(chunk))
                if others:
                    log.info("EXPUNGE: %d mark(s) of another client kept aside", len(others))
                    client.remove_flags(others, [b"\\Deleted"], silent=True)
                try:
                    client.expunge()
                finally:
                    if others:
                        client.add_flags(others, [b"\\Deleted"], silent=True)

            self._call(run)

    def append(self, folder: str, raw: bytes, flags: Sequence[str] = ()) -> tuple[int, int] | None:
        """APPEND; (UIDVALIDITY, UID) of the new copy when the server says (UIDPLUS)."""
        answer = self._call(lambda c: c.append(folder, raw, flags=list(flags)))
        text = answer.decode("ascii", "replace") if isinstance(answer, bytes) else str(answer)
        match = _APPENDUID.search(text)
        return (int(match[1]), int(match[2])) if match else None

    def find_message_id(self, folder: str, message_id: str) -> list[int]:
        """UIDs in `folder` of the messages with this Message-ID (`compose.clean_msgid`'s
        form; search criteria are sent inline, so no CR, LF or space: imapclient#657)."""
        clean = message_id.isascii() and message_id.isprintable() and " " not in message_id
        if not message_id or not clean:
            raise ValueError("not one clean Message-ID")
        self.ensure_selected(folder)
        found = self._call(lambda c: c.search(["HEADER", "Message-ID", message_id]))
        return sorted(int(uid) for uid in found)

    def quota(self) -> tuple[int, int] | None:
        """(used KiB, limit KiB) of the INBOX storage quota, when the server offers QUOTA."""
        if not self.has("QUOTA"):
            return None
        _roots, quotas = self._call(lambda c: c.get_quota_root("INBOX"))
        for quota in quotas:
            if text_of(quota.resource).upper() == "STORAGE":
                return int(quota.usage), int(quota.limit)
        return None


__all__ = [
    "BATCH",
    "KNOWN_CAPABILITIES",
    "CommandFailed",
    "ImapConnection",
    "ListedFolder",
    "MailboxStatus",
    "ServerMisbehaved",
    "ServerTooSlow",
    "batched",
    "uid_ranges",
]
