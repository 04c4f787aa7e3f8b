"""A real Postfix on 127.0.0.1: the second SMTP submission server of the bed (issue #16).

Beside the aiosmtpd server of tests/bed/smtp_server.py, a real MTA answers as the ones
users meet do (its banner, its EHLO, « 535 5.7.8 », « 552 5.3.4 », « 554 5.7.1 »…).
Debian's `postfix` package is installed (scripts/system-deps, with « No configuration »
so no system instance is ever set up or started) and each bed runs its own instance
from its own folder: `main.cf` and `master.cf` (config_directory), queue, data
directory and log; the system's main.cf and master.cf are never read, and nothing
under /etc/postfix or /var is written. `master` runs in the foreground as a child of
the test run (no `postfix start`, which daemonises) and is stopped with SIGTERM.

- Implicit TLS only (`smtpd_tls_wrappermode`), on a free port; a second listener on
  `small_port` announces and enforces a smaller SIZE (`message_size_limit`, with a
  cleanup service of its own) for the size tests.
- AUTH PLAIN and LOGIN through the bed's Dovecot (`smtpd_sasl_type = dovecot`, its
  `auth-postfix` socket): the passwords are Dovecot's own, checked by Dovecot.
- Mail for the academy's domain goes over LMTP into the bed's Dovecot (so it can be
  read back over IMAP); mail for other domains is written to `outside/` by a pipe
  service, one .eml per recipient, as the aiosmtpd server does; addresses in `refuse`
  are refused at RCPT as Postfix refuses an unknown user.
- Postfix logs through its own postlogd to `postfix.log` (no syslog needed); `events`
  reads it in the aiosmtpd server's vocabulary (connect, auth, delivered).

Postfix's `master` must start as root (it binds, then runs its daemons as the
`postfix` user). Where it cannot run, the tests that use it are skipped with the
reason, except as root or in CI, where `make test` installs it and they fail instead.
"""

from __future__ import annotations

import dataclasses
import grp
import os
import pwd
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.bed.certs import make_self_signed
from tests.bed.cyrus import in_ci
from tests.bed.dovecot import Dovecot, free_port, wait_for_port

POSTFIX = "/usr/sbin/postfix"
DAEMONS = Path("/usr/lib/postfix/sbin")
INSTALL_HINT = (
    "Postfix is required for the Postfix submission tests. Run scripts/system-deps as "
    "root, or: echo 'postfix postfix/main_mailer_type select No configuration' | "
    "debconf-set-selections && apt-get install -y postfix"
)
DOMAIN = "ac-dijon.fr"
HOSTNAME = "smtp.test.invalid"

# The daemons a submission server needs, none chrooted (the sockets and certificates
# live in the bed's folder), as in Debian's master.cf.
SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

QUEUE_FOLDERS = (
    "active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming",
    "private", "saved", "trace",
)  # fmt: skip

# One log line: « Mar  5 14:07:51 smtp.test.invalid postfix/smtpd[123]: text ».
_LINE = re.compile(r"^\S+\s+\S+\s+\S+\s+\S+\s+(?P<prog>[\w/.-]+)\[\d+\]: (?P<text>.*)$")
_DISCONNECT = re.compile(r"^disconnect from \S+ (?P<counts>.*)$")
_QUEUED = re.compile(r"^(?P<qid>[0-9A-F]+): client=")
_ACTIVE = re.compile(r"^(?P<qid>[0-9A-F]+): from=<(?P<sender>[^>]*)>, size=(?P<size>\d+),")
_SASL_FAILED = re.compile(
    r"SASL (?P<mechanism>\S+) authentication failed: .*sasl_username=(?P<username>\S+)"
)


def postfix_problem() -> str | None:
    """Why Postfix cannot run here, or None."""
    if not Path(POSTFIX).exists() or not (DAEMONS / "master").exists():
        return f"Postfix is not installed. {INSTALL_HINT}"
    if os.geteuid() != 0:
        return "Postfix's master must start as root (it runs its daemons as `postfix`)."
    return None


def require_postfix() -> None:
    """Skip with the reason where Postfix cannot run, except as root or in CI, where
    `make test` installs it: a matrix that quietly shrank would prove nothing."""
    problem = postfix_problem()
    if problem is not None:
        if in_ci() or os.geteuid() == 0:
            pytest.fail(problem)
        pytest.skip(problem)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (the master's daemons)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Postfix:
    root: Path
    dovecot: Dovecot
    port: int = 0
    small_port: int = 0  # a second listener whose SIZE is `small_size_limit`
    refuse: list[str] = field(default_factory=list)
    size_limit: int = 20 * 1024 * 1024
    small_size_limit: int = 1024 * 1024
    process: subprocess.Popen[bytes] | None = None
    cert: Path = Path()
    key: Path = Path()

    @property
    def config_dir(self) -> Path:
        return self.root / "etc"

    @property
    def queue_dir(self) -> Path:
        return self.root / "queue"

    @property
    def log_path(self) -> Path:
        return self.root / "postfix.log"

    @property
    def outside(self) -> Path:
        """Where mail for recipients outside the test domain lands, one .eml per copy."""
        return self.root / "outside"

    def regenerate_certificate(self) -> None:
        self.cert, self.key = make_self_signed(self.root / "tls", stem="postfix")

    def start(self) -> None:
        require_postfix()
        if not self.port:
            self.port = free_port()
        if not self.small_port:
            self.small_port = free_port()
        if not self.cert.name:
            self.regenerate_certificate()
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self._make_queue()
        # The pipe service writes here as `nobody`.
        self.outside.mkdir(parents=True, exist_ok=True)
        self.outside.chmod(0o1777)
        self._write_config()
        stderr = open(self.root / "master.stderr", "ab")  # noqa: SIM115
        # In the foreground: no -w, so the process we hold is the master itself.
        self.process = subprocess.Popen(
            [str(DAEMONS / "master"), "-c", str(self.config_dir), "-s"],
            stdout=stderr,
            stderr=stderr,
            env={**os.environ, "MAIL_CONFIG": str(self.config_dir)},
        )
        try:
            wait_for_port(self.port)
            wait_for_port(self.small_port)
        except RuntimeError:
            self.stop()
            raise RuntimeError("Postfix did not start: " + self._failure_text()) from None

    def _make_queue(self) -> None:
        """The queue's folders with the owners and modes of Postfix's own postfix-files
        (what `postfix check` creates, in 2 s where this takes a millisecond)."""
        owner, group = pwd.getpwnam("postfix").pw_uid, grp.getgrnam("postdrop").gr_gid
        folders = {name: (owner, 0, 0o700) for name in QUEUE_FOLDERS}
        folders |= {
            "maildrop": (owner, group, 0o730),
            "public": (owner, group, 0o710),
            "pid": (0, 0, 0o755),
        }
        self.queue_dir.mkdir(parents=True, exist_ok=True)
        self.queue_dir.chmod(0o755)
        for name, (uid, gid, mode) in folders.items():
            folder = self.queue_dir / name
            folder.mkdir(exist_ok=True)
            os.chown(folder, uid, gid)
            folder.chmod(mode)
        data = self.root / "data"
        data.mkdir(exist_ok=True)
        os.chown(data, owner, 0)
        data.chmod(0o700)

    def _failure_text(self) -> str:
        parts = [self.root / "master.stderr", self.log_path]
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in parts if p.exists())

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, as `postfix abort`: the master passes it to its daemons and exits;
        then wait for those daemons (one may hold a client's connection) to be gone."""
        if self.process is None:
            return
        daemons = _children(self.process.pid)
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        deadline = time.monotonic() + min(5.0, grace)
        while time.monotonic() < deadline and any(_running(pid) for pid in daemons):
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def small_listener(self) -> Postfix:
        """This instance seen through its second listener, whose SIZE is
        `small_size_limit`: nothing to start or stop (the process stays ours)."""
        return dataclasses.replace(
            self, port=self.small_port, size_limit=self.small_size_limit, process=None
        )

    # --- configuration ---------------------------------------------------------------

    def _write_config(self) -> None:
        refuse = self.config_dir / "refuse"
        refuse.write_text(
            "".join(f"{a} 550 5.1.1 User unknown in virtual mailbox table\n" for a in self.refuse)
        )
        main = f"""\
compatibility_level = 3.6
queue_directory = {self.queue_dir}
data_directory = {self.root}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = {self.log_path}
maillog_file_prefixes = {self.root}
myhostname = {HOSTNAME}
mydomain = test.invalid
myorigin = $myhostname
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
biff = no
smtp_dns_support_level = disabled
message_size_limit = {self.size_limit}
virtual_mailbox_domains = {DOMAIN}
virtual_transport = lmtp:unix:{self.dovecot.lmtp_socket}
default_transport = outside
outside_destination_recipient_limit = 1
smtpd_tls_cert_file = {self.cert}
smtpd_tls_key_file = {self.key}
smtpd_tls_security_level = encrypt
smtpd_tls_wrappermode = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = {self.dovecot.auth_socket}
smtpd_sasl_security_options = noanonymous
smtpd_client_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = check_recipient_access texthash:{refuse}
"""
        (self.config_dir / "main.cf").write_text(main)
        listener = "127.0.0.1:{port}  inet  n  -  n  -  -  smtpd\n"
        master = (
            listener.format(port=self.port)
            + listener.format(port=self.small_port)
            + f"  -o message_size_limit={self.small_size_limit}\n"
            + "  -o cleanup_service_name=smallcleanup\n"
            + SERVICES
            # The limit is enforced by cleanup too, on the queue file (Postfix's own
            # Received: line included): the small listener's mail gets a cleanup of its own.
            + "smallcleanup unix  n    -       n       -       0       cleanup\n"
            + f"  -o message_size_limit={self.small_size_limit}\n"
            + "outside   unix  -       n       n       -       -       pipe\n"
            + "  user=nobody argv=/bin/sh -c "
            # « $$ » is pipe(8)'s « $ »: the shell's own arguments, never the address.
            + '{ exec cat > "$$0/$$(date +%s%N)-$$1.eml" } '
            + f"{self.outside} ${{recipient}}\n"
        )
        (self.config_dir / "master.cf").write_text(master)
        # Postfix re-reads a file written in the current second until that second has
        # passed (a guard against half-written files): 1.5 s of every start.
        past = time.time() - 2
        for path in self.config_dir.iterdir():
            os.utime(path, (past, past))

    # --- what happened, read from the log -------------------------------------------

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every message accepted so far has left the queue's incoming and
        active folders: delivered (or bounced, or deferred). Postfix answers 250 once a
        message is queued, and delivers it a moment later."""
        deadline = time.monotonic() + timeout
        folders = [self.queue_dir / name for name in ("maildrop", "incoming", "active")]
        while time.monotonic() < deadline:
            if not any(f.is_file() for folder in folders for f in folder.rglob("*")):
                return
            time.sleep(0.05)
        raise RuntimeError(f"Postfix's queue still busy after {timeout} s: {self._failure_text()}")

    def log_lines(self) -> list[tuple[str, str]]:
        """(program, text) for each line of the log, oldest first."""
        if not self.log_path.exists():
            return []
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            match = _LINE.match(line)
            if match:
                found.append((match["prog"], match["text"]))
        return found

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The log in the aiosmtpd server's words: "connect", "auth" (success True or
        False) and "delivered" (a message a client submitted that the queue manager
        took in). Waits for the queue to settle first, so a message just accepted counts."""
        self.settle()
        rows: list[dict[str, Any]] = []
        submitted: set[str] = set()
        for program, text in self.log_lines():
            if program.endswith("/smtpd"):
                if text.startswith("connect from "):
                    rows.append({"event": "connect"})
                elif match := _SASL_FAILED.search(text):
                    rows.append(
                        {
                            "event": "auth",
                            "username": match["username"],
                            "mechanism": match["mechanism"],
                            "success": False,
                        }
                    )
                elif match := _DISCONNECT.match(text):
                    counts = dict(part.split("=", 1) for part in match["counts"].split())
                    # « auth=1 » one success; « auth=0/1 » none of one attempt.
                    if counts.get("auth", "0/").split("/")[0] not in ("0", ""):
                        rows.append({"event": "auth", "success": True})
                elif match := _QUEUED.match(text):
                    submitted.add(match["qid"])
            elif program.endswith("/qmgr"):
                match = _ACTIVE.match(text)
                if match and match["qid"] in submitted:
                    submitted.discard(match["qid"])  # a deferred retry is not a new message
                    rows.append(
                        {
                            "event": "delivered",
                            "mail_from": match["sender"],
                            "size": int(match["size"]),
                        }
                    )
        return [row for row in rows if kind is None or row["event"] == kind]
