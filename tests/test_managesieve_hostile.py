"""ManageSieve against hostile servers (#19): a fake one on loopback, written by the
third review. No credential before TLS, bounded answers, errors in words."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.bed.certs import make_self_signed
from tui.core.errors import CertificateError, ConnectionLost, MailError
from tui.core.net.certificates import CertificateInfo, format_fingerprint
from tui.core.net.managesieve import ManageSieve
from tui.core.net.trust import TrustStore

GREETING = b'"IMPLEMENTATION" "fake"\r\n"SASL" "PLAIN"\r\n"STARTTLS"\r\nOK\r\n'


class Fake:
    """Runs `script(conn, fake)` for each connection; keeps what the client sent."""

    def __init__(self, script: Callable[[socket.socket, Fake], None], accepts: int = 5) -> None:
        self.script, self.received = script, bytearray()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepts = accepts
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        for _n in range(self.accepts):
            try:
                conn, _addr = self.listener.accept()
            except OSError:
                return
            try:
                self.script(conn, self)
            except OSError:
                pass
            finally:
                conn.close()
        self.listener.close()

    def read_some(self, conn: socket.socket, timeout: float = 2.0) -> bytes:
        conn.settimeout(timeout)
        try:
            data = conn.recv(65536)
        except OSError:
            data = b""
        self.received += data
        return data


def trust(tmp_path: Path) -> TrustStore:
    return TrustStore(tmp_path / "trust.toml")


def test_chained_literals_are_bounded(tmp_path: Path) -> None:
    """One logical line of 30 literals of 1 MiB: 30 MiB held before any bound bites."""

    def script(conn: socket.socket, fake: Fake) -> None:
        conn.sendall(b'"IMPLEMENTATION" ')
        chunk = b"x" * 1_000_000
        for _n in range(30):
            conn.sendall(b"{1000000}\r\n" + chunk + b" ")
        conn.sendall(b"\r\n" + GREETING)
        fake.read_some(conn)

    fake = Fake(script, accepts=1)
    client = ManageSieve("127.0.0.1", fake.port, trust(tmp_path), imap_port=1, timeout=5)
    with pytest.raises(MailError):
        client.connect()
    assert b"STARTTLS" not in fake.received  # 30 MiB in one greeting line: refused


def test_a_stalled_literal_is_a_connection_lost_not_a_raw_timeout(tmp_path: Path) -> None:
    def script(conn: socket.socket, fake: Fake) -> None:
        conn.sendall(b'"IMPLEMENTATION" {100}\r\n0123456789')
        time.sleep(3)

    fake = Fake(script, accepts=1)
    client = ManageSieve("127.0.0.1", fake.port, trust(tmp_path), imap_port=1, timeout=0.5)
    with pytest.raises(ConnectionLost):
        client.connect()


def _tls_server(cert: Path, key: Path, accepts: int) -> Fake:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def script(conn: socket.socket, fake: Fake) -> None:
        conn.sendall(GREETING)
        fake.read_some(conn)  # STARTTLS
        conn.sendall(b"OK\r\n")
        conn.settimeout(3)
        with contextlib.suppress(Exception):  # the client may hang up: that is the test
            tls = context.wrap_socket(conn, server_side=True)
            tls.sendall(GREETING.replace(b'"STARTTLS"\r\n', b""))
            fake.received += tls.recv(65536)

    return Fake(script, accepts=accepts)


def _pin(store: TrustStore, port: int, der_source: Path) -> None:
    der = ssl.PEM_cert_to_DER_cert(der_source.read_text())
    store.accept_once(
        CertificateInfo("127.0.0.1", port, "", (), "", None, None, format_fingerprint(der), "")
    )


def test_another_self_signed_certificate_is_not_reported_as_the_imap_one_changing(
    tmp_path: Path,
) -> None:
    sieve_cert, sieve_key = make_self_signed(tmp_path / "s", stem="sieve")
    imap_cert, _imap_key = make_self_signed(tmp_path / "i", stem="imap")
    fake = _tls_server(sieve_cert, sieve_key, accepts=2)
    store = trust(tmp_path)
    imap_port = 1  # nothing listens there
    _pin(store, imap_port, imap_cert)
    client = ManageSieve("127.0.0.1", fake.port, store, imap_port=imap_port, timeout=3)
    with pytest.raises(CertificateError) as caught:
        client.connect()
    assert b"AUTHENTICATE" not in fake.received
    assert f":{imap_port} a changé" not in caught.value.message, caught.value.message


def test_the_second_connection_failing_is_a_connection_lost(tmp_path: Path) -> None:
    sieve_cert, sieve_key = make_self_signed(tmp_path / "s", stem="sieve")
    fake = _tls_server(sieve_cert, sieve_key, accepts=1)  # one connection only
    store = trust(tmp_path)
    _pin(store, 1, sieve_cert)
    client = ManageSieve("127.0.0.1", fake.port, store, imap_port=1, timeout=3)
    try:
        client.connect()
    except MailError:
        pass  # what should happen
    except Exception as exc:
        pytest.fail(f"raw {type(exc).__name__}: {exc}")


@pytest.mark.parametrize(
    "after_greeting",
    [b'NO "no tls today"\r\n', b'OK\r\nOK "plaintext, not TLS"\r\n', b"BYE\r\n"],
)
def test_no_credential_leaves_without_tls(tmp_path: Path, after_greeting: bytes) -> None:
    def script(conn: socket.socket, fake: Fake) -> None:
        conn.sendall(GREETING)
        fake.read_some(conn)
        conn.sendall(after_greeting)
        while fake.read_some(conn, 1.0):
            pass

    fake = Fake(script, accepts=3)
    client = ManageSieve("127.0.0.1", fake.port, trust(tmp_path), imap_port=1, timeout=2)
    with pytest.raises(MailError):
        client.set_courriel_script("u", "SECRET-PASSWORD", "keep;")
    time.sleep(1.2)
    assert b"AUTHENTICATE" not in fake.received and b"U0VD" not in fake.received


def test_without_starttls_nothing_is_sent(tmp_path: Path) -> None:
    def script(conn: socket.socket, fake: Fake) -> None:
        conn.sendall(b'"SASL" "PLAIN"\r\n"STARTTLS\r\nSTARTTLS\r\nOK\r\n')
        fake.read_some(conn, 1.0)

    fake = Fake(script, accepts=1)
    client = ManageSieve("127.0.0.1", fake.port, trust(tmp_path), imap_port=1, timeout=2)
    with pytest.raises(MailError):
        client.set_courriel_script("u", "p", "keep;")
    assert b"AUTHENTICATE" not in fake.received


def test_unverifiable_and_imap_verified_is_refused(tmp_path: Path) -> None:
    sieve_cert, sieve_key = make_self_signed(tmp_path / "s", stem="sieve")
    fake = _tls_server(sieve_cert, sieve_key, accepts=2)
    client = ManageSieve("127.0.0.1", fake.port, trust(tmp_path), imap_port=1, timeout=3)
    with pytest.raises(CertificateError, match="service de filtrage"):
        client.set_courriel_script("u", "SECRET", "keep;")
    assert b"AUTHENTICATE" not in fake.received


def test_hostile_names_and_literals(tmp_path: Path) -> None:
    cert, key = make_self_signed(tmp_path / "s", stem="sieve")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def script(conn: socket.socket, fake: Fake) -> None:
        conn.sendall(GREETING)
        fake.read_some(conn)
        conn.sendall(b"OK\r\n")
        tls = context.wrap_socket(conn, server_side=True)
        tls.sendall(b'"SASL" "PLAIN"\r\nOK\r\n')
        tls.recv(65536)
        tls.sendall(b"OK\r\n")
        tls.recv(65536)
        tls.sendall(b'"a\\"b" \r\n{22}\r\n\x1b]0;pwned\x07\x1b[2J[b]x[/b] ACTIVE\r\nOK\r\n')
        fake.received += tls.recv(65536)

    fake = Fake(script, accepts=1)
    store = trust(tmp_path)
    _pin(store, fake.port, cert)
    client = ManageSieve("127.0.0.1", fake.port, store, imap_port=1, timeout=3)
    with pytest.raises(MailError) as caught:
        client.set_courriel_script("u", "p", "keep;")
    assert "\x1b" not in caught.value.message and "\x07" not in caught.value.message
    assert b"PUTSCRIPT" not in fake.received
