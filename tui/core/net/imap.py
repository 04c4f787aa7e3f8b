"""One IMAP connection over implicit TLS, and the few commands sync needs.

Capabilities are read after login and used only when offered. Two imapclient 4.1.0
limits are worked around here, in one place (PITFALLS.md): string UID ranges
(`fetch("1:*")` raises after the command ran) go through `_fetch_range`, and a folder
name with an unbalanced `[` no longer hides the whole folder list. Everything else is
imapclient's public API. Bodies are fetched with BODY.PEEK: reading never sets \\Seen.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from imapclient import IMAPClient, imap_utf7
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError, ProtocolError
from imapclient.response_parser import parse_fetch_response, parse_response

from tui.core.diagnose.replies import login_refused
from tui.core.errors import ConnectionLost, MailError, ServerMisbehaved, ServerTooSlow
from tui.core.i18n import _, ngettext
from tui.core.logs import log
from tui.core.mail.formatting import figure
from tui.core.mail.sanitize import clean_line
from tui.core.net.fetchparse import parse_simple_fetch
from tui.core.net.imapguard import (
    RESPONSE_SECONDS,
    Budget,
    GuardedClient,
)
from tui.core.net.trust import TrustStore

T = TypeVar("T")

# The extensions courriel uses when a server offers them, and does without otherwise
# (docs/compatibility.md); `courriel doctor` names the missing ones.
KNOWN_CAPABILITIES = (
    "CONDSTORE",
    "ENABLE",
    "ESEARCH",
    "IDLE",
    "LIST-STATUS",
    "MOVE",
    "QUOTA",
    "SPECIAL-USE",
    "UIDPLUS",
    "UNSELECT",
)
BATCH = 500  # explicit UIDs per command: imapclient does not compress ranges
MAX_FOLDERS = 5_000  # folders kept from one LIST
MAX_SEARCH_UIDS = 1_000_000  # UIDs one SEARCH / ESEARCH answer may name
_APPENDUID = re.compile(r"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


class CommandFailed(MailError):
    """The server answered NO or BAD to a command."""

    @property
    def title(self) -> str:
        return _("Commande refusée")


@dataclass(frozen=True)
class MailboxStatus:
    uidvalidity: int
    uidnext: int
    messages: int
    highestmodseq: int | None = None
    unseen: int | None = None
    # PERMANENTFLAGS as the server sent it (None: not sent); "\\*" means any keyword.
    permanent: tuple[str, ...] | None = None

    def keeps(self, flag: str) -> bool:
        """Whether a STORE of this flag lasts: system flags always do; a keyword such
        as $Junk only where the server says so (RFC 3501, PERMANENTFLAGS)."""
        if flag.startswith("\\") or self.permanent is None:
            return True  # not said: every flag can be kept (RFC 3501, 7.1)
        return "\\*" in self.permanent or flag in self.permanent


def _flag_names(value: object) -> tuple[str, ...] | None:
    """A SELECT response's flag list as text (imapclient gives bytes): at most 200
    keywords, and « \\* » whatever its place."""
    if not isinstance(value, (tuple, list)):
        return None
    names = [f.decode("ascii", "replace") if isinstance(f, bytes) else str(f) for f in value]
    return tuple(names[:200]) + (("\\*",) if "\\*" in names[200:] else ())


@dataclass(frozen=True)
class ListedFolder:
    name: str  # decoded from modified UTF-7: exactly what goes back to the server
    delimiter: str
    flags: tuple[str, ...]


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


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


_LIST_LINE = re.compile(
    rb'^\((?P<flags>[^)]*)\)\s+(?P<delim>NIL|"(?:\\.|[^"\\])*")\s+(?P<name>.+)$', re.I
)


def _parse_list_line(item: Any) -> tuple[tuple[bytes, ...], bytes | None, bytes] | None:
    """One LIST response, parsed alone so a malformed one hides only itself."""
    if isinstance(item, tuple):  # (line ending with {n}, literal name)
        head = re.sub(rb"\{\d+\+?\}$", b"", item[0]).strip()
        match = _LIST_LINE.match(head + b" x")
        if not match:
            return None
        delim = match["delim"]
        return (
            tuple(match["flags"].split()),
            None if delim.upper() == b"NIL" else delim[1:-1].replace(b"\\", b""),
            bytes(item[1]),
        )
    if not isinstance(item, bytes) or not item:
        return None
    try:
        flags, delim, name = parse_response([item])
        if isinstance(name, int):
            name = str(name).encode()
        return tuple(flags), delim, name
    except Exception:  # noqa: S110 - imapclient#583: fall back to a plain reading
        pass
    match = _LIST_LINE.match(item)
    if not match:
        return None
    raw_name = match["name"].strip()
    if raw_name.startswith(b'"') and raw_name.endswith(b'"'):
        raw_name = re.sub(rb"\\(.)", rb"\1", raw_name[1:-1])
    delim = match["delim"]
    return (
        tuple(match["flags"].split()),
        None if delim.upper() == b"NIL" else delim[1:-1].replace(b"\\", b""),
        raw_name,
    )


class ImapConnection:
    """One authenticated IMAP session; every call from the one thread that owns it."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        trust: TrustStore,
        *,
        timeout: float = 30.0,
        response_seconds: float = RESPONSE_SECONDS,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.trust = trust
        self.timeout = timeout
        self._budget = Budget(response_seconds, timeout)
        self.folders_announced = 0  # LIST answers of the last folder list (capped)
        self.client: IMAPClient | None = None
        self.capabilities: frozenset[str] = frozenset()
        self.selected: str | None = None
        self.condstore_enabled = False  # ENABLE CONDSTORE done in this session
        self._condstore_refused = False

    # --- session ------------------------------------------------------------------

    def set_password(self, password: str) -> None:
        """A new password for the next `connect` (the user typed it again)."""
        self._password = password

    def connect(self) -> None:
        """TLS, certificate checks, then LOGIN; raises AuthError/ConnectionLost/Certificate*."""
        context = self.trust.tls_context(self.host, self.port)
        self._budget.open()  # the greeting and LOGIN have a deadline too
        try:
            client = GuardedClient(
                self._budget,
                self.host,
                port=self.port,
                ssl=True,
                ssl_context=context,
                timeout=self.timeout,
            )
        except ssl.SSLCertVerificationError as exc:
            self._budget.close()
            raise self.trust.needs_decision(self.host, self.port, exc) from None
        except ConnectionLost:
            self._budget.close()
            raise
        except (OSError, IMAPClientError) as exc:
            self._budget.close()
            raise ConnectionLost(
                _("Impossible de joindre {host}:{port}.").format(host=self.host, port=self.port),
                detail=str(exc),
            ) from None
        try:
            sock = client.socket()
            der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
            self.trust.check_peer(self.host, self.port, der)
            client.normalise_times = False
            try:
                client.login(self.username, self._password)
            except LoginError as exc:
                raise login_refused(self.username, str(exc)) from None
            self.capabilities = frozenset(_text(c).upper() for c in client.capabilities())
        except (IMAPClientAbortError, OSError, EOFError) as exc:
            self._drop(client)
            raise ConnectionLost(
                _("La connexion au serveur a été perdue."), detail=str(exc)
            ) from None
        except BaseException:
            self._drop(client)
            raise
        finally:
            self._budget.close()
        self.client = client
        self.selected = None
        self.condstore_enabled = False

    @staticmethod
    def _drop(client: IMAPClient) -> None:
        with contextlib.suppress(Exception):  # already broken: nothing to report
            client.shutdown()

    def close(self) -> None:
        """LOGOUT politely; a dead connection is simply dropped."""
        client, self.client = self.client, None
        self.selected = None
        if client is None:
            return
        self._budget.open()
        try:
            client.logout()
        except Exception:
            self._drop(client)
        finally:
            self._budget.close()

    def adopt(self, client: IMAPClient) -> None:
        """Use a client logged in elsewhere (doctor's), with its deadline if guarded."""
        self.client = client
        self.selected = None
        self.capabilities = frozenset(_text(c).upper() for c in client.capabilities())
        if isinstance(client, GuardedClient):
            self._budget = client._budget

    @property
    def busy_since(self) -> float | None:
        """time.monotonic() when the command in flight began; None between commands.
        Read from other threads (a float), so the status bar can say a server is slow."""
        return self._budget.started

    @property
    def silent_since(self) -> float | None:
        """Since when the command in flight has received nothing: a 20 MB body arriving
        is a slow answer, not a silent server. None between commands."""
        return self._budget.silent_since()

    @property
    def connected(self) -> bool:
        return self.client is not None

    def has(self, capability: str) -> bool:
        return capability.upper() in self.capabilities

    def offered(self) -> dict[str, bool]:
        return {name: self.has(name) for name in KNOWN_CAPABILITIES}

    def _call(self, fn: Callable[[IMAPClient], T]) -> T:
        """Run one command; network failures become ConnectionLost, NO/BAD CommandFailed."""
        if self.client is None:
            raise ConnectionLost(_("Pas de connexion au serveur."))
        self._budget.open()
        try:
            return fn(self.client)
        except ConnectionLost:  # a limit crossed while reading (Budget, GuardedIMAP4)
            self._lose()
            raise
        except RecursionError:
            self._lose()
            raise ServerMisbehaved(
                _("Le serveur a décrit un message d'une structure trop profonde pour être lue.")
            ) from None
        except (ProtocolError, ValueError) as exc:
            # An answer that does not parse: what came after it cannot be trusted either.
            self._lose()
            raise ServerMisbehaved(
                _("Le serveur a envoyé une réponse illisible ({detail}).").format(
                    detail=clean_line(str(exc))[:120]
                ),
                detail=clean_line(str(exc))[:300],
            ) from None
        except (IMAPClientAbortError, OSError, EOFError) as exc:
            self._lose()
            raise ConnectionLost(
                _("La connexion au serveur a été perdue."), detail=str(exc)
            ) from None
        except IMAPClientError as exc:
            text = str(exc)
            if "abort" in type(exc).__name__.lower() or "socket error" in text.lower():
                client, self.client = self.client, None
                if client is not None:
                    self._drop(client)
                raise ConnectionLost(
                    _("La connexion au serveur a été perdue."), detail=text
                ) from None
            raise CommandFailed(_("Le serveur a refusé la commande."), detail=text) from None
        finally:
            self._budget.close()

    def _lose(self) -> None:
        """Drop the connection: the answer in progress left it in an unknown state."""
        client, self.client = self.client, None
        self.selected = None
        if client is not None:
            self._drop(client)

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
            imap = client._imap
            args = ['""', '"*"']
            if extended:
                # Extended LIST returns special-use flags only when asked (RFC 6154).
                special = "SPECIAL-USE " if self.has("SPECIAL-USE") else ""
                args.append(f"RETURN ({special}STATUS ({status_items}))")
            typ, data = imap._simple_command("LIST", *args)
            client._checkok("list", typ, data)
            typ, data = imap._untagged_response(typ, data, "LIST")
            _typ, statuses = imap._untagged_response(typ, [None], "STATUS")
            found: list[ListedFolder] = []
            data = [item for item in data if item]  # a literal's empty trailer
            self.folders_announced = len(data)
            for item in _capped_list(data):
                parsed = _parse_list_line(item)
                if parsed is None:
                    continue
                flags, delim, raw = parsed
                name = _folder_name(raw)
                shown_flags = tuple(_text(f) for f in flags)
                if not _representable(name):
                    # Invalid modified UTF-7 (« &2D0- », a lone surrogate) cannot be
                    # stored, nor named back to the server the same way: listed under
                    # its raw name and never selected, so the other folders sync on.
                    name = raw.decode("ascii", errors="replace") if isinstance(raw, bytes) else name
                    name = name.encode("utf-8", "replace").decode("utf-8")
                    shown_flags = (*shown_flags, "\\Noselect")
                found.append(ListedFolder(name, _text(delim) or "/", shown_flags))
            return found, _parse_status_lines(statuses) if extended else {}

        return self._call(run)

    def _status_items(self) -> list[str]:
        items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN"]
        if self.condstore:
            items.append("HIGHESTMODSEQ")
        return items

    def status(self, folder: str) -> MailboxStatus:
        """STATUS without selecting: the cheap no-change check (a few dozen bytes)."""
        items = self._status_items()
        return _status(self._call(lambda c: c.folder_status(folder, items)))

    @property
    def condstore(self) -> bool:
        """CONDSTORE offered (and not refused): STATUS and SELECT report HIGHESTMODSEQ.
        Only with ENABLE too: that is how courriel turns it on, and a server that did
        not announce ENABLE must not receive it (issue #16); it is synced without."""
        return self.has("CONDSTORE") and self.has("ENABLE") and not self._condstore_refused

    def _enable_condstore(self) -> None:
        """ENABLE only before the first SELECT: a no-change sync never selects, so it
        never pays this round trip. Makes SELECT report HIGHESTMODSEQ and FETCH accept
        CHANGEDSINCE."""
        if self.condstore_enabled or not self.condstore:
            return
        try:
            self._call(lambda c: c.enable("CONDSTORE"))
        except CommandFailed:
            self._condstore_refused = True
            return
        self.condstore_enabled = True

    def select(self, folder: str, readonly: bool = False) -> MailboxStatus:
        """SELECT (EXAMINE when `readonly`: nothing the session does can change flags)."""
        self._enable_condstore()
        data = self._call(lambda c: c.select_folder(folder, readonly=readonly))
        self.selected = folder
        modseq = data.get(b"HIGHESTMODSEQ")
        return MailboxStatus(
            uidvalidity=int(data.get(b"UIDVALIDITY", 0)),
            uidnext=int(data.get(b"UIDNEXT", 0)),
            messages=int(data.get(b"EXISTS", 0)),
            # Only once ENABLEd: an older server reports it in every SELECT while STATUS
            # is not asked for it, and every quiet folder would look changed.
            highestmodseq=int(modseq) if modseq is not None and self.condstore else None,
            permanent=_flag_names(data.get(b"PERMANENTFLAGS")),
        )

    def unselect(self) -> bool:
        """Leave the selected folder without expunging; False when UNSELECT is not offered."""
        if self.selected is None:
            return True
        if not self.has("UNSELECT"):
            return False
        self._call(lambda c: c.unselect_folder())
        self.selected = None
        return True

    def ensure_selected(self, folder: str) -> None:
        if self.selected != folder:
            self.select(folder)

    def create_folder(self, folder: str) -> None:
        self._call(lambda c: c.create_folder(folder))

    def delete_folder(self, folder: str) -> None:
        self._leave(folder)
        self._call(lambda c: c.delete_folder(folder))

    def rename_folder(self, old: str, new: str) -> None:
        self._leave(old)
        self._call(lambda c: c.rename_folder(old, new))

    def _leave(self, folder: str) -> None:
        """Not in `folder` when it is renamed or deleted (Dovecot refuses to delete the
        selected folder); without UNSELECT, INBOX is selected instead."""
        if self.selected == folder and not self.unselect():
            self.select("INBOX", readonly=True)
            self.selected = None  # EXAMINEd: the next SELECT of INBOX must not be skipped

    # --- fetching -----------------------------------------------------------------

    def _fetch_range(
        self, message_set: str, items: Sequence[str], *, uid: bool, modifiers: str | None = None
    ) -> dict[int, dict[bytes, Any]]:
        """FETCH with a range string, keyed by UID (imapclient#... string ranges, PITFALLS)."""

        def run(client: IMAPClient) -> dict[int, dict[bytes, Any]]:
            imap = client._imap
            args = ["FETCH", message_set, "(" + " ".join(items) + ")"]
            if modifiers:
                args.append(f"({modifiers})")
            if uid:
                args.insert(0, "UID")
            tag = imap._command(*args)
            typ, data = imap._command_complete("FETCH", tag)
            client._checkok("fetch", typ, data)
            typ, data = imap._untagged_response(typ, data, "FETCH")
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
                data = client._raw_command_untagged(
                    b"SEARCH",
                    [b"RETURN", b"(ALL)", b"UID", criterion.encode()],
                    uid=True,
                    response_name="ESEARCH",
                )
                return _esearch_all(data)

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
                data = client._raw_command_untagged(
                    b"SEARCH",
                    [b"RETURN", b"(MAX)", b"UID", criterion],
                    uid=True,
                    response_name="ESEARCH",
                )
                return _esearch_max(data)

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
            if _text(quota.resource).upper() == "STORAGE":
                return int(quota.usage), int(quota.limit)
        return None

    def noop(self) -> None:
        self._call(lambda c: c.noop())

    # --- IDLE (only on a connection of its own: any other command would kill it) ------

    def examine(self, folder: str) -> None:
        """Select read-only: the IDLE connection must never change a flag."""
        self._call(lambda c: c.select_folder(folder, readonly=True))
        self.selected = folder

    def idle_start(self) -> None:
        self._call(lambda c: c.idle())

    def idle_wait(self, timeout: float) -> bool:
        """True when the server announced new, expunged or changed messages.

        imapclient's idle_check swallows an EOF and returns [] at once, so a connection
        the server closed looked like a quiet one polled in a tight loop (99 % CPU for
        minutes, no reconnection): an early empty answer is checked against the socket.
        """
        started = time.monotonic()
        responses = self._call(lambda c: c.idle_check(timeout=timeout))
        if not responses and time.monotonic() - started < timeout / 2 and self._peer_closed():
            raise ConnectionLost(_("Le serveur a fermé la connexion d'attente (IDLE)."))
        return any(
            isinstance(r, tuple) and len(r) >= 2 and r[1] in (b"EXISTS", b"EXPUNGE", b"FETCH")
            for r in responses
        )

    def _peer_closed(self) -> bool:
        """Has the server closed the TCP connection? Peeks at the raw socket under TLS
        (an empty read is a FIN), without consuming anything."""
        client = self.client
        if client is None:
            return True
        try:
            sock = client.socket()
            data = socket.socket.recv(sock, 1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        return data == b""

    def idle_done(self) -> None:
        self._call(lambda c: c.idle_done())


_INBOX_LINE = re.compile(rb'\s"?inbox"?\s*$', re.IGNORECASE)


def _capped_list(data: list[Any]) -> list[Any]:
    """The first MAX_FOLDERS LIST answers, and INBOX wherever it came: 100,001 folders
    froze the app (issue #18); what is left out is counted in `folders_announced`."""
    if len(data) <= MAX_FOLDERS:
        return data
    kept = data[:MAX_FOLDERS]
    if not any(isinstance(item, bytes) and _INBOX_LINE.search(item) for item in kept):
        kept += [i for i in data[MAX_FOLDERS:] if isinstance(i, bytes) and _INBOX_LINE.search(i)]
    return kept


def _representable(name: str) -> bool:
    """Can this name be stored (UTF-8) and so used as a folder's key?"""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _folder_name(raw: bytes) -> str:
    try:
        return str(imap_utf7.decode(raw))
    except Exception:
        return raw.decode("utf-8", errors="replace")


def _status(data: dict[bytes, Any]) -> MailboxStatus:
    return MailboxStatus(
        uidvalidity=int(data.get(b"UIDVALIDITY", 0)),
        uidnext=int(data.get(b"UIDNEXT", 0)),
        messages=int(data.get(b"MESSAGES", 0)),
        highestmodseq=int(data[b"HIGHESTMODSEQ"]) if b"HIGHESTMODSEQ" in data else None,
        unseen=int(data[b"UNSEEN"]) if b"UNSEEN" in data else None,
    )


def _parse_status_lines(lines: list[Any]) -> dict[str, MailboxStatus]:
    """`* STATUS name (KEY n …)` lines of a LIST-STATUS answer; odd ones are skipped
    (the folder then gets a STATUS of its own)."""
    found: dict[str, MailboxStatus] = {}
    for line in lines:
        try:
            if isinstance(line, tuple):  # (`* STATUS {n}`, name literal) then the values
                continue
            name, values = parse_response([line])
            if isinstance(name, int):
                name = str(name).encode()
            pairs = dict(zip(values[::2], values[1::2], strict=True))
            found[_folder_name(name)] = _status(
                {_text(k).upper().encode(): v for k, v in pairs.items()}
            )
        except Exception:  # noqa: S112 - one unreadable line costs one STATUS later
            continue
    return found


def _esearch_all(data: list[Any]) -> list[int]:
    """UIDs from `* ESEARCH (TAG "x") UID ALL 1:5,7` lines; no more than
    MAX_SEARCH_UIDS (`1:4294967295` is eleven bytes, and four billion numbers)."""
    found: list[int] = []
    for line in data:
        if not isinstance(line, bytes):
            continue
        match = re.search(rb"\bALL\s+([0-9:,]+)", line)
        if not match:
            continue
        for part in match[1].split(b","):
            if b":" in part:
                a, b = (int(x) for x in part.split(b":"))
                _check_search_size(len(found) + abs(a - b) + 1)
                found.extend(range(min(a, b), max(a, b) + 1))
            elif part:
                found.append(int(part))
        _check_search_size(len(found))
    return found


def _check_search_size(count: int) -> None:
    if count > MAX_SEARCH_UIDS:
        raise ServerMisbehaved(
            ngettext(
                "Le serveur annonce plus de {n} message dans une seule réponse de recherche.",
                "Le serveur annonce plus de {n} messages dans une seule réponse de recherche.",
                MAX_SEARCH_UIDS,
            ).format(n=figure(MAX_SEARCH_UIDS))
        )


def _esearch_max(data: list[Any]) -> int | None:
    """The UID of `* ESEARCH (TAG "x") UID MAX 41`; None when nothing matched."""
    for line in data:
        if isinstance(line, bytes):
            match = re.search(rb"\bMAX\s+(\d+)", line)
            if match:
                return int(match[1])
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
