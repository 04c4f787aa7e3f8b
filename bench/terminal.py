"""Run a full-screen program in a pseudo-terminal, like a user's terminal would.

`Terminal(argv, env, cols, rows)` starts it in its own session on a pty; `wait_for`
reads until some text is on screen (ANSI escapes stripped) and says when; `key` sends
one key and measures the reply: time to its first and last byte (the repaint is over
when the program has been quiet for `quiet` seconds) and the bytes written.
`peak_rss_kib` reads the kernel's high-water mark (VmHWM) of the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from dataclasses import dataclass

ANSI = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)


@dataclass
class KeyReply:
    first_byte: float | None
    last_byte: float | None
    size: int


class Terminal:
    def __init__(self, argv: list[str], env: dict[str, str], *, cols: int = 120, rows: int = 40):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.master = master
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.output = bytearray()

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the program exited
            return b""
        self.output += data
        return data

    def wait_for(self, text: str, timeout: float = 60.0) -> float | None:
        """Seconds from start until `text` is on screen, or None after `timeout`."""
        wanted = text.encode()
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self._read(0.5) and self.process.poll() is not None:
                return None
            if wanted in ANSI.sub(b"", bytes(self.output[-200_000:])):
                return time.perf_counter() - self.started
        return None

    def drain(self, quiet: float = 0.3, limit: float = 5.0) -> int:
        """Read until the program has been quiet for `quiet` seconds; bytes read."""
        size = 0
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            data = self._read(quiet)
            if not data:
                break
            size += len(data)
        return size

    def key(self, data: bytes, quiet: float = 0.1, limit: float = 2.0) -> KeyReply:
        sent = time.perf_counter()
        os.write(self.master, data)
        first = last = None
        size = 0
        deadline = sent + limit
        while time.perf_counter() < deadline:
            # Up to `limit` for the first byte (a busy program answers late), then
            # the repaint is over after `quiet` seconds without output.
            chunk = self._read(quiet if first is not None else deadline - time.perf_counter())
            if not chunk:
                break
            now = time.perf_counter() - sent
            first = now if first is None else first
            last = now
            size += len(chunk)
        return KeyReply(first, last, size)

    def hold(self, data: bytes, count: int, interval: float = 0.033) -> tuple[list[float], int]:
        """Press a key `count` times `interval` apart, as a held key repeats (30 a second
        by default): for each press the delay to the first byte written after it, and
        the bytes written in all, until 50 ms of quiet after the last press."""
        delays: list[float] = []
        size = 0
        for _ in range(count):
            sent = time.perf_counter()
            os.write(self.master, data)
            first = None
            while (left := sent + interval - time.perf_counter()) > 0:
                chunk = self._read(left)
                if chunk:
                    size += len(chunk)
                    first = first if first is not None else time.perf_counter() - sent
            if first is not None:
                delays.append(first)
        while chunk := self._read(0.05):
            size += len(chunk)
        return delays, size

    def cpu_seconds(self, *, main_thread: bool = False) -> float | None:
        """CPU time the program has used so far (user + system, all threads): steadier
        than wall time on a shared machine, where other jobs stretch the clock.
        `main_thread`: that thread's alone (courriel's UI; the worker has its own)."""
        pid = self.process.pid
        path = f"/proc/{pid}/task/{pid}/stat" if main_thread else f"/proc/{pid}/stat"
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = open(path).read().rsplit(")", 1)[1].split()  # noqa: SIM115
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return None

    def peak_rss_kib(self) -> int | None:
        with contextlib.suppress(OSError):
            for line in open(f"/proc/{self.process.pid}/status"):  # noqa: SIM115
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    def close(self, quit_key: bytes | None = b"q") -> None:
        if quit_key and self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.write(self.master, quit_key)
            deadline = time.perf_counter() + 5
            while self.process.poll() is None and time.perf_counter() < deadline:
                self._read(0.1)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(OSError):
            os.close(self.master)
