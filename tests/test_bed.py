"""Smoke tests proving the test bed: real Dovecot and SMTP, TLS, AUTH, delivery."""

from __future__ import annotations

import shutil
import smtplib
import ssl
import time
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.conftest import Bed

pytestmark = pytest.mark.server


def login(bed: Bed, username: str, password: str) -> IMAPClient:
    client = IMAPClient(
        "localhost", port=bed.imap_port, ssl=True, ssl_context=bed.trusting_context(), timeout=10
    )
    client.login(username, password)
    return client


def wait_for_messages(
    client: IMAPClient, folder: str, count: int, timeout: float = 10
) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        if len(uids) >= count or time.monotonic() > deadline:
            return list(uids)
        time.sleep(0.1)


def test_imap_login_over_tls_lists_special_folders(bed: Bed) -> None:
    user = bed.new_user()
    with login(bed, user.username, user.password) as client:
        capabilities = client.capabilities()
        assert b"CONDSTORE" in capabilities and b"QRESYNC" in capabilities
        assert b"IDLE" in capabilities and b"QUOTA" in capabilities
        uses = {flags[-1] for flags, _sep, _name in client.list_folders() if flags}
        assert {b"\\Sent", b"\\Drafts", b"\\Trash"} <= uses
        names = {name for _flags, _sep, name in client.list_folders()}
        assert "Envoyés" in names and "Corbeille" in names


def test_untrusted_certificate_is_refused_before_login(bed: Bed) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient("localhost", port=bed.imap_port, ssl=True, timeout=10)


def test_variant_without_condstore_hides_it(bed_without_condstore: Bed) -> None:
    bed = bed_without_condstore
    with login(bed, bed.user.username, bed.user.password) as client:
        capabilities = client.capabilities()
        assert b"CONDSTORE" not in capabilities and b"QRESYNC" not in capabilities
        assert b"IDLE" in capabilities


def test_wrong_password_refused_by_imap(bed: Bed) -> None:
    with pytest.raises(LoginError):
        login(bed, bed.user.username, "mauvais")


def test_send_with_auth_then_read_back_over_imap(submission: Bed) -> None:
    bed = submission  # aiosmtpd, then Postfix
    sender, recipient = bed.new_user(), bed.new_user()
    message = EmailMessage()
    message["From"] = sender.email
    message["To"] = recipient.email
    message["Subject"] = "Réunion de rentrée — salle 12"
    message.set_content("Bonjour,\nla réunion est déplacée à 14 h.\n")
    with smtplib.SMTP_SSL(
        "localhost", bed.smtp_port, context=bed.trusting_context(), timeout=10
    ) as smtp:
        smtp.login(sender.username, sender.password)
        smtp.send_message(message)
    with login(bed, recipient.username, recipient.password) as client:
        uids = wait_for_messages(client, "INBOX", 1)
        assert len(uids) == 1
        fetched = client.fetch(uids, ["BODY.PEEK[]"])[uids[0]][b"BODY[]"]
        assert "Réunion de rentrée".encode() in fetched or b"=?utf-8?" in fetched
        assert b"la r\xc3\xa9union" in fetched or b"=C3=A9" in fetched
    assert any(e["success"] for e in bed.smtp.events("auth"))


def test_wrong_password_refused_by_smtp_and_nothing_delivered(submission: Bed) -> None:
    bed = submission
    with (
        smtplib.SMTP_SSL(
            "localhost", bed.smtp_port, context=bed.trusting_context(), timeout=10
        ) as smtp,
        pytest.raises(smtplib.SMTPAuthenticationError),
    ):
        smtp.login(bed.user.username, "mauvais")


def test_smtp_requires_auth_before_mail(submission: Bed) -> None:
    """aiosmtpd refuses MAIL (530); Postfix, which decides at RCPT, refuses the recipient
    (« 554 5.7.1 … Client host rejected: Access denied »)."""
    bed = submission
    with smtplib.SMTP_SSL(
        "localhost", bed.smtp_port, context=bed.trusting_context(), timeout=10
    ) as smtp:
        smtp.ehlo()
        code, _ = smtp.mail("someone@example.org")
        if code == 250:
            code, _ = smtp.rcpt(bed.user.email)
        assert code in (530, 554)


def test_smtp_refuses_configured_recipient(submission: Bed) -> None:
    bed = submission
    sender = bed.new_user()
    with smtplib.SMTP_SSL(
        "localhost", bed.smtp_port, context=bed.trusting_context(), timeout=10
    ) as smtp:
        smtp.login(sender.username, sender.password)
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail(sender.email, ["inconnu@ac-dijon.fr"], b"Subject: x\r\n\r\nx\r\n")


def test_deliver_helper_and_traffic_counters(bed: Bed) -> None:
    user = bed.new_user()
    bed.dovecot.deliver(user.username, b"Subject: seeded\r\n\r\nbody\r\n")
    with login(bed, user.username, user.password) as client:
        assert len(wait_for_messages(client, "INBOX", 1)) == 1
        quota = client.get_quota_root("INBOX")[1]
        assert quota and quota[0].limit == 100 * 1024
    deadline = time.monotonic() + 5
    while not bed.dovecot.traffic(user.username) and time.monotonic() < deadline:
        time.sleep(0.05)
    sessions = bed.dovecot.traffic(user.username)
    assert sessions and sessions[-1].from_server > 0 and sessions[-1].from_client > 0


def test_a_postfix_of_its_own_starts_delivers_and_stops_with_its_daemons(bed: Bed) -> None:
    """The bed's Postfix runs from its own folder and leaves nothing behind: no daemon
    of its own once stopped, however many it started to deliver."""
    from tests.bed.postfix import Postfix, _children, _running, require_postfix
    from tests.conftest import bed_root

    require_postfix()
    root = bed_root("postfix-own")
    postfix = Postfix(root, bed.dovecot)
    postfix.start()
    try:
        recipient = bed.new_user()
        context = ssl.create_default_context(cafile=str(postfix.cert))
        with smtplib.SMTP_SSL("localhost", postfix.port, context=context, timeout=10) as smtp:
            banner = smtp.ehlo()[1].decode()
            smtp.login(bed.user.username, bed.user.password)
            smtp.sendmail(bed.user.email, [recipient.email], b"Subject: propre\r\n\r\nx\r\n")
        assert "AUTH PLAIN LOGIN" in banner and "SIZE 20971520" in banner
        assert [e["event"] for e in postfix.events("delivered")] == ["delivered"]
        with login(bed, recipient.username, recipient.password) as client:
            assert len(wait_for_messages(client, "INBOX", 1)) == 1
        assert postfix.process is not None
        daemons = _children(postfix.process.pid)
        assert daemons  # qmgr, pickup, postlogd… at least
    finally:
        postfix.stop()
        shutil.rmtree(root, ignore_errors=True)
    assert not any(_running(pid) for pid in daemons)


def test_the_manual_bed_prints_a_working_launch_line_and_stops_quickly_on_ctrl_c() -> None:
    """It printed no password, a bare `courriel` that a `make run` checkout has only in
    .venv/bin, and took 11 s to stop with a client connected (#17)."""
    import os
    import re
    import signal
    import socket
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import PASSWORD

    run = subprocess.Popen(
        [sys.executable, "-m", "tests.bed.run", "--messages", "1"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        lines: list[str] = []
        assert run.stdout is not None
        while not lines or "Ctrl-C" not in lines[-1]:
            line = run.stdout.readline()
            assert line, "the bed stopped before it was ready"
            lines.append(line)
        text = "".join(lines)
        assert f"Mot de passe : {PASSWORD}" in text
        launch = next(line for line in lines if "XDG_CONFIG_HOME=" in line).split()
        assert "XDG_STATE_HOME=" in " ".join(launch)
        assert os.access(launch[-1], os.X_OK) or launch[-1] == "courriel"
        port = int(re.search(r"IMAP localhost:(\d+)", text).group(1))  # type: ignore[union-attr]
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        with context.wrap_socket(socket.create_connection(("127.0.0.1", port))) as client:
            client.recv(100)  # the greeting: a client is connected
            started = time.monotonic()
            run.send_signal(signal.SIGINT)
            run.wait(timeout=30)
            assert time.monotonic() - started < 5  # a bound, not a benchmark: 10 s before
    finally:
        if run.poll() is None:  # let it stop its servers, or they outlive the test
            run.send_signal(signal.SIGINT)
            try:
                run.wait(timeout=20)
            except subprocess.TimeoutExpired:
                run.kill()
                run.wait()
