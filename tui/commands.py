"""The arguments of the `show` and `doctor` sub-commands, declared apart from their code,
and the `mailto:` link taken from the command line.

`courriel` builds this parser on every start; importing doctor.py and show.py for it
cost ~0.15 s (their IMAP, SMTP and MIME modules) before the mailbox's first frame.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tui.core.i18n import _


def add_show(subparsers: Any) -> None:
    """`courriel show FILE`: a message as plain text (tui/show.py)."""
    parser = subparsers.add_parser(
        "show",
        help=_("afficher un message (.eml) en texte brut, sans ouvrir l'application"),
        description=_(
            "Affiche un message comme le lecteur le montrerait : texte nettoyé, liens "
            "numérotés, pièces jointes, alertes d'hameçonnage. Rien n'est téléchargé."
        ),
    )
    parser.add_argument(
        "file", metavar=_("FICHIER"), help=_("le message à afficher (« - » pour l'entrée standard)")
    )
    parser.add_argument(
        "--headers", action="store_true", help=_("afficher tous les en-têtes du message")
    )
    parser.add_argument(
        "--save-attachments",
        metavar=_("DOSSIER"),
        type=Path,
        help=_("enregistrer les pièces jointes dans ce dossier (sans jamais écraser)"),
    )


def add_doctor(subparsers: Any) -> None:
    """`courriel doctor`: the connection checked step by step (tui/doctor.py)."""
    parser = subparsers.add_parser(
        "doctor",
        help=_("tester la connexion au serveur étape par étape et expliquer ce qui ne va pas"),
        description=_(
            "Teste la connexion comme l'écran de configuration : résolution du nom, "
            "connexion, chiffrement SSL/TLS, identification en réception et en envoi, "
            "dossiers et espace. Affiche chaque étape puis le diagnostic. Code de sortie "
            "0 si tout fonctionne, 1 sinon. Ne pose jamais de question sans terminal."
        ),
    )
    doctor_arguments(parser)


def doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--report",
        action="store_true",
        help=_(
            "afficher versions, chemins et fin du journal pour signaler une erreur "
            "(sans mot de passe ni contenu de message), sans tester la connexion"
        ),
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help=_("résultat en JSON, pour les scripts"),
    )
    parser.add_argument(
        "--accept-certificate",
        metavar="SHA256",
        action="append",
        default=[],
        help=_(
            "accepter définitivement le certificat qui a cette empreinte SHA-256, puis "
            "tester (vérifiez-la d'abord auprès de l'assistance ; peut être répété)"
        ),
    )
    parser.add_argument(
        "--username",
        metavar=_("IDENTIFIANT"),
        help=_("tester cet identifiant plutôt que celui de la configuration"),
    )
    parser.add_argument(
        "--timeout",
        metavar=_("SECONDES"),
        type=float,
        default=None,  # tui.core.diagnose.checkup.DEFAULT_TIMEOUT
        help=_("délai maximal de chaque étape (15 s par défaut)"),
    )


_TAKES_A_VALUE = ("--config", "--lang")


def take_mailto(argv: list[str]) -> tuple[list[str], str | None]:
    """`courriel mailto:…`, as the system's mail handler calls it: the link is taken out
    of the arguments before argparse, which would read it as an unknown command. Only
    in the place of a command: `courriel send --subject mailto:x` keeps its subject."""
    from tui.core.mailto import is_mailto

    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in _TAKES_A_VALUE:
            index += 2
            continue
        if arg == "--" and index + 1 < len(argv) and is_mailto(argv[index + 1]):
            return argv[:index] + argv[index + 2 :], argv[index + 1]
        if not arg.startswith("-"):
            if is_mailto(arg):
                return argv[:index] + argv[index + 1 :], arg
            return argv, None  # a command's name: the rest is its own
        index += 1
    return argv, None
