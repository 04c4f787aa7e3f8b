"""Any file the user can name gets a French answer, never a hang or a traceback (issue #18).

`courriel --config /dev/zero` grew to 8 GB in 10 s; a FIFO as --config, to `doctor` or
to `show` waited forever; a TOML file nested 50,000 deep gave a RecursionError; a 5 MB
username overflowed the cache file's name; an escape sequence in an unknown key was
echoed raw to the terminal. Each runs here in a fresh interpreter with a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui.config import Config, defaults
from tui.session import cache_path

LEAK = "\x1b"


def courriel(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *argv],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "tube"
    os.mkfifo(path)
    return path


def nested_toml(tmp_path: Path) -> Path:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    return path


def huge_file(tmp_path: Path) -> Path:
    path = tmp_path / "huge.toml"
    with path.open("wb") as stream:
        stream.truncate(3 * 1024 * 1024)
    return path


def binary_file(tmp_path: Path) -> Path:
    path = tmp_path / "binary.toml"
    path.write_bytes(bytes(range(256)) * 10)
    return path


def unreadable(tmp_path: Path) -> Path:
    path = tmp_path / "secret.toml"
    path.write_text("[ui]\n")
    path.chmod(0)
    return path


CONFIGS = {
    "fifo": fifo,
    "dev-zero": lambda tmp: Path("/dev/zero"),
    "directory": lambda tmp: tmp,
    "nested": nested_toml,
    "huge": huge_file,
    "binary": binary_file,
    "unreadable": unreadable,
}


@pytest.mark.parametrize("kind", list(CONFIGS))
@pytest.mark.parametrize("command", [[], ["doctor"]], ids=["app", "doctor"])
def test_any_config_path_is_answered_in_french(
    tmp_path: Path, kind: str, command: list[str]
) -> None:
    path = CONFIGS[kind](tmp_path)
    if kind == "unreadable" and os.geteuid() == 0:
        pytest.skip("root reads a file whatever its mode")
    done = courriel(*command, "--config", str(path), env={"XDG_STATE_HOME": str(tmp_path)})
    shown = done.stdout + done.stderr
    assert done.returncode in (1, 2), shown
    assert "Traceback" not in shown
    assert "erreur interne" not in shown, shown
    assert str(path) in shown or (kind == "nested" and "imbriqués" in shown)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "binary"])
def test_show_answers_any_file_in_french(tmp_path: Path, kind: str) -> None:
    path = CONFIGS[kind](tmp_path)
    done = courriel("show", str(path), env={"XDG_STATE_HOME": str(tmp_path)})
    shown = done.stdout + done.stderr
    assert "Traceback" not in shown
    if kind == "binary":
        assert done.returncode == 0  # any bytes are a (strange) message
    else:
        assert done.returncode == 1
        assert "courriel show :" in done.stderr


def test_an_escape_in_an_unknown_key_never_reaches_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[ui]\n"\\u001b]0;pwned\\u0007x\\u009b31m" = 1\n')
    done = courriel("--config", str(path))
    assert done.returncode == 2
    assert "clé inconnue" in done.stderr
    assert LEAK not in done.stderr and "\x9b" not in done.stderr


def test_a_path_with_an_escape_is_printed_harmless(tmp_path: Path) -> None:
    path = tmp_path / "co\x1b[31mnfig.toml"
    path.write_text("[sync]\nintervall = 3\n")
    done = courriel("--config", str(path))
    assert done.returncode == 2
    assert LEAK not in done.stderr


def config_with(username: str, host: str = "hermes.ac-dijon.fr") -> Config:
    values = defaults()
    values["account"]["username"] = username
    values["account"]["imap_host"] = host
    return Config(path=Path("config.toml"), values=values)


def test_cache_file_name_is_bounded_and_stays_in_its_folder() -> None:
    plain = cache_path(config_with("prenom.nom"))
    assert plain.name == "prenom.nom@hermes.ac-dijon.fr.sqlite3"  # existing caches kept
    for hostile in ("x" * 5_000_000, "../../etc/passwd", "a/b", "\x1b[31m", "é" * 300):
        path = cache_path(config_with(hostile))
        assert path.parent == plain.parent
        assert len(path.name.encode()) < 100
        assert "/" not in path.name and "\x1b" not in path.name
    assert cache_path(config_with("a/b")) != cache_path(config_with("a_b"))


@pytest.mark.timeout(20)
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_an_attachment_that_is_not_a_file_is_refused_not_read(tmp_path: Path, kind: str) -> None:
    from tui.core.mail.compose import ComposeError, Draft, Identity, build_message

    path = CONFIGS[kind](tmp_path)
    draft = Draft(to="marie.durand@ac-dijon.fr", subject="PJ", body="Voir", attachments=[str(path)])
    with pytest.raises(ComposeError) as refused:
        build_message(Identity("Prénom Nom", "prenom.nom@ac-dijon.fr"), draft)
    assert "Pièce jointe illisible" in refused.value.message


@pytest.mark.timeout(20)
def test_a_fifo_among_the_user_themes_is_skipped_with_a_reason(tmp_path: Path) -> None:
    from tui.themes import load_themes

    os.mkfifo(tmp_path / "piege.toml")
    themes = load_themes(tmp_path)
    assert any("piege.toml" in problem for problem in themes.problems)


def test_a_cache_named_by_an_earlier_courriel_is_still_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review: a username with an accent or a space got a new, hashed cache name, so the
    old file and the outbox it held were never opened again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    config = config_with("prénom nom")
    fresh = cache_path(config)
    assert fresh.name.startswith("compte-")
    old = fresh.parent / "prénom nom@hermes.ac-dijon.fr.sqlite3"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"")
    assert cache_path(config) == old
    assert cache_path(config_with("prenom.nom@ac-dijon.fr")).name == (
        "prenom.nom@ac-dijon.fr@hermes.ac-dijon.fr.sqlite3"
    )
