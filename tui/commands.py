"""The arguments of the sub-commands (`show`, `doctor`, `send`, `sync`, `contacts`), declared apart
from their code, and the `mailto:` link taken from the command line.

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
    _account(parser, _("tester ce compte (nom, adresse ou identifiant) ; sinon tous"))
    parser.add_argument(
        "--timeout",
        metavar=_("SECONDES"),
        type=float,
        default=None,  # tui.core.diagnose.checkup.DEFAULT_TIMEOUT
        help=_("délai maximal de chaque étape (15 s par défaut)"),
    )


def add_send(subparsers: Any) -> None:
    """`courriel send`: a message from a script, through the outbox (tui/cli_send.py)."""
    parser = subparsers.add_parser(
        "send",
        help=_("envoyer un message depuis un script (texte lu sur l'entrée standard)"),
        description=_(
            "Envoie un message comme l'écran de rédaction : il est d'abord enregistré dans "
            "la boîte d'envoi, part au plus une fois, et sa copie va dans « Envoyés ». Le "
            "texte est lu sur l'entrée standard, en UTF-8. Codes de sortie : 0 envoyé ; "
            "75 pas encore parti, il attend dans la boîte d'envoi et courriel l'enverra "
            "de lui-même (prochain lancement ou « courriel sync ») ; 1 échec qui demande "
            "votre intervention (message refusé, mot de passe refusé…) ; 2 erreur dans "
            "la commande (adresse, fichier, texte)."
        ),
        epilog=_(
            'Exemple : courriel send --to marie.durand@ac-dijon.fr --subject "Conseil de '
            'classe" --attach notes.pdf < message.txt'
        ),
    )
    parser.add_argument(
        "--to",
        metavar=_("ADRESSE"),
        action="append",
        default=[],
        help=_("destinataire (peut être répété ; plusieurs adresses séparées par des virgules)"),
    )
    parser.add_argument(
        "--cc", metavar=_("ADRESSE"), action="append", default=[], help=_("copie (répétable)")
    )
    parser.add_argument(
        "--bcc",
        metavar=_("ADRESSE"),
        action="append",
        default=[],
        help=_("copie cachée (répétable)"),
    )
    parser.add_argument(
        "--subject", metavar=_("TEXTE"), required=True, help=_("l'objet du message")
    )
    parser.add_argument(
        "--attach",
        metavar=_("FICHIER"),
        action="append",
        default=[],
        help=_("joindre ce fichier (répétable ; 100 Mo au plus chacun)"),
    )
    parser.add_argument(
        "--signature",
        action="store_true",
        help=_("ajouter la signature de la configuration sous le texte"),
    )
    _account(parser, _("envoyer depuis ce compte (nom, adresse ou identifiant) ; sinon le premier"))
    parser.add_argument(
        "--from",
        dest="sender",
        metavar=_("ADRESSE"),
        help=_("envoyer depuis le compte qui a cette adresse (comme --account)"),
    )
    _quiet(parser, _("ne rien afficher quand le message est parti"))


def add_sync(subparsers: Any) -> None:
    """`courriel sync`: one sync and the outbox, for cron (tui/cli_sync.py)."""
    parser = subparsers.add_parser(
        "sync",
        help=_("synchroniser une fois et envoyer la boîte d'envoi (pour cron)"),
        description=_(
            "Synchronise le compte une fois (boîte de réception d'abord, puis les autres "
            "dossiers), envoie ce qui attend dans la boîte d'envoi, fait sur le serveur "
            "les suppressions et déplacements dont le délai d'annulation est passé, puis "
            "affiche une ligne de résumé. Ne pose jamais de question sans terminal. Codes "
            "de sortie : 0 fait ; 75 serveur injoignable ou message pas encore parti "
            "(nouvel essai au prochain lancement) ; 1 échec qui demande votre "
            "intervention (mot de passe, certificat, message refusé) ; 2 erreur dans la "
            "commande ou la configuration."
        ),
        epilog=_("Exemple pour crontab -e : */15 7-19 * * 1-5 courriel sync --quiet"),
    )
    _account(parser, _("synchroniser ce compte seulement (nom, adresse ou identifiant)"))
    _quiet(parser, _("n'afficher que les erreurs, pas le résumé"))


def add_contacts(subparsers: Any) -> None:
    """`courriel contacts import FICHIER`: the address book (tui/cli_contacts.py)."""
    parser = subparsers.add_parser(
        "contacts",
        help=_("gérer le carnet d'adresses (import d'un fichier vCard ou CSV)"),
        description=_(
            "Le carnet d'adresses sert à compléter les destinataires pendant la "
            "rédaction. « courriel contacts import FICHIER » y ajoute les contacts d'un "
            "fichier vCard (.vcf) ou CSV (export du webmail, d'Outlook, de Thunderbird, "
            "de Google). Codes de sortie : 0 import fait (des lignes ont pu être "
            "ignorées, le résumé dit pourquoi) ; 1 fichier illisible ou carnet impossible "
            "à écrire ; 2 erreur dans la commande ou la configuration."
        ),
        epilog=_("Exemple : courriel contacts import ~/Téléchargements/contacts.vcf"),
    )
    actions = parser.add_subparsers(
        dest="contacts_command", title=_("commandes"), metavar=_("COMMANDE"), required=True
    )
    importing = actions.add_parser(
        "import", help=_("importer un fichier vCard (.vcf) ou CSV, 10 Mo au plus")
    )
    importing.add_argument("file", metavar=_("FICHIER"), type=Path, help=_("le fichier à lire"))
    _account(
        importing,
        _(
            "le compte dont le carnet reçoit les contacts (nom, adresse ou identifiant) ; "
            "sinon le premier"
        ),
    )


def _account(parser: argparse.ArgumentParser, text: str) -> None:
    """--account, with several accounts in the config (#20)."""
    parser.add_argument("--account", metavar=_("COMPTE"), help=text)


def _quiet(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help=text)


_TAKES_A_VALUE = ("--config", "--lang")


def take_mailto(argv: list[str]) -> tuple[list[str], str | None]:
    """`courriel mailto:…`, as the system's mail handler calls it: the link is taken out
    of the arguments before argparse, which would read it as an unknown command. Only
    in the place of a command: `courriel send --subject mailto:x` keeps its subject."""
    from tui.core.mail.mailto import is_mailto

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
