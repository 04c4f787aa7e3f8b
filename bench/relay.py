"""A TCP relay on 127.0.0.1 that adds a fixed latency each way, so round trips count.

Bytes are forwarded in order, each chunk held `delay` seconds after it was read
(pipelined data is not serialised: a link with latency, not a slow link). It counts,
per connection, the bytes each way and the client's *turns*: a run of client writes
after the server last spoke is one turn, i.e. one round trip the client waits for
(the TLS handshake counts as its two turns).

    relay = Relay(target_port, delay=0.025); relay.start(); ... relay.port ...; relay.stop()
"""

from __future__ import annotations

import contextlib
import heapq
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Link:
    client_bytes: int = 0
    server_bytes: int = 0
    turns: int = 0
    last: str = "server"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, side: str, size: int) -> None:
        with self.lock:
            if side == "client":
                self.client_bytes += size
                if self.last == "server":
                    self.turns += 1
            else:
                self.server_bytes += size
            self.last = side


class Relay:
    def __init__(self, target_port: int, *, delay: float = 0.025, host: str = "127.0.0.1"):
        self.target = (host, target_port)
        self.delay = delay
        self.links: list[Link] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="relay", daemon=True)

    def start(self) -> Relay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._server.close()
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self) -> Relay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        self.links.clear()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, server]
            link = Link()
            self.links.append(link)
            for src, dst, side in ((client, server, "client"), (server, client, "server")):
                threading.Thread(
                    target=self._pump, args=(src, dst, side, link), daemon=True
                ).start()

    def _pump(self, src: socket.socket, dst: socket.socket, side: str, link: Link) -> None:
        """Read from src at once; a second thread writes each chunk `delay` later."""
        pending: list[tuple[float, int, bytes]] = []
        ready = threading.Condition()
        done = threading.Event()
        counter = 0

        def writer() -> None:
            while True:
                with ready:
                    while not pending and not done.is_set():
                        ready.wait()
                    if not pending and done.is_set():
                        break
                    due, _n, data = pending[0]
                    wait = due - time.monotonic()
                    if wait > 0:
                        ready.wait(wait)
                        continue
                    heapq.heappop(pending)
                try:
                    dst.sendall(data) if data else dst.shutdown(socket.SHUT_WR)
                except OSError:
                    break
                if not data:
                    break

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if data:
                link.saw(side, len(data))
            with ready:
                counter += 1
                heapq.heappush(pending, (time.monotonic() + self.delay, counter, data))
                ready.notify()
            if not data:
                break
        done.set()
        with ready:
            ready.notify()
        thread.join(5 + self.delay)
