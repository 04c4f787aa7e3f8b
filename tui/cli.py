"""Command line: `courriel`, its options and sub-commands, with French help by default.

Heavy imports (textual, imapclient…) happen only in the branch that needs them, so
`courriel --version` and `--help` answer at once even on an old machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from tui import __version__
from tui.core.errors import ConfigError, MailError
from tui.core.i18n import _, current_language, language_from_environment, set_language
from tui.core.mail.sanitize import clean_line, shorten

if TYPE_CHECKING:
    from tui.core.mail.mailto import Mailto

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
# sysexits.h's EX_TEMPFAIL, which mail tools use for « not sent yet, will be retried »:
# `courriel send` left the message in the outbox, `courriel sync` found no server.
EXIT_QUEUED = 75


class _Formatter(argparse.HelpFormatter):
    """argparse's own words are English; this says "Utilisation" instead of "usage", and
    « options : » with the French space before the colon."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, prefix=_("Utilisation : "))

    def start_section(self, heading: str | None) -> None:
        # argparse writes "heading:"; French typography wants a space before the colon,
        # or « options: » reads as argparse's untranslated English.
        if heading and current_language() == "fr":
            heading += " "
        super().start_section(heading)


class _Parser(argparse.ArgumentParser):
    """French usage line, headings and -h for the main parser and every sub-command.

    argparse translates its error sentences only through the process-wide gettext
    domain (LANGUAGE/LANG, not `--lang`): `error` says the common ones in the user's
    language itself (_argparse_sentence), and sanitises what the user typed.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        # The two groups argparse makes itself, headed "positional arguments" and "options".
        self._positionals.title = _("arguments")
        self._optionals.title = _("options")
        self.add_argument("-h", "--help", action="help", help=_("afficher cette aide et quitter"))

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(
            EXIT_USAGE,
            _("courriel : erreur : {message}\nVoir « courriel --help ».\n").format(
                message=shorten(_argparse_sentence(clean_line(message)), 500)
            ),
        )


def _argparse_sentence(message: str) -> str:
    """argparse's usual error sentences in the user's language; others as they are."""
    patterns: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (
            r"unrecognized arguments: (.*)",
            lambda m: _("arguments non reconnus : {args}").format(args=m[1]),
        ),
        (
            r"the following arguments are required: (.*)",
            lambda m: _("arguments obligatoires manquants : {args}").format(args=m[1]),
        ),
        (
            r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
            lambda m: _("{arg} : choix invalide {value} (possibles : {choices})").format(
                arg=m[1], value=m[2], choices=m[3]
            ),
        ),
        (
            r"argument (\S+): expected one argument",
            lambda m: _("{arg} : une valeur est attendue").format(arg=m[1]),
        ),
        (
            r"argument (\S+): invalid \w+ value: (.*)",
            lambda m: _("{arg} : valeur invalide {value}").format(arg=m[1], value=m[2]),
        ),
        (
            r"ambiguous option: (\S+) could match (.*)",
            lambda m: _("option ambiguë : {option} peut désigner {options}").format(
                option=m[1], options=m[2]
            ),
        ),
    ]
    for pattern, say in patterns:
        match = re.fullmatch(pattern, message)
        if match:
            return say(match)
    return message


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="courriel",
        description=_(
            "Client de messagerie en terminal pour les personnels de l'académie de Dijon.\n"
            "Sans argument, ouvre la boîte de réception ; avec un lien « mailto:… », "
            "ouvre la rédaction d'un message pré-rempli."
        ),
        epilog=_(
            "Le fichier de configuration se trouve par défaut dans "
            "~/.config/courriel/config.toml (ou $XDG_CONFIG_HOME/courriel/config.toml)."
        ),
    )
    options = parser._optionals
    options.add_argument(
        "--version",
        action="version",
        version=f"courriel {__version__}",
        help=_("afficher la version et quitter"),
    )
    options.add_argument(
        "--config",
        metavar=_("FICHIER"),
        type=Path,
        help=_("utiliser ce fichier de configuration au lieu de celui par défaut"),
    )
    options.add_argument(
        "--lang",
        choices=("fr", "en"),
        help=_("langue de l'interface (fr par défaut)"),
    )
    options.add_argument(
        "--demo",
        action="store_true",
        help=_("essayer courriel sur une boîte d'exemple, hors ligne, sans rien configurer"),
    )
    commands = parser.add_subparsers(
        dest="command", title=_("commandes"), metavar=_("COMMANDE"), prog="courriel"
    )
    from tui.commands import add_contacts, add_doctor, add_send, add_show, add_sync

    add_show(commands)
    add_doctor(commands)
    add_send(commands)
    add_sync(commands)
    add_contacts(commands)
    # `courriel doctor --config F` as well as `courriel --config F doctor`.
    for name in ("doctor", "send", "sync", "contacts"):
        commands.choices[name].add_argument(
            "--config",
            metavar=_("FICHIER"),
            type=Path,
            default=argparse.SUPPRESS,
            help=_("utiliser ce fichier de configuration au lieu de celui par défaut"),
        )
    return parser


def _initial_language(argv: Sequence[str]) -> None:
    """Pick the language before building the parser, so that --help is translated."""
    language = language_from_environment()
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            language = argv[index + 1]
        elif arg.startswith("--lang="):
            language = arg.split("=", 1)[1]
    set_language(language)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _initial_language(argv)
    from tui.commands import take_mailto

    argv, link = take_mailto(argv)
    args = build_parser().parse_args(argv)
    args.mailto = link
    try:
        return _run(args)
    except ConfigError as exc:
        print(_("courriel : {message}").format(message=exc.message), file=sys.stderr)
        return EXIT_USAGE
    except MailError as exc:
        print(_("courriel : {message}").format(message=exc.message), file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `courriel doctor --json | head`: the reader left; not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a bug: the details to the log, never on the terminal
        from tui.core import logs

        logs.print_crash(logs.record(exc, "cli"))
        return EXIT_FAILURE


def _run(args: argparse.Namespace) -> int:
    if args.command == "show":
        from tui import show

        return show.run(args)
    if args.command == "doctor":
        from tui import doctor

        return doctor.run(args)
    if args.command == "send":
        from tui import cli_send

        return cli_send.run(args)
    if args.command == "sync":
        from tui import cli_sync

        return cli_sync.run(args)
    if args.command == "contacts":
        from tui import cli_contacts

        return cli_contacts.run(args)
    # Start-up allocates some 200,000 objects that live as long as the process, and the
    # collector walked them several times before the first frame: 50-80 ms of a 0.5 s
    # launch (bench/README.md). The app turns it back on once the mailbox is drawn.
    gc.disable()
    try:
        return _run_app(args)
    finally:
        gc.enable()


def _run_app(args: argparse.Namespace) -> int:
    link: Mailto | None = None
    if args.mailto is not None:  # `courriel mailto:…`: the compose screen, pre-filled
        from tui.core.mail.mailto import MailtoError, parse

        try:
            link = parse(args.mailto)
        except MailtoError as exc:
            print(_("courriel : {message}").format(message=exc.message), file=sys.stderr)
            return EXIT_USAGE
    if args.demo:
        return _run_demo(args, link)

    from tui.config import load_config

    config = load_config(args.config)
    if args.lang is None and config.ui["language"]:
        set_language(config.ui["language"])
    from tui.app import CourrielApp

    app = CourrielApp.for_account(config, mailto=link)
    try:
        app.run(mouse=config.ui["mouse"])
    finally:
        app.close_account()
    return EXIT_FAILURE if app.return_code else EXIT_OK


def _run_demo(args: argparse.Namespace, link: Mailto | None = None) -> int:
    from tui.account import Account
    from tui.app import CourrielApp
    from tui.config import load_config
    from tui.demo import open_demo

    # The demo never touches the user's account or cache, but keeps their look and language.
    user_ui = load_config(args.config).ui
    if args.lang is None and user_ui["language"]:
        set_language(user_ui["language"])
    config, cache, folder = open_demo()
    config.ui.update(user_ui)
    with folder:
        app = CourrielApp(config, Account(config, cache, demo=True), mailto=link)
        app.run(mouse=config.ui["mouse"])
        cache.close()
    return EXIT_FAILURE if app.return_code else EXIT_OK
