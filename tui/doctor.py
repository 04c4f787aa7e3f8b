"""`courriel doctor`: the setup screen's connection test, without the UI.

For SSH sessions and support staff: prints each step with ✓/✗ and its time, then the
diagnosis; exit code 0 when every step passes, 1 otherwise; `--json` for scripts. It
never waits on a prompt it cannot show: an unverified certificate is printed with its
fingerprint and the command to accept it, and without a terminal a missing password is
a clear failure, not a hang.
"""

from __future__ import annotations

import argparse
import getpass
import json
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import Any, TextIO

from tui import __version__
from tui.commands import doctor_arguments
from tui.core import logs
from tui.core.diagnose.checkup import (
    DEFAULT_TIMEOUT,
    STEPS,
    StepResult,
    Target,
    run_checkup,
    step_label,
)
from tui.core.diagnose.diagnose import Diagnosis, diagnose
from tui.core.errors import CertificateError, ConfigError, MailError
from tui.core.i18n import _, current_language, set_language
from tui.core.userfiles import shown_path
from tui.core.username import normalise_username

EXIT_OK = 0
EXIT_FAILURE = 1
JSON_SCHEMA_VERSION = 1


# --- running --------------------------------------------------------------------------


class _Report:
    """Everything `doctor` found, printed live as text or at the end as JSON."""

    def __init__(self, args: argparse.Namespace, out: TextIO) -> None:
        self.json = bool(getattr(args, "json", False))
        self.out = out
        self.steps: list[StepResult] = []
        self.notes: list[str] = []
        self.typed_username = ""
        self.target: Target | None = None
        self.accepted: list[dict[str, object]] = []
        self.certificate: dict[str, object] | None = None
        self.certificate_text = ""
        self.diagnosis: Diagnosis | None = None
        self.config_path = ""
        self.marks = _marks(out)

    def say(self, text: str = "") -> None:
        if not self.json:
            print(text, file=self.out, flush=True)

    def step(self, result: StepResult) -> None:
        self.steps.append(result)
        mark = self.marks[0] if result.ok else self.marks[1]
        self.say(
            f"  {mark} {result.label:<28} {_seconds(result.seconds):>8}  {result.detail}".rstrip()
        )
        if result.certificate is not None:
            self._certificate(result.certificate)

    def _certificate(self, error: CertificateError) -> None:
        from tui.core.net.certificates import describe_for_terminal
        from tui.core.net.trust import CertificateChanged, CertificateNeedsDecision

        if isinstance(error, CertificateChanged):
            info, pinned = error.info, error.pinned
        elif isinstance(error, CertificateNeedsDecision):
            info, pinned = error.info, None
        else:
            return
        self.certificate_text = describe_for_terminal(info, pinned)
        self.certificate = {
            "host": info.host,
            "port": info.port,
            "subject": info.subject,
            "issuer": info.issuer,
            "not_before": info.not_before.isoformat() if info.not_before else None,
            "not_after": info.not_after.isoformat() if info.not_after else None,
            "sha256": info.sha256,
            "reason": info.reason,
            "changed": pinned is not None,
            "accept_command": (
                f"courriel doctor --accept-certificate {info.sha256.replace(':', '')}"
                if info.sha256
                else None
            ),
        }
        self.say()
        for line in self.certificate_text.splitlines():
            self.say("    " + line if line else "")
        self.say()

    def fail(self, diagnosis: Diagnosis) -> int:
        self.diagnosis = diagnosis
        return self.finish()

    def finish(self) -> int:
        ok = (
            self.diagnosis is None
            and len(self.steps) == len(STEPS)
            and all(step.ok for step in self.steps)
        )
        if self.diagnosis is None:
            failed = next((s.diagnosis for s in self.steps if not s.ok), None)
            warning = next((s.diagnosis for s in self.steps if s.ok and s.diagnosis), None)
            self.diagnosis = failed or warning
        if self.json:
            print(json.dumps(self.as_dict(ok), ensure_ascii=False, indent=2), file=self.out)
        else:
            self._print_end(ok)
        return EXIT_OK if ok else EXIT_FAILURE

    def _print_end(self, ok: bool) -> None:
        done = {step.name for step in self.steps}
        if self.steps and not ok:
            for name in STEPS:
                if name not in done:
                    self.say(f"  {self.marks[2]} {step_label(name):<28} {'':>8}  " + _("non testé"))
        if self.diagnosis is not None:
            width = max(40, min(100, shutil.get_terminal_size((80, 24)).columns) - 2)
            self.say()
            self.say(_("Diagnostic : {title}").format(title=self.diagnosis.title))
            self.say(_fill(self.diagnosis.explanation, width))
            if self.diagnosis.steps:
                self.say(_("Que faire :"))
                for index, text in enumerate(self.diagnosis.steps, 1):
                    prefix = f"  {index}. "
                    self.say(_fill(text, width, prefix))
            if self.diagnosis.technical:
                self.say(_("Détail technique : {text}").format(text=self.diagnosis.technical))
        self.say()
        self.say(_("Tout fonctionne.") if ok else _("Le test a échoué."))

    def as_dict(self, ok: bool) -> dict[str, object]:
        done = [step.name for step in self.steps]
        target = self.target
        return {
            "schema": JSON_SCHEMA_VERSION,
            "ok": ok,
            "version": __version__,
            "config_path": self.config_path,
            "log_path": str(logs.current_path()),
            "language": current_language(),
            "account": {
                "typed_username": self.typed_username,
                "username": target.username if target else "",
                "imap": {"host": target.imap_host, "port": target.imap_port} if target else None,
                "smtp": {"host": target.smtp_host, "port": target.smtp_port} if target else None,
            },
            "notes": list(self.notes),
            "accepted": list(self.accepted),
            "steps": [step.as_dict() for step in self.steps],
            "not_run": [name for name in STEPS if name not in done],
            "certificate": self.certificate,
            "diagnosis": self.diagnosis.as_dict() if self.diagnosis else None,
        }


def _marks(out: TextIO) -> tuple[str, str, str]:
    """✓ ✗ · — or plain ASCII when the terminal's encoding cannot show them."""
    encoding = getattr(out, "encoding", None) or "utf-8"  # StringIO: text, any character
    try:
        "✓✗·".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "OK", "XX", "--"
    return "✓", "✗", "·"


def _seconds(value: float) -> str:
    text = f"{value:.2f} s"
    return text.replace(".", ",") if current_language() == "fr" else text


def _simple(title: str, explanation: str, steps: Sequence[str], kind: str) -> Diagnosis:
    return Diagnosis(title, explanation, list(steps), kind)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the test for the configured account; 0 when every step passes, 1 otherwise."""
    if getattr(args, "report", False):
        from tui.bugreport import write_report

        return write_report(out or sys.stdout)
    labels = _every_account(args)
    if len(labels) > 1:
        # Several accounts (#20): each tested in turn, 1 if any fails; by its place in
        # the file, not by a name another account could answer to as well.
        codes = [
            _run_reported(argparse.Namespace(**{**vars(args), "account_index": index}), out)
            for index in range(len(labels))
        ]
        return max(codes)
    return _run_reported(args, out)


def _every_account(args: argparse.Namespace) -> list[str]:
    """The accounts to test in turn: all of them, unless one is named or the output
    is JSON (one document) or another login is tried (--username)."""
    named = getattr(args, "account", None) or getattr(args, "username", None)
    if named or getattr(args, "json", False):
        return []
    from tui.config import account_label, load_config

    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError:
        return []  # the single run says what is wrong with the file
    return [account_label(account) for account in config.accounts]


def _run_reported(args: argparse.Namespace, out: TextIO | None) -> int:
    report = _Report(args, out or sys.stdout)
    try:
        return _run(args, report)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # never a traceback: every failure is a diagnosis
        return report.fail(diagnose(exc))


def _run(args: argparse.Namespace, report: _Report) -> int:
    from tui.config import default_config_path, load_config, trust_path
    from tui.core.net.trust import TrustStore

    config_path = getattr(args, "config", None) or default_config_path()
    report.config_path = str(config_path)
    # First, whatever follows: the help desk needs it most when the file is broken.
    report.say(
        _("courriel {version} · configuration : {config} · journal : {log}").format(
            version=__version__, config=shown_path(config_path), log=shown_path(logs.current_path())
        )
    )
    try:
        config = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        return report.fail(diagnose(exc))
    if getattr(args, "lang", None) is None and config.ui["language"]:
        set_language(config.ui["language"])
    index = getattr(args, "account_index", None)
    if index is not None:
        config = config.for_account(index)
    elif getattr(args, "account", None):
        from tui.scripts import pick_account

        try:
            config = config.for_account(pick_account(config, args.account))
        except ConfigError as exc:
            return report.fail(diagnose(exc))
    account = dict(config.account)
    typed = args.username if getattr(args, "username", None) else str(account["username"])
    report.typed_username = typed
    if not typed.strip():
        return report.fail(
            _simple(
                _("Aucun compte configuré"),
                _("Le fichier {path} n'indique pas d'identifiant.").format(path=config.path),
                [
                    _("Lancez courriel : l'écran de configuration vous guide."),
                    _(
                        "Ou testez un identifiant directement : courriel doctor --username {ex}"
                    ).format(ex="prenom.nom"),
                ],
                "config",
            )
        )
    check = normalise_username(typed)
    if not check.ok:
        return report.fail(_simple(_("Identifiant impossible"), check.error, [], "username"))
    report.notes = list(check.notes)
    target = Target.from_account({**account, "username": check.username})
    report.target = target
    report.say(
        _(
            "courriel doctor : « {user} » sur {imap_host}:{imap_port} (réception) et "
            "{smtp_host}:{smtp_port} (envoi)"
        ).format(
            user=target.username,
            imap_host=target.imap_host,
            imap_port=target.imap_port,
            smtp_host=target.smtp_host,
            smtp_port=target.smtp_port,
        )
    )
    for note in check.notes:
        report.say("  " + _("Note : {note}").format(note=note))
    report.say()

    trust = TrustStore(trust_path())
    timeout = float(getattr(args, "timeout", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT)
    for fingerprint in getattr(args, "accept_certificate", None) or []:
        failure = _accept(trust, target, fingerprint, timeout, report)
        if failure is not None:
            return report.fail(failure)

    def password() -> str | None:
        return _password(account, target.username)

    for result in run_checkup(target, password, trust, timeout=timeout):
        report.step(result)
    return report.finish()


def _accept(
    trust: Any, target: Target, fingerprint: str, timeout: float, report: _Report
) -> Diagnosis | None:
    """Pin the certificate with this fingerprint on the IMAP or the SMTP server."""
    endpoints = [(target.imap_host, target.imap_port)]
    if (target.smtp_host, target.smtp_port) != endpoints[0]:
        endpoints.append((target.smtp_host, target.smtp_port))
    errors: list[str] = []
    for host, port in endpoints:
        try:
            info = trust.accept_fingerprint(host, port, fingerprint, timeout=timeout)
        except CertificateError as exc:
            errors.append(exc.message)
            continue
        except OSError as exc:
            errors.append(diagnose(exc, host=host, port=port).explanation)
            continue
        report.accepted.append({"host": host, "port": port, "sha256": info.sha256})
        report.say(
            _("Certificat accepté définitivement pour {host}:{port} ({fp}).").format(
                host=host, port=port, fp=info.sha256
            )
        )
        return None
    return _simple(
        _("Certificat non accepté"),
        " ".join(errors),
        [
            _(
                "Vérifiez l'empreinte : lancez « courriel doctor » sans option pour voir celle "
                "que présente le serveur, et faites-la confirmer par l'assistance."
            )
        ],
        "certificate",
    )


def _password(account: dict[str, Any], username: str) -> str | None:
    """The stored password, else a prompt when there is a terminal, else a clear failure."""
    from tui.core.secrets import SecretError, get_password

    password = get_password(account)
    if password is None and account.get("username") != username:
        password = get_password({**account, "username": username})
    if password:
        return password
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(_("Mot de passe de « {user} » : ").format(user=username))
    raise SecretError(
        _(
            "Aucun mot de passe enregistré pour « {user} », et pas de terminal pour le demander."
        ).format(user=username)
    )


# --- python -m tui.doctor -------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m tui.doctor`: the same command without the main parser."""
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="courriel doctor")
    parser.add_argument("--config", type=Path, metavar=_("FICHIER"))
    parser.add_argument("--lang", choices=("fr", "en"))
    doctor_arguments(parser)
    args = parser.parse_args(argv)
    if args.lang:
        set_language(args.lang)
    try:
        return run(args)
    except MailError as exc:
        print(exc.message, file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())


def _fill(text: str, width: int, prefix: str = "") -> str:
    """Wrapped for the terminal, never inside an address: a URL cut at its hyphen
    (« https://webmail.ac- » / « dijon.fr ») is copied broken (#16 review)."""
    return textwrap.fill(
        text,
        width,
        initial_indent=prefix,
        subsequent_indent=" " * len(prefix),
        break_on_hyphens=False,
        break_long_words=False,
    )
