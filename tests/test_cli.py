"""The command line as a user runs it: a real process, exit codes, French by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui import __version__


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_"))}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
        check=False,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"courriel {__version__}"


def test_help_is_french_by_default() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "Utilisation : courriel" in result.stdout
    assert "afficher cette aide et quitter" in result.stdout
    assert "--config FICHIER" in result.stdout


def test_unknown_option_exits_2_in_french() -> None:
    result = run("--nimportequoi")
    assert result.returncode == 2
    assert "courriel : erreur" in result.stderr


def test_bad_config_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[sync]\nintervall = 3\n")
    result = run("--config", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(bad) in result.stderr
    assert "Vouliez-vous dire « interval_minutes » ?" in result.stderr


def test_unreadable_config_path_exits_2(tmp_path: Path) -> None:
    result = run("--config", str(tmp_path))  # a directory
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_doctor_accepts_config_after_the_subcommand(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[sync]\nintervall = 3\n")
    result = run("doctor", "--config", str(bad))
    assert result.returncode in (1, 2)
    assert str(bad) in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_broken_pipe_is_not_a_traceback() -> None:
    import subprocess as sp

    proc = sp.Popen([sys.executable, "-m", "tui", "--help"], stdout=sp.PIPE, stderr=sp.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # the reader leaves at once, like `| head -c 0`
    _out, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err


def test_the_demo_honours_the_mouse_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #17: `[ui] mouse = false` was ignored by `courriel --demo`."""
    from tui import cli
    from tui.app import CourrielApp

    config = tmp_path / "config.toml"
    config.write_text("[ui]\nmouse = false\n")
    seen: dict[str, object] = {}

    def run(self: CourrielApp, **kwargs: object) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(CourrielApp, "run", run)
    assert cli.main(["--demo", "--config", str(config)]) == 0
    assert seen.get("mouse") is False


@pytest.mark.parametrize(
    ("argv", "french"),
    [
        (["--bogus"], "arguments non reconnus : --bogus"),
        (["--lang", "xx"], "--lang : choix invalide 'xx'"),
        (["doctor", "--timeout", "abc"], "--timeout : valeur invalide 'abc'"),
        (["show"], "arguments obligatoires manquants : FICHIER"),
    ],
)
def test_argument_errors_are_said_in_french(argv: list[str], french: str) -> None:
    """Issue #18: an unknown option or `--lang xx` was answered in argparse's English."""
    result = run(*argv)
    assert result.returncode == 2
    assert french in result.stderr
    for english in ("unrecognized", "invalid choice", "required", "invalid float"):
        assert english not in result.stderr


def test_an_escape_typed_as_an_argument_is_not_echoed_raw() -> None:
    result = run("\x1b]0;titre\x07")
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
