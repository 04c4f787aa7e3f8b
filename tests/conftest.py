"""Shared fixtures: the real Dovecot + SMTP test bed, started once per test session.

A missing Dovecot fails the run with the exact install command; it never skips.
Tests that change a server's state (stop it, swap its certificate) use the
function-scoped `fresh_bed` instead of the shared one.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from tests.bed.dovecot import Dovecot, User
from tests.bed.postfix import Postfix, require_postfix
from tests.bed.smtp import SubmissionServer

if TYPE_CHECKING:
    from tui.core.mail.compose import Identity
    from tui.core.store.cache import Cache

PASSWORD = "Courriel-Test-2026!"
OTHER_PASSWORD = "Autre-Compte-2026?"


@dataclass
class Bed:
    """Dovecot and the SMTP server, with one academy user and a second one."""

    dovecot: Dovecot
    smtp: SubmissionServer
    user: User
    other: User

    @property
    def imap_port(self) -> int:
        return self.dovecot.port

    @property
    def smtp_port(self) -> int:
        return self.smtp.port

    def trusting_context(self) -> ssl.SSLContext:
        """A default context that also trusts the throwaway certificates of this bed."""
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=str(self.dovecot.cert))
        context.load_verify_locations(cafile=str(self.smtp.cert))
        return context

    def stop(self, grace: float = 10.0) -> None:
        self.smtp.stop(grace)
        self.dovecot.stop(grace)

    def new_user(self, prefix: str = "agent") -> User:
        """A fresh account with an empty mailbox, so tests sharing the bed never collide."""
        global _user_counter
        _user_counter += 1
        return self.dovecot.add_user(f"{prefix}{_user_counter}", f"Pass-{_user_counter}-Mot!")


_user_counter = 0


def bed_root(name: str) -> Path:
    """A folder Dovecot's unprivileged processes can traverse (pytest's tmp is 0700)."""
    root = Path(tempfile.mkdtemp(prefix=f"courriel-{name}-"))
    root.chmod(0o755)
    return root


def start_bed(
    root: Path, *, condstore: bool = True, profile: str = "full", capabilities: str = ""
) -> Bed:
    dovecot = Dovecot(root / "dovecot", condstore=condstore, profile=profile)
    if capabilities:
        dovecot.capabilities = capabilities
    user = dovecot.add_user("prenom.nom", PASSWORD)
    other = dovecot.add_user("jdupont2", OTHER_PASSWORD)
    dovecot.start()
    smtp = SubmissionServer(root / "smtp", dovecot, refuse=["inconnu@ac-dijon.fr"])
    try:
        smtp.start()
    except BaseException:
        dovecot.stop()
        raise
    return Bed(dovecot, smtp, user, other)


def start_cyrus_bed(
    root: Path, *, altnamespace: bool | None = None, unixhierarchysep: bool | None = None
) -> Bed:
    """Cyrus IMAP in the place of Dovecot (#16), the SMTP bed delivering to it over LMTP.

    `Bed` and SubmissionServer only use what Cyrus offers as Dovecot does (port, cert,
    root, deliver, new users; passwd_dir and lmtp_socket for the SMTP server)."""
    from tests.bed.cyrus import Cyrus

    cyrus = Cyrus(root / "cyrus", altnamespace=altnamespace, unixhierarchysep=unixhierarchysep)
    user = cyrus.add_user("prenom.nom", PASSWORD)
    other = cyrus.add_user("jdupont2", OTHER_PASSWORD)
    smtp = SubmissionServer(root / "smtp", cast(Dovecot, cyrus), refuse=["inconnu@ac-dijon.fr"])
    cyrus.start()
    try:
        smtp.start()
    except BaseException:
        cyrus.stop()
        raise
    return Bed(cast(Dovecot, cyrus), smtp, user, other)


def _bed_fixture(
    name: str, *, condstore: bool = True, profile: str = "full", capabilities: str = ""
) -> Iterator[Bed]:
    root = bed_root(name)
    started = start_bed(root, condstore=condstore, profile=profile, capabilities=capabilities)
    try:
        yield started
    finally:
        started.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True, scope="session")
def _private_log_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Records go to a file of the test session's, never the user's own log."""
    from tui.core import logs

    path = logs.setup(tmp_path_factory.mktemp("log") / "courriel.log")
    yield path


@pytest.fixture(autouse=True)
def _certificate_keys_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot presses « t » the moment the prompt is up; a person cannot have read it
    by then, so the app ignores such keys (tests/test_typeahead.py checks that)."""
    from tui.screens.certificate import CertificatePrompt

    monkeypatch.setattr(CertificatePrompt, "KEY_GRACE_SECONDS", 0.0)


@pytest.fixture(autouse=True)
def _reset_time_zone() -> Iterator[None]:
    """Tests that set TZ get it restored by monkeypatch, but the C library keeps the old
    zone until tzset(): without this, one test's zone leaks into the next."""
    yield
    time.tzset()


@pytest.fixture(scope="session")
def bed() -> Iterator[Bed]:
    """The shared test bed. Do not stop it or change its certificates in a test."""
    yield from _bed_fixture("bed")


@pytest.fixture(scope="session")
def bed_without_condstore() -> Iterator[Bed]:
    """A second bed whose Dovecot does not advertise CONDSTORE or QRESYNC."""
    yield from _bed_fixture("bed-plain", condstore=False)


@pytest.fixture(scope="session")
def bare_bed() -> Iterator[Bed]:
    """A bed whose Dovecot offers only IMAP4rev1 + LITERAL+, under the namespace
    « INBOX. » with « . » as separator, special folders by name only (issue #16)."""
    yield from _bed_fixture("bed-bare", profile="bare")


@pytest.fixture(scope="session")
def postfix_bed(bed: Bed) -> Iterator[Bed]:
    """The shared Dovecot behind a real Postfix instead of the aiosmtpd server (#16):
    started the first time a test asks for it, once per test session (per worker)."""
    require_postfix()
    root = bed_root("postfix")
    server = Postfix(root, bed.dovecot, refuse=["inconnu@ac-dijon.fr"])
    try:
        server.start()
        # Bed's users, Dovecot and helpers; only the submission server differs.
        yield Bed(bed.dovecot, cast(SubmissionServer, server), bed.user, bed.other)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["aiosmtpd", "postfix"])
def submission(request: pytest.FixtureRequest) -> Bed:
    """The shared bed with each submission server in turn, aiosmtpd then Postfix
    (`-k postfix` or `-k aiosmtpd` picks one). Postfix starts only if a test asks."""
    name = "postfix_bed" if request.param == "postfix" else "bed"
    return cast(Bed, request.getfixturevalue(name))


@pytest.fixture
def fresh_bed() -> Iterator[Bed]:
    """A bed of the test's own, free to stop, restart or re-certify."""
    yield from _bed_fixture("fresh")


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Identity, Cache]]:
    """The demo account's identity and cache, at the fixed time of the snapshots."""
    from tests.app_helpers import FIXED_NOW
    from tui.core.mail import formatting
    from tui.core.mail.compose import Identity
    from tui.demo import open_demo

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(formatting, "now", lambda: FIXED_NOW)
    config, cache, folder = open_demo()
    with folder:
        yield Identity.from_account(config.account), cache
        cache.close()


@pytest.fixture
def english() -> Iterator[None]:
    """The interface in English for one test, French again afterwards."""
    from tui.core.i18n import set_language

    set_language("en")
    try:
        yield
    finally:
        set_language("fr")
