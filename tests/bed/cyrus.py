"""A real Cyrus IMAP 3.6 on 127.0.0.1, beside the Dovecot of tests/bed/dovecot.py.

Debian's cyrus-imapd conflicts with the Dovecot packages the other tests need, so it is
never installed: its two .deb files are fetched with `apt-get download` and unpacked
into a cache (~/.cache/courriel-bed/cyrus, or $COURRIEL_CYRUS_DIR); only the libraries
they link against, which conflict with nothing, are installed (scripts/system-deps-cyrus).

Each server runs `master` from that tree with its own imapd.conf and cyrus.conf: config
directory, spool, sieve folder, sockets, locks and password database all live in the
bed's folder, nothing under /etc or /var is read or written. Implicit TLS only, Cyrus's
own defaults otherwise (altnamespace and unixhierarchysep on: folders beside INBOX, « / »
as separator), INBOX and the special folders created at the first login or delivery.

Passwords are checked by SASL `auxprop` against a sasldb the unpacked server reads and
`saslpasswd2` writes: a real check, so a wrong password is refused as on a school's
server (`alwaystrue` would let the wrong-password tests pass for the wrong reason, and
`saslauthd` would need a system daemon). Cyrus logs to syslog, which a test machine may
not have; what the tests read instead is its telemetry log (`<config>/log/<user>/`): the
bytes of every authenticated session, both ways.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import grp
import os
import pwd
import re
import shutil
import smtplib
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.bed.certs import make_self_signed
from tests.bed.commands import OBSERVER_MARK, _commands_of
from tests.bed.dovecot import Traffic, User, free_port, wait_for_port

PACKAGES = ("cyrus-common", "cyrus-imapd")
# What `ldd` finds missing from the unpacked binaries on a Dovecot machine, plus
# saslpasswd2 (sasl2-bin) and the sasldb plugin (libsasl2-modules-db).
LIBRARIES = ("libical3", "libpcre3", "libxapian30", "sasl2-bin", "libsasl2-modules-db")
CACHE = Path(
    os.environ.get("COURRIEL_CYRUS_DIR") or Path.home() / ".cache" / "courriel-bed" / "cyrus"
)
# The programs a bed runs; the others (notifyd, cyr_virusscan…) need more libraries.
PROGRAMS = ("master", "imapd", "lmtpd")
INSTALL_HINT = (
    "run scripts/system-deps-cyrus as root (sudo scripts/system-deps-cyrus), which installs "
    f"{' '.join(LIBRARIES)} and unpacks {' '.join(PACKAGES)} into {CACHE}"
)
SASLPASSWD = "/usr/sbin/saslpasswd2"
REALM = "courriel-test"  # servername, and so the SASL realm of every user

# Special folders made with each INBOX, flagged special-use (RFC 6154) by Cyrus's
# `xlist-<use>` options; « Spam » keeps \Junk from being found by its name alone.
SPECIAL_FOLDERS = {
    "Sent": "sent",
    "Drafts": "drafts",
    "Trash": "trash",
    "Spam": "junk",
    "Archive": "archive",
}


# --- the unpacked tree -------------------------------------------------------------------


def _unpack(cache: Path) -> None:
    """Download the two packages and unpack them into `cache`, once for all workers."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    with open(cache.parent / f".{cache.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers may all get here at once
        if (cache / "usr/lib/cyrus/bin/master").exists():
            return
        with tempfile.TemporaryDirectory(dir=cache.parent) as scratch:
            work = Path(scratch)
            if os.geteuid() == 0:  # apt drops to _apt to download, into a folder of ours
                with contextlib.suppress(LookupError, OSError):
                    shutil.chown(work, user="_apt")
            done = subprocess.run(
                ["apt-get", "download", "-qq", *PACKAGES],
                cwd=work,
                env={**os.environ, "TMPDIR": str(work)},  # /tmp may not be writable
                capture_output=True,
                text=True,
                timeout=120,
            )
            if done.returncode != 0:
                raise RuntimeError(f"apt-get download {' '.join(PACKAGES)}: {done.stderr.strip()}")
            tree = work / "tree"
            for deb in sorted(work.glob("*.deb")):
                subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True, timeout=60)
            shutil.rmtree(cache, ignore_errors=True)
            tree.rename(cache)


def _missing_libraries(cache: Path) -> list[str]:
    """The shared libraries `ldd` cannot find for the programs a bed runs."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(cache / "usr/lib/x86_64-linux-gnu")}
    missing: set[str] = set()
    for name in PROGRAMS:
        out = subprocess.run(
            ["ldd", str(cache / "usr/lib/cyrus/bin" / name)],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        missing |= {line.split()[0] for line in out.splitlines() if "not found" in line}
    return sorted(missing)


@functools.cache
def cyrus_problem(cache: Path = CACHE) -> str | None:
    """Why Cyrus cannot run here, or None: downloads and unpacks it if need be (once
    per process: every bed's start asks)."""
    if shutil.which("dpkg-deb") is None or shutil.which("apt-get") is None:
        return "Cyrus IMAP needs apt-get and dpkg-deb (a Debian machine) to be fetched"
    try:
        _unpack(cache)
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        return f"Cyrus IMAP could not be fetched ({error}); {INSTALL_HINT}"
    missing = _missing_libraries(cache)
    if missing:
        return f"Cyrus IMAP lacks the libraries {', '.join(missing)}; {INSTALL_HINT}"
    if not Path(SASLPASSWD).exists() or not list(Path("/usr/lib").glob("*/sasl2/libsasldb.so*")):
        return f"Cyrus IMAP's password database needs saslpasswd2 and libsasldb; {INSTALL_HINT}"
    return None


def in_ci() -> bool:
    """CI sets CI=true; CI=false or CI=0 (a developer's shell) is not CI."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_cyrus() -> Path:
    """The unpacked Cyrus tree. Where it cannot run the test is skipped with the reason,
    except as root or in CI, where `make test` installs it: a matrix that quietly
    shrank would prove nothing."""
    problem = cyrus_problem()
    if problem is not None and (in_ci() or os.geteuid() == 0):
        pytest.fail(problem)
    if problem is not None:
        pytest.skip(problem)
    return CACHE


# --- the telemetry log ------------------------------------------------------------------

# Each session's log starts with « ---------- user Sat Dec  5 14:07:51 2026 »; each read
# of the client's bytes with « <unixtime< », each write of the server's with « >unixtime> ».
_SESSION = re.compile(rb"^-{10} \S+ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n\n?", re.MULTILINE)
_CHUNK = re.compile(rb"(<|>)\d{9,11}\1")
_TAGGED = re.compile(r"^(\S+) (OK|NO|BAD)\b", re.IGNORECASE)


@dataclass
class Session:
    """One authenticated IMAP session as Cyrus logged it: the bytes each side sent."""

    from_client: bytes
    from_server: bytes

    def commands(self) -> list[str]:
        """The client's commands, literals left out (tests/bed/commands.py's shape)."""
        return [text.decode("utf-8", "replace") for text in _commands_of(self.from_client)]

    def rejected(self) -> list[tuple[str, str]]:
        """(command, answer) of every command the server answered NO or BAD."""
        by_tag = {text.split(" ", 1)[0]: text for text in self.commands()}
        found = []
        for line in _commands_of(self.from_server):
            text = line.decode("utf-8", "replace")
            match = _TAGGED.match(text)
            if match and match[2].upper() != "OK" and match[1] in by_tag:
                found.append((by_tag[match[1]], text))
        return found


def parse_telemetry(data: bytes) -> list[Session]:
    """The sessions of one telemetry file (a process serves them one after the other)."""
    sessions = []
    for part in _SESSION.split(data):
        pieces = _CHUNK.split(part)
        # split() keeps the marker's « < » or « > »: [before, mark, payload, mark, …]
        client = b"".join(pieces[i + 1] for i in range(1, len(pieces), 2) if pieces[i] == b"<")
        server = b"".join(pieces[i + 1] for i in range(1, len(pieces), 2) if pieces[i] == b">")
        if client or server:
            sessions.append(Session(client, server))
    return sessions


# --- the server --------------------------------------------------------------------------


@dataclass
class Cyrus:
    """One Cyrus master with its imaps and LMTP services, owned by the test run."""

    root: Path
    port: int = 0
    users: list[User] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    cert: Path = Path()
    key: Path = Path()
    # None: Cyrus's own default (on for both since 3.0); False/False is Debian's imapd.conf.
    altnamespace: bool | None = None
    unixhierarchysep: bool | None = None
    profile: str = "cyrus"  # read by tests/mail_helpers.raw_client (only "bare" matters)

    # --- where things are ---

    @property
    def config_dir(self) -> Path:
        return self.root / "conf"

    @property
    def lmtp_socket(self) -> Path:
        return self.config_dir / "socket" / "lmtp"

    @property
    def passwd_dir(self) -> Path:
        """Dovecot-style passwd-files (`users/<name>`), read by the SMTP bed's AUTH only."""
        return self.root / "users"

    @property
    def telemetry_dir(self) -> Path:
        return self.config_dir / "log"

    @property
    def log_path(self) -> Path:
        """master's stdout and stderr (Cyrus logs everything else to syslog)."""
        return self.root / "master.log"

    @property
    def separator(self) -> str:
        return "." if self.unixhierarchysep is False else "/"

    @property
    def prefix(self) -> str:
        """What the server puts before a folder's name: nothing in the alternate namespace."""
        return f"INBOX{self.separator}" if self.altnamespace is False else ""

    # --- users ---

    def add_user(self, username: str, password: str, email: str | None = None) -> User:
        """Add a user; on a running server it can log in at once (sasldb is read per login)."""
        user = User(username, password, email or f"{username}@ac-dijon.fr")
        self.users.append(user)
        if self.process is not None:
            self._write_user(user)
        return user

    def _owner(self) -> tuple[int, int, str]:
        """Cyrus refuses to run as root: as root, its processes and files are `nobody`'s."""
        entry = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        return entry.pw_uid, entry.pw_gid, entry.pw_name

    def _own(self, *paths: Path) -> None:
        if os.geteuid() != 0:
            return
        uid, gid, _name = self._owner()
        for path in paths:
            os.chown(path, uid, gid)

    def _as_owner(self) -> tuple[int | None, int | None, list[int] | None]:
        """Popen's user, group and extra_groups that run a program as the server's user."""
        if os.geteuid() != 0:
            return None, None, None
        uid, gid, _name = self._owner()
        return uid, gid, []

    def _write_user(self, user: User) -> None:
        user_id, group_id, groups = self._as_owner()
        subprocess.run(  # -p: the password from stdin; -c: create
            [SASLPASSWD, "-f", str(self.root / "sasldb2"), "-u", REALM, "-p", "-c", user.username],
            input=user.password.encode(),
            check=True,
            timeout=30,
            user=user_id,
            group=group_id,
            extra_groups=groups,
        )
        self.passwd_dir.mkdir(exist_ok=True)
        line = f"{user.username}:{{PLAIN}}{user.password}::::::\n"
        (self.passwd_dir / user.username).write_text(line)
        # Cyrus records a user's sessions only into a folder that exists.
        log = self.telemetry_dir / user.username
        log.mkdir(parents=True, exist_ok=True)
        self._own(log)

    # --- life cycle ---

    def regenerate_certificate(self) -> None:
        """New key and certificate; takes effect at the next start (or `restart`)."""
        self.cert, self.key = make_self_signed(self.root / "tls", stem="imap")
        self._own(self.key)

    def start(self) -> None:
        tree = require_cyrus()
        if not self.port:
            self.port = free_port()
        self.root.mkdir(parents=True, exist_ok=True)
        self._own(self.root)
        if not self.cert.name:
            self.regenerate_certificate()
        for sub in ("conf", "conf/socket", "conf/log", "spool", "sieve"):
            (self.root / sub).mkdir(exist_ok=True)
            self._own(self.root / sub)
        self._link_programs(tree)
        self._write_config()
        for user in self.users:
            self._write_user(user)
        user_id, group_id, groups = self._as_owner()
        log = open(self.log_path, "ab")  # noqa: SIM115
        root = self.root
        command = [str(root / "bin/master"), "-D", "-C", str(self.imapd_conf)]
        command += ["-M", str(root / "cyrus.conf"), "-p", str(root / "master.pid")]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env={**os.environ, "LD_LIBRARY_PATH": str(self.root / "lib")},
            cwd=self.root,
            # master stops by signalling its whole process group: in a group of its
            # own, stopping one bed (one xdist worker's) never kills another's.
            start_new_session=True,
            user=user_id,
            group=group_id,
            extra_groups=groups,
        )
        log.close()
        try:
            wait_for_port(self.port)
            for _ in range(200):  # the LMTP socket comes with the port, but not always first
                if self.lmtp_socket.exists():
                    break
                time.sleep(0.02)
        except RuntimeError:
            self.stop()
            raise RuntimeError(
                "Cyrus did not start (it logs to syslog; run master under strace -f to see "
                f"why): {self.log_path.read_text(errors='replace')[-2000:]}"
            ) from None

    def _link_programs(self, tree: Path) -> None:
        """The programs and their private libraries under the bed's folder: the server's
        user may not be able to reach the cache (/root is 0700). Hard links where the
        filesystem allows, copies otherwise."""
        wanted = [
            (tree / "usr/lib/cyrus/bin" / name, self.root / "bin" / name) for name in PROGRAMS
        ]
        wanted += [
            (library, self.root / "lib" / library.name)
            for library in (tree / "usr/lib/x86_64-linux-gnu").glob("libcyrus*.so*")
        ]
        for source, target in wanted:
            target.parent.mkdir(exist_ok=True)
            if target.exists() or target.is_symlink():
                continue
            if source.is_symlink():
                target.symlink_to(os.readlink(source))
                continue
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)

    @property
    def imapd_conf(self) -> Path:
        return self.root / "imapd.conf"

    def _write_config(self) -> None:
        _uid, gid, name = self._owner()
        root, conf = self.root, self.config_dir
        folders = " | ".join(SPECIAL_FOLDERS)
        special = "".join(f"xlist-{use}: {folder}\n" for folder, use in SPECIAL_FOLDERS.items())
        namespace = "".join(
            f"{option}: {'yes' if value else 'no'}\n"
            for option, value in (
                ("altnamespace", self.altnamespace),
                ("unixhierarchysep", self.unixhierarchysep),
            )
            if value is not None
        )
        self.imapd_conf.write_text(f"""\
configdirectory: {conf}
defaultpartition: default
partition-default: {root}/spool
sievedir: {root}/sieve
cyrus_user: {name}
cyrus_group: {grp.getgrgid(gid).gr_name}
servername: {REALM}
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {root}/sasldb2
sasl_mech_list: PLAIN LOGIN
tls_server_cert: {self.cert}
tls_server_key: {self.key}
autocreate_quota: 0
autocreate_post: yes
autocreate_inbox_folders: {folders}
autocreate_subscribe_folders: {folders}
{special}lmtp_downcase_rcpt: yes
imapidlepoll: 1
failedloginpause: 1
syslog_prefix: courriel-cyrus-{self.port}
{namespace}""")
        conf_arg = f"-C {self.imapd_conf}"
        (root / "cyrus.conf").write_text(f"""\
START {{
}}
SERVICES {{
  imaps cmd="{root}/bin/imapd -s {conf_arg}" listen="127.0.0.1:{self.port}" prefork=0
  lmtpunix cmd="{root}/bin/lmtpd {conf_arg}" listen="{self.lmtp_socket}" prefork=0
}}
EVENTS {{
}}
""")

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM: master stops itself and every imapd and lmtpd it started."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        deadline = time.monotonic() + min(5.0, grace)
        while time.monotonic() < deadline:  # children close the port after the master
            try:
                wait_for_port(self.port, timeout=0.2)
                time.sleep(0.05)
            except RuntimeError:
                return

    def restart(self) -> None:
        self.stop()
        self.start()

    # --- helpers for tests --------------------------------------------------------------

    def deliver(
        self, username: str, message: bytes, sender: str = "expediteur@example.org"
    ) -> None:
        """Deliver one message into a user's INBOX through Cyrus's lmtpd (which creates
        the INBOX, with the special folders, on the first delivery)."""
        with smtplib.LMTP(str(self.lmtp_socket)) as lmtp:
            lmtp.sendmail(sender, [username], message)

    def sessions(self, username: str, *, observers: bool = False) -> list[Session]:
        """Every authenticated session of a user, by process then in order; a test's own
        client marks its sessions (tests/bed/commands.py's OBSERVER_MARK), left out
        unless `observers`."""
        found: list[Session] = []
        for path in sorted((self.telemetry_dir / username).glob("*")):
            found.extend(parse_telemetry(path.read_bytes()))
        if observers:
            return found
        return [s for s in found if not any(OBSERVER_MARK in c for c in s.commands())]

    def commands(self, username: str) -> list[str]:
        """The commands the client sent (after login), as tests/bed/commands.commands."""
        return [text for session in self.sessions(username) for text in session.commands()]

    def rejected(self, username: str) -> list[tuple[str, str]]:
        """Every (command, answer) the server refused with NO or BAD."""
        return [item for session in self.sessions(username) for item in session.rejected()]

    def traffic(self, username: str) -> list[Traffic]:
        """The bytes of every session after its login (telemetry starts there)."""
        return [
            Traffic(from_client=len(s.from_client), from_server=len(s.from_server))
            for s in self.sessions(username, observers=True)
        ]

    def logins(self, username: str) -> int:
        """How many sessions logged in as this user (each one gets a telemetry log)."""
        return len(self.sessions(username, observers=True))

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
