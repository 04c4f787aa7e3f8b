"""A real Dovecot on 127.0.0.1, configured and owned by the test run.

Its config, certificate, users and Maildirs live in a temporary folder; the system's
Dovecot configuration is never read or touched. Implicit TLS only (no plaintext
listener), CONDSTORE/QRESYNC/IDLE/QUOTA/SPECIAL-USE, and logout lines that record the
bytes in and out of each session so tests and benchmarks can read them.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import smtplib
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.bed.certs import make_self_signed

INSTALL_HINT = (
    "Dovecot is required for the server tests. Install it with:\n"
    "    apt-get update && apt-get install -y dovecot-imapd dovecot-lmtpd\n"
    "(as a normal user: sudo apt-get install -y dovecot-imapd dovecot-lmtpd)"
)

# Dovecot 2.3's post-login capability list, less CONDSTORE and QRESYNC: the fallback
# variant advertises exactly what the normal one does except those two.
CAPABILITIES_WITHOUT_CONDSTORE = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN "
    "NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH ESORT SEARCHRES WITHIN "
    "CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY STATUS=SIZE "
    "SAVEDATE LITERAL+ NOTIFY SPECIAL-USE QUOTA"
)

# The bare IMAP4rev1 server of issue #16: nothing but the base protocol and LITERAL+.
# Dovecot still accepts what it does not announce, so the bed records every command the
# client sends (rawlog) and tests/bed/commands.py checks them against this list.
BARE_CAPABILITIES = "IMAP4rev1 LITERAL+"

# Special folders found only by name, as Exchange/Outlook-style servers name them.
BARE_FOLDERS = ("Éléments envoyés", "Brouillons", "Éléments supprimés", "Courrier indésirable")

FULL_NAMESPACE = """\
namespace inbox {
  inbox = yes
  separator = /
  mailbox Envoyés {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Brouillons {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Corbeille {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Archives {
    special_use = \\Archive
    auto = subscribe
  }
  mailbox Indésirables {
    special_use = \\Junk
    auto = subscribe
  }
}
"""

LOGOUT_RE = re.compile(r"imap\((?P<user>[^)]+)\).*Logged out in=(?P<i>\d+) out=(?P<o>\d+)")


def pigeonhole_installed() -> bool:
    """Dovecot's Sieve and ManageSieve (dovecot-sieve, dovecot-managesieved)."""
    return (
        Path("/usr/lib/dovecot/managesieve").exists()
        and Path("/usr/lib/dovecot/modules/lib90_sieve_plugin.so").exists()
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def require_dovecot() -> str:
    binary = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
    )
    lmtp = Path("/usr/lib/dovecot/lmtp")
    if binary is None or not lmtp.exists():
        raise RuntimeError(INSTALL_HINT)
    return binary


@dataclass
class User:
    username: str
    password: str
    email: str


@dataclass
class Traffic:
    """One IMAP session's bytes: what the client sent (%i) and what the server sent (%o)."""

    from_client: int
    from_server: int


@dataclass
class Dovecot:
    root: Path
    condstore: bool = True
    # "full": every extension; "bare": IMAP4rev1 + LITERAL+, the namespace « INBOX. »
    # with « . » as separator, special folders by name only, and a log of the commands.
    profile: str = "full"
    capabilities: str = BARE_CAPABILITIES  # what the bare profile announces
    quota_mb: int = 100
    port: int = 0
    sieve_port: int = 0  # ManageSieve (STARTTLS), when Pigeonhole is installed (#19)
    users: list[User] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    cert: Path = Path()
    key: Path = Path()

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def rawlog_dir(self) -> Path:
        """Every IMAP session's input, one folder per user and one file per session
        (`<user>/*.in`), bare profile only."""
        return self.root / "rawlog"

    @property
    def prefix(self) -> str:
        """What the server puts before a folder's name (« INBOX. » on the bare profile)."""
        return "INBOX." if self.profile == "bare" else ""

    @property
    def lmtp_socket(self) -> Path:
        return self.root / "run" / "lmtp"

    @property
    def auth_socket(self) -> Path:
        """Dovecot's SASL service for Postfix (`smtpd_sasl_type = dovecot`)."""
        return self.root / "run" / "auth-postfix"

    @property
    def deny_dir(self) -> Path:
        """`deny/<service>/<user>`: that user's password is refused for that service
        (« smtp » for the submission servers) and accepted everywhere else."""
        return self.root / "deny"

    def deny(self, username: str, service: str = "smtp") -> None:
        """Refuse this user's logins to one service only: an account that may read its
        mail but not send, as a server blocks a compromised one."""
        folder = self.deny_dir / service
        folder.mkdir(parents=True, exist_ok=True)
        (folder / username).write_text(f"{username}:\n")

    @property
    def has_sieve(self) -> bool:
        return pigeonhole_installed()

    def add_user(self, username: str, password: str, email: str | None = None) -> User:
        """Add a user; on a running server it can log in at once (passwd-file is re-read)."""
        user = User(username, password, email or f"{username}@ac-dijon.fr")
        self.users.append(user)
        if self.process is not None:
            self._write_passwd()
        return user

    @property
    def passwd_dir(self) -> Path:
        """One passwd-file per user (`users/<name>`): Dovecot opens a new name's file fresh,
        where a single edited file can be missed when rewritten within the same second."""
        return self.root / "users"

    def regenerate_certificate(self) -> None:
        """New key and certificate; takes effect at the next start (or `restart`)."""
        self.cert, self.key = make_self_signed(self.root / "tls", stem="imap")

    def start(self) -> None:
        binary = require_dovecot()
        if not self.port:
            self.port = free_port()
        if self.has_sieve and not self.sieve_port:
            self.sieve_port = free_port()
        if not self.cert.name:
            self.regenerate_certificate()
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._write_config()
        self.process = subprocess.Popen(
            [binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "dovecot.stderr", "ab"),  # noqa: SIM115
        )
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise RuntimeError(
                "Dovecot did not start: " + (self.root / "dovecot.stderr").read_text()[-2000:]
            ) from None

    def stop(self, grace: float = 10.0) -> None:
        """Terminate, then kill after `grace` seconds (Dovecot waits for connected
        clients: a manual run stops on Ctrl-C with a short grace)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        # Children (imap, lmtp) exit with the master; give the port back.
        deadline = time.monotonic() + min(5.0, grace)
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    time.sleep(0.05)
            except OSError:
                return

    def restart(self) -> None:
        self.stop()
        self.start()

    def _mail_owner(self) -> tuple[int, int, str]:
        # As root, mail belongs to `nobody`: Dovecot refuses mail users with UID 0.
        entry = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        return entry.pw_uid, entry.pw_gid, entry.pw_name

    def _write_passwd(self) -> Path:
        uid, gid, _name = self._mail_owner()
        self.passwd_dir.mkdir(parents=True, exist_ok=True)
        for u in self.users:
            line = (
                f"{u.username}:{{PLAIN}}{u.password}:{uid}:{gid}::{self.root}/mail/{u.username}::"
            )
            tmp = self.passwd_dir / f".{u.username}.tmp"
            tmp.write_text(line + "\n")
            tmp.replace(self.passwd_dir / u.username)
            if self.profile == "bare":  # Dovecot logs a session only into a folder that exists
                (self.rawlog_dir / u.username).mkdir(parents=True, exist_ok=True)
                (self.rawlog_dir / u.username).chmod(0o777)
        mail = self.root / "mail"
        if os.geteuid() == 0:
            os.chown(mail, uid, gid)
            for path in mail.rglob("*"):
                os.lchown(path, uid, gid)
        return self.passwd_dir

    def _write_config(self) -> None:
        uid, _gid, name = self._mail_owner()
        passwd = self._write_passwd()
        unprivileged = ""
        if os.geteuid() != 0:
            unprivileged = (
                f"default_internal_user = {name}\ndefault_login_user = {name}\n"
                f"default_internal_group = {name}\nfirst_valid_uid = {uid}\n"
            )
        capability = (
            "" if self.condstore else f"imap_capability = {CAPABILITIES_WITHOUT_CONDSTORE}\n"
        )
        rawlog = ""
        # Sieve filtering on delivery, and ManageSieve to upload scripts (RFC 5804).
        protocols, lmtp_plugins, sieve = "imap lmtp", "", ""
        if self.has_sieve and self.sieve_port:
            protocols += " sieve"
            lmtp_plugins = " sieve"
            sieve = (
                f"service managesieve-login {{\n  inet_listener sieve {{\n"
                f"    port = {self.sieve_port}\n  }}\n}}\n"
            )
        if self.profile == "bare":
            capability = f"imap_capability = {self.capabilities}\n"
            rawlog = f"  rawlog_dir = {self.rawlog_dir}/%u\n"
        config = f"""\
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = courriel-test-{self.port}
protocols = {protocols}
listen = 127.0.0.1
log_path = {self.log_path}
info_log_path = {self.log_path}
{unprivileged}ssl = required
ssl_cert = <{self.cert}
ssl_key = <{self.key}
auth_mechanisms = plain login
disable_plaintext_auth = yes
auth_verbose = yes
passdb {{
  driver = passwd-file
  args = {self.deny_dir}/%s/%u
  deny = yes
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {passwd}/%u
}}
userdb {{
  driver = passwd-file
  args = {passwd}/%u
}}
mail_location = maildir:~/Maildir
mail_plugins = quota
{capability}protocol imap {{
  mail_plugins = $mail_plugins imap_quota
  imap_logout_format = in=%i out=%o
{rawlog}}}
protocol lmtp {{
  mail_plugins = $mail_plugins{lmtp_plugins}
  # Postfix names recipients by their address, the aiosmtpd bed by the user name.
  auth_username_format = %n
}}
lmtp_save_to_detail_mailbox = no
plugin {{
  quota = maildir:User quota
  quota_rule = *:storage={self.quota_mb}M
  sieve = file:~/sieve;active=~/.dovecot.sieve
}}
{sieve}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {self.port}
    ssl = yes
  }}
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
service auth {{
  unix_listener auth-postfix {{
    mode = 0666
  }}
}}
{self._namespace()}"""
        (self.root / "dovecot.conf").write_text(config)

    def _namespace(self) -> str:
        if self.profile == "bare":
            folders = "".join(
                f'  mailbox "{name}" {{\n    auto = subscribe\n  }}\n' for name in BARE_FOLDERS
            )
            head = "namespace inbox {\n  inbox = yes\n  prefix = INBOX.\n  separator = .\n"
            return f"{head}{folders}}}\n"
        return FULL_NAMESPACE

    # --- helpers for tests and benchmarks -------------------------------------------

    def deliver(
        self, username: str, message: bytes, sender: str = "expediteur@example.org"
    ) -> None:
        """Deliver one message into a user's INBOX through Dovecot's LMTP."""
        with smtplib.LMTP(str(self.lmtp_socket)) as lmtp:
            lmtp.sendmail(sender, [username], message)

    def traffic(self, username: str | None = None) -> list[Traffic]:
        """The byte counters of every finished IMAP session, oldest first."""
        if not self.log_path.exists():
            return []
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            match = LOGOUT_RE.search(line)
            if match and (username is None or match["user"] == username):
                found.append(Traffic(from_client=int(match["i"]), from_server=int(match["o"])))
        return found

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def logins(self, username: str) -> int:
        """How many successful logins the server recorded for this user."""
        return self.log_text().count(f"Login: user=<{username}>")
