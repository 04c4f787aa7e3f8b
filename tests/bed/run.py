"""Start the test bed by hand to try courriel against real local servers.

    python -m tests.bed.run [--messages N] [--server dovecot|bare|cyrus] [--smtp postfix]

Starts Dovecot and the SMTP server on 127.0.0.1 with throwaway certificates, seeds the
INBOX of `prenom.nom` with N generated messages (`--server bare`: a Dovecot that offers
only IMAP4rev1, folders under « INBOX. »; `--server cyrus`: Cyrus IMAP 3.6, after
scripts/system-deps-cyrus; issue #16; `--smtp postfix`: a real Postfix instead of the
aiosmtpd server, as root, with Dovecot), writes a config file, prints how to launch
courriel against it, and runs until Ctrl-C. Nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import cast

from tests.bed.cyrus import cyrus_problem
from tests.bed.postfix import Postfix, postfix_problem
from tests.bed.smtp import SubmissionServer
from tests.conftest import PASSWORD, Bed, bed_root, start_bed, start_cyrus_bed

# Ctrl-C stops the servers within about this long, even with a client connected
# (Dovecot alone would wait 10 s for it).
STOP_GRACE = 1.0


def sample(n: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Collègue {n} <collegue{n}@ac-dijon.fr>"
    message["To"] = "prenom.nom@ac-dijon.fr"
    message["Subject"] = f"Message n° {n} — réunion d'équipe"
    message["Date"] = format_datetime(datetime.now(UTC) - timedelta(minutes=n))
    message.set_content(f"Bonjour,\n\nceci est le message {n}.\n")
    return bytes(message)


def courriel_command() -> str:
    """The courriel of this checkout (`make run` installs it in .venv/bin), else PATH's."""
    beside = Path(sys.executable).parent / "courriel"
    return str(beside) if beside.exists() else "courriel"


def launch_text(bed: Bed, home: Path) -> str:
    """What to type to try courriel against this bed, and the account to use."""
    folders = " ".join(
        f"XDG_{kind.upper()}_HOME={home}/{kind}" for kind in ("config", "cache", "data", "state")
    )
    return "\n".join(
        [
            f"IMAP localhost:{bed.imap_port}  SMTP localhost:{bed.smtp_port}",
            f"Identifiant : {bed.user.username}   Mot de passe : {PASSWORD}",
            "Lancer courriel contre ces serveurs (le certificat sera à accepter) :",
            f"  {folders} {courriel_command()}",
            f"ou, en faisant confiance au certificat : SSL_CERT_FILE={bed.dovecot.cert} …",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--server", choices=["dovecot", "bare", "cyrus"], default="dovecot")
    parser.add_argument("--smtp", choices=["aiosmtpd", "postfix"], default="aiosmtpd")
    args = parser.parse_args()
    if args.smtp == "postfix":
        problem = postfix_problem()
        if args.server == "cyrus":  # Postfix's passwords and delivery go through Dovecot
            problem = "--smtp postfix needs Dovecot (--server dovecot or bare)."
        if problem:
            sys.exit(problem)
    root = bed_root("manual")
    if args.server == "cyrus":
        problem = cyrus_problem()
        if problem:
            sys.exit(problem)
        bed = start_cyrus_bed(root)
    else:
        bed = start_bed(root, profile="full" if args.server == "dovecot" else "bare")
    if args.smtp == "postfix":
        postfix = Postfix(root / "postfix", bed.dovecot, refuse=["inconnu@ac-dijon.fr"])
        postfix.start()
        bed.smtp.stop()
        bed.smtp = cast(SubmissionServer, postfix)
    for n in range(args.messages, 0, -1):
        bed.dovecot.deliver(bed.user.username, sample(n))
    home = root / "home"
    config = home / "config" / "courriel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "[account]\n"
        f'username = "{bed.user.username}"\n'
        'display_name = "Prénom Nom"\n'
        f'email = "{bed.user.email}"\n'
        'imap_host = "localhost"\n'
        f"imap_port = {bed.imap_port}\n"
        'smtp_host = "localhost"\n'
        f"smtp_port = {bed.smtp_port}\n"
        f'password_command = "echo {PASSWORD}"\n'
    )
    print(launch_text(bed, home))
    print("Ctrl-C pour arrêter.", flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except KeyboardInterrupt:
        pass
    finally:
        bed.stop(grace=STOP_GRACE)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    time.tzset()
    main()
