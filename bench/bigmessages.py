"""Memory of reading big messages (issue 23): resting, peak and settled RSS per case.

    python -m bench.bigmessages              # every case
    python -m bench.bigmessages --cases attach-50mb,header-4mb --json out.json

No server and no TUI: each case runs in two fresh processes. The first builds the
message (seeded, same bytes every run) and stores it in a throwaway cache as a sync
would (`Cache.put_body`). The second measures the path the reader takes: it opens that
cache, imports the reader's modules, then reads RSS at rest; opens the message through
`Account.reader_view` (cache -> `parse_message` -> the reader's strings) and reads the
peak (VmHWM, reset before each step through /proc/self/clear_refs); drops the view and
reads the settled RSS (the account still keeps its one parsed message, as the app does);
and, for a case with an attachment, saves it with `save_all` and checks the file against
the SHA-256 of the bytes that were attached. Figures in MiB.
"""

from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
FOLDER = "INBOX"
UID = 1
# The goal of issue 23 for the 50 MB attachment: peak and settled above the resting RSS.
PEAK_GOAL = 60.0
SETTLED_GOAL = 10.0

HEAD = (
    "From: Service des examens <examens@ac-dijon.fr>\r\n"
    "To: prenom.nom@ac-dijon.fr\r\n"
    "Subject: Relevés de notes\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
    "Message-ID: <big@ac-dijon.fr>\r\n"
    "MIME-Version: 1.0\r\n"
)
TEXT = "Bonjour,\r\n\r\nVeuillez trouver ci-joint les relevés.\r\n\r\nCordialement.\r\n"


def attachment_bytes(size: int) -> bytes:
    """`size` seeded pseudo-random bytes: incompressible, the same every run."""
    return random.Random(size).randbytes(size)


def with_attachment(size: int) -> tuple[bytes, bytes]:
    """A text part and a base64 PDF of `size` bytes; (raw message, attached bytes)."""
    data = attachment_bytes(size)
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    raw = (
        (
            HEAD + 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + TEXT + "--b1\r\n"
            'Content-Type: application/pdf; name="releves.pdf"\r\n'
            'Content-Disposition: attachment; filename="releves.pdf"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + encoded
        + b"--b1--\r\n"
    )
    return raw, data


def nested(depth: int) -> bytes:
    """`depth` multiparts each inside the previous one, a short text part at each level."""
    opening = []
    closing = []
    for level in range(depth):
        opening.append(
            f'Content-Type: multipart/mixed; boundary="n{level}"\r\n\r\n--n{level}\r\n'
            f"Content-Type: text/plain\r\n\r\nNiveau {level}.\r\n--n{level}\r\n"
        )
        closing.append(f"\r\n--n{level}--\r\n")
    body = (
        "".join(opening) + "Content-Type: text/plain\r\n\r\nFond.\r\n" + "".join(reversed(closing))
    )
    return (HEAD + body).encode()


def big_header(size: int) -> bytes:
    """One folded header of `size` bytes, then a short text body."""
    line = "x" * 72
    count = size // (len(line) + 3)
    folded = "\r\n ".join([line] * count)
    return (HEAD + f"X-Remplissage: {folded}\r\nContent-Type: text/plain\r\n\r\n{TEXT}").encode()


CASES: dict[str, Callable[[], tuple[bytes, bytes | None]]] = {
    "attach-1mb": lambda: with_attachment(1 * MIB),
    "attach-20mb": lambda: with_attachment(20 * MIB),
    "attach-50mb": lambda: with_attachment(50 * MIB),
    "nested-500": lambda: (nested(500), None),
    "header-4mb": lambda: (big_header(4 * MIB), None),
}


# --- measuring ------------------------------------------------------------------------


def _status(field: str) -> float:
    """A VmRSS/VmHWM figure of this process, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


class Peak:
    """The peak RSS of a step: VmHWM reset by clear_refs, else a 1 ms sampler."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._seen = 0.0
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Peak:
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._seen = max(self._seen, _status("VmRSS"))
            time.sleep(0.001)

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.value = max(self._seen, _status("VmHWM"), _status("VmRSS"))


def build(case: str, root: Path) -> None:
    """First process: the message into a fresh cache, the attachment's hash beside it."""
    from tui.core.mail.summary import Summary
    from tui.core.store.cache import Cache
    from tui.core.store.records import FolderRow

    raw, data = CASES[case]()
    cache = Cache.open(root / "cache.sqlite", durable_path=root / "data.sqlite")
    cache.set_folders([FolderRow(FOLDER, "/", "\\Inbox", 1, 1, ())])
    cache.put_summaries(
        [
            Summary(
                folder=FOLDER,
                uid=UID,
                date=datetime(2026, 11, 23, 9, tzinfo=UTC),
                sender_name="Service des examens",
                sender_address="examens@ac-dijon.fr",
                to="prenom.nom@ac-dijon.fr",
                subject="Relevés de notes",
                size=len(raw),
                flags=frozenset(),
                has_attachment=data is not None,
                message_id="<big@ac-dijon.fr>",
                in_reply_to="",
                references="",
            )
        ]
    )
    cache.put_body(FOLDER, UID, raw)
    cache.close()
    facts = {"raw": len(raw), "sha256": hashlib.sha256(data).hexdigest() if data else None}
    (root / "facts.json").write_text(json.dumps(facts))


def measure(root: Path) -> dict[str, Any]:
    """Second process: resting, peak and settled RSS of opening, then of saving."""
    from tui.account import Account
    from tui.core.mail import attachments, mime  # noqa: F401  (loaded before the resting figure)
    from tui.core.store.cache import Cache
    from tui.demo import demo_config

    facts = json.loads((root / "facts.json").read_text())
    cache = Cache.open(root / "cache.sqlite", durable_path=root / "data.sqlite")
    account = Account(demo_config(root), cache)
    gc.collect()
    resting = _status("VmRSS")
    started = time.perf_counter()
    with Peak() as opening:
        view = account.reader_view(FOLDER, UID)
    seconds = time.perf_counter() - started
    assert view is not None and view.body, "the message did not open"
    del view
    gc.collect()
    settled = _status("VmRSS")
    result: dict[str, Any] = {
        "raw_mib": facts["raw"] / MIB,
        "resting": resting,
        "open_peak": opening.value,
        "open_seconds": seconds,
        "settled": settled,
    }
    if facts["sha256"]:
        message = account.message(FOLDER, UID)
        assert message is not None
        out = root / "saved"
        out.mkdir()
        gc.collect()
        with Peak() as saving:
            paths = attachments.save_all(message.attachments[-1:], out)
        digest = hashlib.sha256()
        with paths[0].open("rb") as stream:
            for chunk in iter(lambda: stream.read(MIB), b""):
                digest.update(chunk)
        result["save_peak"] = saving.value
        result["save_identical"] = digest.hexdigest() == facts["sha256"]
        gc.collect()
        result["settled_after_save"] = _status("VmRSS")
    cache.close()
    return result


def run_case(case: str) -> dict[str, Any]:
    """Both processes of one case, in a throwaway folder."""
    with tempfile.TemporaryDirectory(prefix="courriel-big-") as tmp:
        base = [sys.executable, "-m", "bench.bigmessages"]
        subprocess.run([*base, "--build", case, "--root", tmp], cwd=REPO, check=True)
        done = subprocess.run(
            [*base, "--measure", "--root", tmp],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
        return dict(json.loads(done.stdout), case=case)


def table(rows: list[dict[str, Any]]) -> str:
    """The figures side by side, with the increase over rest in brackets."""
    lines = [
        f"{'case':<12} {'raw':>6} {'resting':>8} {'open peak':>15} {'settled':>13} "
        f"{'save peak':>15} {'open s':>7} identical"
    ]
    for row in rows:
        rest = row["resting"]

        def above(value: float | None, rest: float = rest) -> str:
            return "—" if value is None else f"{value:6.1f} (+{value - rest:5.1f})"

        identical = row.get("save_identical")
        lines.append(
            f"{row['case']:<12} {row['raw_mib']:6.1f} {rest:8.1f} {above(row['open_peak']):>15} "
            f"{above(row['settled']):>13} {above(row.get('save_peak')):>15} "
            f"{row['open_seconds']:7.2f} {'—' if identical is None else identical}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bigmessages", description=__doc__)
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated case names")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--build", choices=list(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        build(args.build, args.root)
        return 0
    if args.measure:
        print(json.dumps(measure(args.root)))
        return 0
    rows = []
    for case in args.cases.split(","):
        print(f"… {case}", file=sys.stderr, flush=True)
        rows.append(run_case(case.strip()))
    print(table(rows))
    goal = next((r for r in rows if r["case"] == "attach-50mb"), None)
    if goal is not None:
        ok = (
            goal["open_peak"] - goal["resting"] <= PEAK_GOAL
            and goal.get("save_peak", 0) - goal["resting"] <= PEAK_GOAL
            and goal["settled"] - goal["resting"] <= SETTLED_GOAL
            and goal.get("save_identical", True)
        )
        print(
            f"goal (50 MB: peak ≤ rest + {PEAK_GOAL:.0f} MiB, settled ≤ rest + "
            f"{SETTLED_GOAL:.0f} MiB, identical file): {'met' if ok else 'NOT met'}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
