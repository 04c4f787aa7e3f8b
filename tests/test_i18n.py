"""The translation catalogues: complete, compiled, consistent, and really used.

Message ids are the French text; English lives in tui/locales/en/LC_MESSAGES/courriel.po
and its compiled courriel.mo (both committed, see PITFALLS.md). These tests read the code
with `ast` and the .po with a small parser of their own, so they need neither pybabel nor
any other dev-only tool: `scripts/i18n` is only needed to *fix* what they report.
"""

from __future__ import annotations

import argparse
import ast
import gettext
import json
import os
import re
import string
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.command import CommandList

from tests.app_helpers import demo_app
from tui.core import i18n
from tui.core.i18n import _, language_from_environment, ngettext, pgettext, set_language

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tui"
PO_FILE = PACKAGE / "locales" / "en" / "LC_MESSAGES" / "courriel.po"
MO_FILE = PO_FILE.with_suffix(".mo")
FIX = "run scripts/i18n, translate what it reports, commit the .po and the .mo"


# --- reading the code and the catalogue -------------------------------------------------


CONTEXT_SEPARATOR = "\x04"  # how gettext keys a `msgctxt` entry: context, EOT, message id


@dataclass
class Entry:
    msgid: str
    plural: str | None = None
    strings: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    context: str | None = None

    @property
    def key(self) -> str | tuple[str, str]:
        msgid = self.msgid
        if self.context is not None:
            msgid = self.context + CONTEXT_SEPARATOR + msgid
        return msgid if self.plural is None else (msgid, self.plural)


def read_po(path: Path) -> tuple[Entry | None, dict[str | tuple[str, str], Entry]]:
    """The header entry and the live entries of a .po file (obsolete `#~` ones skipped)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    flags: set[str] = set()
    context: str | None = None

    def append(text: str) -> None:
        nonlocal context
        assert target is not None
        kind, index = target
        if kind == "msgctxt":  # comes before the msgid of its entry
            context = (context or "") + text
            return
        assert current is not None
        if kind == "msgid":
            current.msgid += text
        elif kind == "msgid_plural":
            current.plural = (current.plural or "") + text
        else:
            current.strings[index] = current.strings.get(index, "") + text

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _sep, rest = line.partition(" ")
        if line.startswith('"'):
            append(ast.literal_eval(line))
            continue
        if keyword == "msgctxt":
            target = ("msgctxt", 0)
        elif keyword == "msgid":
            current = Entry("", flags=flags, context=context)
            entries.append(current)
            flags = set()
            context = None
            target = ("msgid", 0)
        elif keyword == "msgid_plural":
            target = ("msgid_plural", 0)
            if current is not None:
                current.plural = ""
        elif keyword == "msgstr":
            target = ("msgstr", 0)
        elif (match := re.fullmatch(r"msgstr\[(\d+)\]", keyword)) is not None:
            target = ("msgstr", int(match.group(1)))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
        append(ast.literal_eval(rest))
    header = next((entry for entry in entries if entry.msgid == ""), None)
    return header, {entry.key: entry for entry in entries if entry.msgid}


def ids_in_code(*, inside_f_strings: bool = False) -> dict[str | tuple[str, str], list[str]]:
    """Every `_("…")`, `pgettext("context", "…")` and `ngettext("…", "…", n)` in tui/,
    with where it is.

    pybabel cannot see calls written inside an f-string: those are returned only with
    `inside_f_strings=True`.
    """
    found: dict[str | tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        in_f = {id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if (id(node) in in_f) != inside_f_strings:
                continue
            args = node.args
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            literal = [isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args]
            if node.func.id == "_" and args and literal[0]:
                found.setdefault(args[0].value, []).append(where)  # type: ignore[attr-defined]
            elif node.func.id == "pgettext" and len(args) >= 2 and all(literal[:2]):
                key = args[0].value + CONTEXT_SEPARATOR + args[1].value  # type: ignore[attr-defined]
                found.setdefault(key, []).append(where)
            elif node.func.id == "ngettext" and len(args) >= 2 and all(literal[:2]):
                key = (args[0].value, args[1].value)  # type: ignore[attr-defined]
                found.setdefault(key, []).append(where)
    return found


def placeholders(text: str) -> set[str]:
    """The `{name}` fields a str.format() call fills ({{ and }} are literal braces)."""
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError as exc:  # unbalanced brace: report it as such
        return {f"<invalid format: {exc}>"}


@pytest.fixture(scope="module")
def catalogue() -> tuple[Entry | None, dict[str | tuple[str, str], Entry]]:
    return read_po(PO_FILE)


# --- the catalogue is complete and consistent ------------------------------------------


def test_the_code_has_many_translatable_strings() -> None:
    """Guards the extractor below: if it found nothing, every other test would pass."""
    assert len(ids_in_code()) > 400


def test_every_string_of_the_code_has_an_english_translation(catalogue) -> None:
    _header, entries = catalogue
    problems = []
    for key, places in ids_in_code().items():
        entry = entries.get(key)
        if entry is None:
            problems.append(f"missing from the .po: {key!r} ({places[0]})")
        elif entry.plural is None and not entry.strings.get(0):
            problems.append(f"not translated: {key!r} ({places[0]})")
        elif entry.plural is not None and not all(entry.strings.get(i) for i in (0, 1)):
            problems.append(f"plural forms not all translated: {key!r} ({places[0]})")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy (gettext ignores it): {key!r} ({places[0]})")
    assert not problems, f"{len(problems)} problem(s); {FIX}:\n" + "\n".join(problems)


def test_the_po_header_lets_babel_compile_it(catalogue) -> None:
    """A header marked fuzzy (or none at all) makes `pybabel compile` skip the catalogue."""
    header, _entries = catalogue
    assert header is not None, "the .po has no header entry: pybabel compile would skip it"
    assert "fuzzy" not in header.flags
    fields = dict(
        line.split(": ", 1) for line in header.strings.get(0, "").splitlines() if ": " in line
    )
    assert fields.get("Project-Id-Version", "").startswith("courriel")
    assert fields.get("Language") == "en"
    assert "charset=utf-8" in fields.get("Content-Type", "").lower()
    assert fields.get("Plural-Forms", "").startswith("nplurals=2;")


def test_the_committed_mo_agrees_with_the_po(catalogue) -> None:
    _header, entries = catalogue
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("language") == "en"
    stale = []
    for key, entry in entries.items():
        # An untranslated entry is left out of the .mo: gettext then gives the id back.
        if isinstance(key, tuple):
            for n, form in ((1, 0), (2, 1)):
                wanted = entry.strings.get(form) or key[form]
                if compiled.ngettext(key[0], key[1], n) != wanted:
                    stale.append(f"{key!r} (form {form})")
        elif compiled.gettext(key) != (entry.strings.get(0) or key):
            stale.append(repr(key))
    assert not stale, f"the .mo is stale for {len(stale)} entries; {FIX}:\n" + "\n".join(stale)
    # And nothing compiled that the .po no longer has (a forgotten recompile after a removal).
    in_mo = {k if isinstance(k, str) else k[0] for k in compiled._catalog}  # type: ignore[attr-defined]
    in_po = {k if isinstance(k, str) else k[0] for k in entries} | {""}
    assert in_mo <= in_po, f"compiled but no longer in the .po: {sorted(in_mo - in_po)}; {FIX}"


def test_placeholders_are_the_same_in_french_and_english(catalogue) -> None:
    _header, entries = catalogue
    problems = []
    for entry in entries.values():
        wanted = placeholders(entry.msgid) | placeholders(entry.plural or "")
        for form, text in entry.strings.items():
            if text and placeholders(text) != wanted:
                problems.append(
                    f"{entry.msgid!r} form {form}: {sorted(placeholders(text))} "
                    f"instead of {sorted(wanted)}"
                )
    assert not problems, "\n".join(problems)


def test_translations_keep_leading_and_trailing_whitespace(catalogue) -> None:
    """Column-aligned and concatenated strings ("Attention : " + title) rely on it."""
    _header, entries = catalogue
    problems = []
    for entry in entries.values():
        for text in entry.strings.values():
            if not text:
                continue
            for edge, pattern in (("leading", r"^\s*"), ("trailing", r"\s*$")):
                french = re.search(pattern, entry.msgid)
                english_ = re.search(pattern, text)
                assert french is not None and english_ is not None
                if french.group() != english_.group():
                    problems.append(f"{edge} whitespace differs: {entry.msgid!r} → {text!r}")
    assert not problems, "\n".join(problems)


def test_no_translated_string_hides_inside_an_f_string() -> None:
    hidden = ids_in_code(inside_f_strings=True)
    assert not hidden, "\n".join(f"{key!r} ({places[0]})" for key, places in hidden.items())


def test_strings_translated_through_a_variable_are_in_the_catalogue(catalogue) -> None:
    import tui.config
    from tui.core.net import trust
    from tui.presets import DIJON
    from tui.screens import setup

    _header, entries = catalogue
    # Month names are leaving gettext for formatting.day_date's own tables: only while
    # trust.py still passes them through _() do they need catalogue entries.
    dynamic = [*getattr(trust, "_MONTHS", ()), DIJON.helpdesk_hours, DIJON.password_reset_hint]
    dynamic += [label for _target, label in setup._FIX.values()]
    dynamic += [key.allowed for keys in tui.config.SCHEMA.values() for key in keys.values()]
    missing = [text for text in dynamic if not (text in entries and entries[text].strings.get(0))]
    assert not missing, "\n".join(missing)


def test_a_french_word_with_two_meanings_has_two_english_ones(catalogue) -> None:
    """« Annuler » cancels a dialog but undoes the last delete: one msgid, two contexts."""
    _header, entries = catalogue
    assert entries["Annuler"].strings[0] == "Cancel"
    assert entries[f"undo{CONTEXT_SEPARATOR}Annuler"].strings[0] == "Undo"
    try:
        set_language("en")
        assert _("Annuler") == "Cancel"
        assert pgettext("undo", "Annuler") == "Undo"
        set_language("fr")
        assert _("Annuler") == pgettext("undo", "Annuler") == "Annuler"
    finally:
        set_language("fr")


def test_every_context_in_the_code_is_in_the_catalogue(catalogue) -> None:
    """The extractor above must see `pgettext` calls, or a context would go untested."""
    contexts = [key for key in ids_in_code() if isinstance(key, str) and CONTEXT_SEPARATOR in key]
    assert f"undo{CONTEXT_SEPARATOR}Annuler" in contexts


# --- switching language -----------------------------------------------------------------


def test_set_language_switches_every_later_call() -> None:
    try:
        set_language("en")
        assert i18n.current_language() == "en"
        assert _("Boîte de réception") == "Inbox"
        assert _("Corbeille") == "Trash"
        assert _("Indésirables") == "Junk"
        assert _("Aucun résultat pour « {text} ».").format(text="x") == 'No results for "x".'
        assert ngettext("{n} image distante bloquée", "{n} images distantes bloquées", 1) == (
            "{n} remote image blocked"
        )
        assert ngettext("{n} image distante bloquée", "{n} images distantes bloquées", 3) == (
            "{n} remote images blocked"
        )
        set_language("fr")
        assert i18n.current_language() == "fr"
        assert _("Boîte de réception") == "Boîte de réception"
        assert ngettext("{n} image distante bloquée", "{n} images distantes bloquées", 3) == (
            "{n} images distantes bloquées"
        )
        set_language("de")  # unsupported: French, not an error
        assert i18n.current_language() == "fr"
        assert _("Corbeille") == "Corbeille"
    finally:
        set_language("fr")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),  # another language explicitly: English, not French
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "fr_BE"}, "fr"),
        ({"LANG": "C"}, "fr"),
        ({"LANG": "C.UTF-8"}, "fr"),
        ({"LANG": "POSIX"}, "fr"),
        ({"LANG": ""}, "fr"),
        ({}, "fr"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "fr_FR.UTF-8", "LANG": "en_GB.UTF-8"}, "fr"),
        ({"LC_ALL": "C", "LANG": "en_GB.UTF-8"}, "fr"),
        ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "", "LANG": "en_GB.UTF-8"}, "en"),  # empty LC_ALL does not count
    ],
)
def test_language_from_environment(environ: dict[str, str], expected: str) -> None:
    assert language_from_environment(environ) == expected


# --- the command line -------------------------------------------------------------------


def run_courriel(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m tui …` in a clean locale and a throw-away home, never on a terminal."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")
    }
    environ.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
        COLUMNS="100",
        **env,
    )
    return run_python(tmp_path, ["-m", "tui", *args], environ, timeout=60)


def run_python(
    tmp_path: Path, args: list[str], environ: dict[str, str], *, timeout: float
) -> subprocess.CompletedProcess[str]:
    """This interpreter in `tmp_path`, never on a terminal, its output captured."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_english_help(out: str) -> None:
    assert out.startswith("Usage: courriel")
    assert "Terminal mail client for staff of the académie de Dijon." in out
    assert "show this help and exit" in out
    assert "interface language (fr by default)" in out
    assert "commands:" in out
    assert "Utilisation" not in out and "afficher cette aide" not in out


def test_help_in_english_with_lang_option(tmp_path: Path) -> None:
    result = run_courriel(tmp_path, "--lang", "en", "--help")
    assert result.returncode == 0, result.stderr
    assert_english_help(result.stdout)
    result = run_courriel(tmp_path, "--lang=en", "--help")
    assert result.returncode == 0, result.stderr
    assert_english_help(result.stdout)


def test_help_in_english_from_the_locale(tmp_path: Path) -> None:
    result = run_courriel(tmp_path, "--help", LANG="en_US.UTF-8")
    assert result.returncode == 0, result.stderr
    assert_english_help(result.stdout)


def test_help_in_french_by_default_and_when_asked(tmp_path: Path) -> None:
    for args, env in (((), {}), ((), {"LANG": "C"}), (("--lang", "fr"), {"LANG": "en_GB.UTF-8"})):
        result = run_courriel(tmp_path, *args, "--help", **env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Utilisation : courriel"), (args, env)
        assert "afficher cette aide et quitter" in result.stdout


def test_sub_command_help_in_english(tmp_path: Path) -> None:
    result = run_courriel(tmp_path, "--lang", "en", "doctor", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: courriel doctor")
    assert "test this username instead of the one in the configuration" in result.stdout


def test_bad_config_error_in_english_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[account\nusername = \n", encoding="utf-8")
    result = run_courriel(tmp_path, "--config", str(bad), "--lang", "en")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"courriel: File {bad}: not a valid TOML file ("), result.stderr
    assert "Fichier" not in result.stderr
    french = run_courriel(tmp_path, "--config", str(bad))
    assert french.returncode == 2
    assert french.stderr.startswith(f"courriel : Fichier {bad} : ce n'est pas un fichier TOML")


def test_usage_error_in_english(tmp_path: Path) -> None:
    result = run_courriel(tmp_path, "--lang", "en", "--no-such-option")
    assert result.returncode == 2
    assert result.stderr.startswith("Usage: courriel")
    assert 'courriel: error: unrecognized arguments: --no-such-option\nSee "courriel --help".' in (
        result.stderr
    )


ARGPARSE_ENGLISH = (
    "usage:",
    "positional arguments",
    "optional arguments",
    "show this help message and exit",
    "show program's version number and exit",
)


def every_help_text() -> dict[str, str]:
    """`courriel --help` and the --help of each sub-command, as built in this language."""
    from tui.cli import build_parser

    parser = build_parser()
    helps = {"courriel": parser.format_help()}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                helps[f"courriel {name}"] = sub.format_help()
    return helps


def test_help_headings_are_french_not_argparse_english() -> None:
    helps = every_help_text()
    assert set(helps) == {
        "courriel",
        "courriel show",
        "courriel doctor",
        "courriel send",
        "courriel sync",
        "courriel contacts",
    }
    for command, text in helps.items():
        assert text.startswith(f"Utilisation : {command}"), command
        assert "\noptions :\n" in text, command
        assert "afficher cette aide et quitter" in text, command
        leaks = [phrase for phrase in ARGPARSE_ENGLISH if phrase in text]
        assert not leaks, (command, leaks)
    assert "\narguments :\n  FICHIER " in helps["courriel show"]
    assert "\ncommandes :\n" in helps["courriel"]


def test_help_headings_in_english(english: None) -> None:
    helps = every_help_text()
    for command, text in helps.items():
        assert text.startswith(f"Usage: {command}"), command
        assert "show this help and exit" in text, command
        assert "Utilisation" not in text and "afficher" not in text, command
        leaks = [phrase for phrase in ARGPARSE_ENGLISH if phrase in text]
        assert not leaks, (command, leaks)
    assert "\narguments:\n  FILE " in helps["courriel show"]
    assert "\ncommands:\n" in helps["courriel"]


# --- the application --------------------------------------------------------------------


def footer_descriptions(app: object) -> set[str]:
    bindings = app.screen.active_bindings.values()  # type: ignore[attr-defined]
    return {active.binding.description for active in bindings if active.binding.show}


async def test_demo_app_status_and_title_in_english(
    monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            status = app.screen.query_one("StatusBar")
            assert status.state == "demo, offline"
            assert "demo, offline" in str(status.render())
            assert app.sub_title == "demo — offline"


async def test_help_screen_lists_only_keys_described_in_the_catalogue(
    monkeypatch: pytest.MonkeyPatch, catalogue
) -> None:
    """Not the English descriptions of Textual's own widgets (« Move cursor left »…)."""
    from tui.screens.help import key_table

    _header, entries = catalogue
    french = {entry.msgid for entry in entries.values()}
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            for screen, key in (("MailboxScreen", None), ("ComposeScreen", "c")):
                if key is not None:
                    await pilot.press(key)
                    await pilot.pause()
                assert type(app.screen).__name__ == screen
                described = {description for _keys, description in key_table(app.screen)}
                assert {"Aide", "Quitter"} <= described, screen
                assert described <= french, (screen, sorted(described - french))


TEXTUAL_PALETTE = {"Theme", "Quit", "Keys", "Maximize", "Minimize", "Screenshot"}


def palette(app: object) -> dict[str, str]:
    """What the command palette (ctrl+p) lists on the current screen: title → help."""
    screen = app.screen  # type: ignore[attr-defined]
    return {c.title: c.help for c in app.get_system_commands(screen)}  # type: ignore[attr-defined]


async def test_palette_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await pilot.pause()
            textual = {c.title: c.help for c in App.get_system_commands(app, app.screen)}
            assert set(textual) <= TEXTUAL_PALETTE  # what Textual itself offers here
            ours = palette(app)
            assert set(ours) == {
                "Thème",
                "Quitter",
                "Aide",
                "Agrandir",
                "Capture d'écran",
                "Tout marquer comme lu",
                "Tout marquer",
                "Marquer selon…",
                "Trier…",
                "Répondre à l'invitation…",
                "Pièces jointes…",
                "Règles de tri…",
                "Plus gros messages",
                "Vider la corbeille",
                "Contacts",
            }
            assert not set(ours.values()) & set(textual.values())
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert app.screen.query_one("CommandInput").placeholder == "Rechercher une commande…"
            # Typed without its accent, as the guide and many keyboards write it.
            await pilot.press(*"theme")
            found = app.screen.query_one(CommandList)
            for _attempt in range(100):  # the palette searches in a worker
                await pilot.pause(0.02)
                if found.option_count:
                    break
            shown = [str(found.get_option_at_index(i).prompt) for i in range(found.option_count)]
            assert shown == ["Thème\nChanger les couleurs de l'écran"]
            await pilot.press("escape", "ctrl+c")
            await pilot.pause()
            assert [n.message for n in app._notifications] == ["Pour quitter, appuyez sur q."]


async def test_palette_in_english(
    monkeypatch: pytest.MonkeyPatch, english: None, tmp_path: Path
) -> None:
    import tui.terminal_keys

    monkeypatch.setattr(tui.terminal_keys, "user_pictures_path", lambda: tmp_path)
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await pilot.pause()
            assert palette(app) == {
                "Theme": "Change the screen colours",
                "Quit": "Close courriel",
                "Help": "The keys of this screen",
                "Maximize": "The active pane on the whole screen",
                "Screenshot": "Save an SVG image of the screen",
                "Mark all as read": "The unread messages of the folder on screen",
                "Mark all": "Every message of the list",
                "Mark by pattern…": "By sender, subject, age or size",
                "Sort…": "By date, size, sender or subject",
                "Answer the invitation…": "Accept, Maybe or Decline the open invitation",
                "Attachments…": "Read as text, save or open an attachment of the message",
                "Largest messages": "Of every folder, to make room",
                "Sorting rules…": "File mail by sender, subject… (configuration file)",
                "Empty the Trash": "Delete the messages in the Trash for good",
                "Contacts": "The address book: filter, rename, delete, import a file",
            }
            app.action_change_theme()
            await pilot.pause()
            assert app.screen.query_one("CommandInput").placeholder == "Search for a theme…"
            await pilot.press("escape")
            app._save_screenshot()
            await pilot.pause()
            (saved,) = tmp_path.glob("*.svg")
            assert [n.message for n in app._notifications] == [f"Screenshot saved: {saved}"]


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Binding descriptions are `_()`-ed when the screen modules are imported; tests "
        "import them before set_language('en'), so the footer stays French in-process "
        "(and a language switch at run time would not reach it either). The real CLI "
        "imports the screens after set_language, see the subprocess test below."
    ),
)
async def test_demo_app_footer_in_english_after_import(
    monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            shown = footer_descriptions(app)
            assert {"Search", "Sync", "Back"} <= shown, shown


BINDINGS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from tui.core.i18n import set_language
    set_language(sys.argv[1])
    from textual.binding import Binding
    from tui.app import CourrielApp
    from tui.screens.choice import Choice
    from tui.screens.folder_picker import FolderPicker
    from tui.screens.mailbox import MailboxScreen
    from tui.screens.password import PasswordPrompt
    from tui.screens.save_attachments import SaveAttachments
    from tui.screens.setup import SetupScreen

    classes = (CourrielApp, Choice, FolderPicker, MailboxScreen, PasswordPrompt,
               SaveAttachments, SetupScreen)
    print(json.dumps({
        binding.id: binding.description
        for cls in classes for binding in cls.BINDINGS
        if isinstance(binding, Binding) and binding.id
    }))
    """
)


def run_in_language(tmp_path: Path, script: str, language: str, **env: str) -> Any:
    """Run `script` in a fresh interpreter (the language is set before any screen is
    imported, as the CLI does) and return the JSON it printed last."""
    environ = dict(os.environ, HOME=str(tmp_path), PYTHONPATH=str(ROOT), **env)
    result = run_python(tmp_path, ["-c", script, language], environ, timeout=90)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("language", "undo", "cancel"), [("en", "Undo", "Cancel"), ("fr", "Annuler", "Annuler")]
)
def test_undo_key_and_dialog_cancel_keys_in_each_language(
    tmp_path: Path, language: str, undo: str, cancel: str
) -> None:
    """What the help screen (?) lists for `u` in the mailbox and for Échap in a dialog."""
    described = run_in_language(tmp_path, BINDINGS_SCRIPT, language)
    assert described["mailbox.undo"] == undo
    for dialog in ("choice.cancel", "picker.cancel", "password.cancel", "save.cancel"):
        assert described[dialog] == cancel, dialog
    assert described["setup.cancel"] == cancel


FOOTER_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from tui.core.i18n import set_language
    set_language(sys.argv[1])
    from tui.account import Account
    from tui.app import CourrielApp
    from tui.demo import open_demo

    async def main():
        config, cache, folder = open_demo()
        with folder:
            app = CourrielApp(config, Account(config, cache, demo=True))
            async with app.run_test(size=(120, 30)) as pilot:
                await pilot.pause()
                print(json.dumps(sorted(
                    a.binding.description
                    for a in app.screen.active_bindings.values() if a.binding.show
                )))
            cache.close()

    asyncio.run(main())
    """
)


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("en", {"Search", "Compose", "Reply", "Help"}, {"Rechercher", "Aide"}),
        ("fr", {"Rechercher", "Écrire", "Répondre", "Aide"}, {"Search", "Help"}),
    ],
)
def test_demo_app_footer_when_language_is_set_before_the_screens_load(
    tmp_path: Path, language: str, expected: set[str], absent: set[str]
) -> None:
    """The order the CLI uses: set_language first, then import the app."""
    shown = set(run_in_language(tmp_path, FOOTER_SCRIPT, language, TZ="UTC"))
    assert expected <= shown, shown
    assert not (absent & shown), shown


async def test_a_screenshot_without_a_pictures_folder_goes_to_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It went loose into $HOME on a server without a desktop (#17)."""
    import tui.terminal_keys

    monkeypatch.setattr(tui.terminal_keys, "user_pictures_path", lambda: tmp_path / "absent")
    monkeypatch.setattr(tui.terminal_keys, "data_dir", lambda: tmp_path / "data")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.pause()
            app._save_screenshot()
            await pilot.pause()
            (saved,) = (tmp_path / "data" / "captures").glob("*.svg")
            assert [n.message for n in app._notifications] == [
                f"Capture d'écran enregistrée : {saved}"
            ]
            assert not (tmp_path / "home").exists()


def test_french_plurals_put_zero_in_the_singular() -> None:
    """French says « 0 non lu », « 0 message » (the plural starts at 2)."""
    from tui.core.i18n import ngettext, set_language

    set_language("fr")
    assert [ngettext("{n} non lu", "{n} non lus", n) for n in (0, 1, 2)] == [
        "{n} non lu",
        "{n} non lu",
        "{n} non lus",
    ]
    set_language("en")
    try:
        assert ngettext("{n} message", "{n} messages", 0) == "{n} messages"  # English
    finally:
        set_language("fr")
