"""A hostile IMAP server for the test bed: implicit TLS, one misbehaviour per mode.

Run as its own process (`python -m tests.bed.hostile_imap_server CONFIG.json`), so what
it costs (100,000 folder lines, a trickle) is not counted in the client's memory or
CPU. It knows one user (any password is accepted), an INBOX of three small messages
(UIDs 1 to 3) and speaks just enough IMAP4rev1 for courriel's sync. The mode is read
from `mode.txt` at each new connection, so a test can switch it without a restart;
every connection and command is recorded as a JSON line (`events.jsonl`), so a test
can count reconnections and FETCHes.

Modes (see `MODES`): "normal"; "many_folders" (LIST answers 100,001 folders);
"trickle" (after LOGIN every answer comes one byte per second); "truncated_literal"
(a FETCH literal announced longer than it is, then the connection closes);
"deep_bodystructure" (a BODYSTRUCTURE nested 10,000 deep in every FETCH answer);
"malformed_fetch" (FETCH answers that do not parse); "huge_uidnext"
(`* 4294967295 EXISTS` and UIDNEXT 4294967295, while the UIDs are 1 to 3).
"""

from __future__ import annotations

import json
import re
import signal
import socket
import ssl
import sys
import threading
import time
from pathlib import Path
from typing import Any

MODES = (
    "normal",
    "many_folders",
    "trickle",
    "truncated_literal",
    "deep_bodystructure",
    "malformed_fetch",
    "huge_uidnext",
)
FOLDER_COUNT = 100_000
DEPTH = 10_000
HUGE = 4_294_967_295
CAPABILITIES = "IMAP4rev1 IDLE UIDPLUS UNSELECT"


def message(uid: int) -> bytes:
    return (
        f"From: Hostile {uid} <h{uid}@example.test>\r\nTo: prenom.nom@ac-dijon.fr\r\n"
        f"Subject: Message {uid}\r\nMessage-ID: <h{uid}@example.test>\r\n"
        f"Date: Mon, 02 Mar 2026 10:{uid:02d}:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nCorps.\r\n"
    ).encode()


UIDS = (1, 2, 3)


class Recorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()

    def __call__(self, event: str, **fields: Any) -> None:
        line = json.dumps({"t": time.time(), "event": event, **fields}) + "\n"
        with self.lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)


def uid_set(text: str, highest: int) -> set[int] | None:
    """The UIDs of UIDS that `text` (`1:5,7`, `4:*`) names; None if it does not parse."""
    found: set[int] = set()
    for part in text.split(","):
        bounds = part.split(":")
        try:
            values = [highest if b == "*" else int(b) for b in bounds]
        except ValueError:
            return None
        low, high = min(values), max(values)
        found.update(u for u in UIDS if low <= u <= high)
    return found


class Session:
    """One client connection, served on a thread of its own."""

    def __init__(self, sock: ssl.SSLSocket, mode: str, record: Recorder, number: int) -> None:
        self.sock = sock
        self.mode = mode
        self.record = record
        self.number = number
        self.file = sock.makefile("rb")
        self.logged_in = False
        self.selected = False

    # --- output -------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        if self.mode == "trickle" and self.logged_in:
            for byte in data:
                self.sock.sendall(bytes([byte]))
                time.sleep(1.0)
            return
        self.sock.sendall(data)

    def line(self, text: str) -> None:
        self.send(text.encode() + b"\r\n")

    # --- input --------------------------------------------------------------------

    def read_command(self) -> str | None:
        """One command line, with any synchronising literal read in (as a quoted string)."""
        parts: list[str] = []
        while True:
            raw = self.file.readline(65536)
            if not raw:
                return None
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            literal = re.search(r"\{(\d+)\+?\}$", text)
            if literal is None:
                parts.append(text)
                return "".join(parts)
            parts.append(text[: literal.start()])
            if not text.endswith("+}"):
                self.sock.sendall(b"+ OK\r\n")
            data = self.file.read(int(literal[1]))
            parts.append('"' + data.decode("utf-8", "replace") + '"')

    # --- the mailbox ----------------------------------------------------------------

    @property
    def exists(self) -> int:
        return HUGE if self.mode == "huge_uidnext" else len(UIDS)

    @property
    def uidnext(self) -> int:
        return HUGE if self.mode == "huge_uidnext" else max(UIDS) + 1

    def serve(self) -> None:
        self.sock.sendall(f"* OK [CAPABILITY {CAPABILITIES}] hostile ready\r\n".encode())
        while True:
            command = self.read_command()
            if command is None:
                return
            tag, _, rest = command.partition(" ")
            verb, _, args = rest.partition(" ")
            verb = verb.upper()
            if verb == "UID":
                sub, _, args = args.partition(" ")
                verb = "UID " + sub.upper()
            self.record("command", conn=self.number, verb=verb, args=args[:200])
            if not self.handle(tag, verb, args):
                return

    def handle(self, tag: str, verb: str, args: str) -> bool:
        """Answer one command; False when the connection is to be closed."""
        if verb == "CAPABILITY":
            self.line(f"* CAPABILITY {CAPABILITIES}")
        elif verb == "LOGIN":
            self.sock.sendall(f"{tag} OK [CAPABILITY {CAPABILITIES}] Logged in\r\n".encode())
            self.logged_in = True
            return True
        elif verb == "LOGOUT":
            self.line("* BYE bye")
            self.line(f"{tag} OK Logout completed")
            return False
        elif verb == "LIST":
            self.list()
        elif verb == "STATUS":
            name = args.rsplit(" (", 1)[0]
            self.line(
                f"* STATUS {name} (MESSAGES {self.exists if 'INBOX' in name.upper() else 0} "
                f"UIDNEXT {self.uidnext} UIDVALIDITY 1 UNSEEN 0)"
            )
        elif verb in ("SELECT", "EXAMINE"):
            self.selected = True
            self.send(
                (
                    f"* {self.exists} EXISTS\r\n* 0 RECENT\r\n"
                    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                    f"* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT {self.uidnext}] next\r\n"
                ).encode()
            )
        elif verb in ("FETCH", "UID FETCH"):
            return self.fetch(tag, args, uid=verb == "UID FETCH")
        elif verb in ("SEARCH", "UID SEARCH"):
            match = re.search(r"UID ([0-9:*,]+)", args)
            found = sorted(uid_set(match[1], self.uidnext) or set()) if match else []
            self.line("* SEARCH" + "".join(f" {u}" for u in found))
        elif verb == "IDLE":
            self.sock.sendall(b"+ idling\r\n")
            if self.read_command() is None:
                return False
        elif verb in ("NOOP", "UNSELECT", "CLOSE", "ENABLE", "ID"):
            pass
        else:
            self.line(f"{tag} BAD unknown command")
            return True
        self.line(f"{tag} OK {verb} completed")
        return True

    def list(self) -> None:
        lines = [b'* LIST (\\HasNoChildren) "/" INBOX\r\n']
        if self.mode == "many_folders":
            lines.extend(
                f'* LIST (\\HasNoChildren) "/" "Dossier {n:06d}"\r\n'.encode()
                for n in range(1, FOLDER_COUNT + 1)
            )
        self.send(b"".join(lines))

    def fetch(self, tag: str, args: str, *, uid: bool) -> bool:
        message_set, _, items = args.partition(" ")
        if uid:
            uids = sorted(uid_set(message_set, self.uidnext) or set())
        else:
            seqs = uid_set(message_set, self.exists) or set()
            uids = [UIDS[s - 1] for s in sorted(seqs) if s <= len(UIDS)]
        for number in uids:
            seq = UIDS.index(number) + 1
            raw = message(number)
            head = f"* {seq} FETCH (UID {number} FLAGS (\\Seen) RFC822.SIZE {len(raw)}"
            if self.mode == "deep_bodystructure":
                head += " BODYSTRUCTURE " + "(" * DEPTH + '"text" "plain" NIL NIL NIL "7bit" 1 1'
                head += ")" * DEPTH
            if self.mode == "malformed_fetch":
                self.line(f"* {seq} FETCH (UID {number} FLAGS (\\Seen RFC822.SIZE ((( NIL")
                continue
            if "HEADER.FIELDS" in items.upper() or "BODY.PEEK[]" in items.upper():
                whole = "BODY.PEEK[]" in items.upper()
                body = raw if whole else raw.split(b"\r\n\r\n")[0] + b"\r\n\r\n"
                name = "BODY[]" if whole else "BODY[HEADER.FIELDS (DATE FROM SUBJECT)]"
                if self.mode == "truncated_literal":
                    self.send(f"{head} {name} {{{len(body) * 100}}}\r\n".encode() + body)
                    self.record("truncated", conn=self.number)
                    return False
                self.send(f"{head} {name} {{{len(body)}}}\r\n".encode() + body + b")\r\n")
            else:
                if "INTERNALDATE" in items.upper():
                    head += ' INTERNALDATE "02-Mar-2026 10:00:00 +0100"'
                self.line(head + ")")
        self.line(f"{tag} OK FETCH completed")
        return True


def current_mode(path: Path) -> str:
    try:
        mode = path.read_text().strip()
    except OSError:
        return "normal"
    return mode if mode in MODES else "normal"


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text())
    record = Recorder(Path(config["events"]))
    mode_path = Path(config["mode"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config["cert"], config["key"])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", config["port"]))
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    record("ready", port=config["port"])
    number = 0
    while True:
        conn, _ = listener.accept()
        number += 1
        mode = current_mode(mode_path)
        record("connect", conn=number, mode=mode)

        def run(conn: socket.socket = conn, number: int = number, mode: str = mode) -> None:
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    Session(tls, mode, record, number).serve()
            except (OSError, ssl.SSLError):
                pass
            finally:
                record("close", conn=number)

        threading.Thread(target=run, daemon=True).start()


if __name__ == "__main__":
    main()
