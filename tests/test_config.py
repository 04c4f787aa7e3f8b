"""Configuration: defaults from the preset, strict validation, comment-preserving writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import default_config_path, load_config
from tui.config_write import save_config
from tui.core.errors import ConfigError
from tui.presets import DIJON


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_preset_defaults_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    config = load_config(path)
    assert not config.exists
    assert config.account["imap_host"] == DIJON.imap_host == "hermes.ac-dijon.fr"
    assert config.account["imap_port"] == 993
    assert config.account["smtp_port"] == 465
    assert config.sync["interval_minutes"] == 15
    assert not path.exists()


def test_xdg_config_home_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_config_path() == tmp_path / "courriel" / "config.toml"


def test_valid_file_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[account]\nusername = "prenom.nom"\npassword_command = "pass show academie"\n'
        "[sync]\ninterval_minutes = 30\nidle = true\n",
    )
    config = load_config(path)
    assert config.account["username"] == "prenom.nom"
    assert config.sync == {"interval_minutes": 30, "idle": True, "prefetch_days": 7}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x = \n", "n'est pas un fichier TOML valide"),
        ("[sync]\nintervall = 3\n", "Vouliez-vous dire « interval_minutes »"),
        ("[acount]\n", "Vouliez-vous dire « account »"),
        ('[account]\nimap_port = "993"\n', "entier de 1 à 65535"),
        ("[account]\nimap_port = 99999\n", "account.imap_port"),
        ("[account]\nsmtp_port = true\n", "account.smtp_port"),
        ("[sync]\ninterval_minutes = 0\n", "entier de 1 à 1440"),
        ("[sync]\nprefetch_days = 400\n", "entier de 0 à 365"),
        ('[ui]\nlanguage = "de"\n', "fr, en ou vide"),
        ('[account]\npassword = "secret"\n', "ne s'écrit jamais dans ce fichier"),
        ("sync = 3\n", "doit être une section [sync]"),
    ],
)
def test_bad_files_name_file_key_and_what_is_allowed(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in caught.value.message
    assert expected in caught.value.message


def test_password_value_never_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, '[account]\npassword = "Tres-Secret-2026!"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "Tres-Secret" not in caught.value.message


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[account]\nusername = "\xe9l\xe8ve"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


def test_save_keeps_comments_and_layout(tmp_path: Path) -> None:
    original = (
        "# Mon compte à l'académie\n"
        "[account]\n"
        'username = "prenom.nom"  # identifiant court\n'
        "\n"
        "[sync]\n"
        "# toutes les demi-heures\n"
        "interval_minutes = 30\n"
    )
    path = write(tmp_path, original)
    save_config(path, {"sync": {"interval_minutes": 20}, "ui": {"language": "en"}})
    text = path.read_text(encoding="utf-8")
    assert "# Mon compte à l'académie" in text
    assert "# identifiant court" in text
    assert "# toutes les demi-heures" in text
    assert "interval_minutes = 20" in text
    assert load_config(path).ui["language"] == "en"
    assert path.stat().st_mode & 0o077 == 0


def test_save_refuses_invalid_values(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    with pytest.raises(ConfigError):
        save_config(path, {"sync": {"interval_minutes": -5}})
    assert path.read_text() == ""


def test_keymap_section_and_quiet_hours(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[keys]\n"mailbox.delete" = "x"\n'
        '[ui]\nquiet_hours = "19:00-07:30"\nquiet_weekends = true\n',
    )
    config = load_config(path)
    assert config.values["keys"] == {"mailbox.delete": "x"}
    assert config.ui["quiet_hours"] == "19:00-07:30"
    with pytest.raises(ConfigError, match="HH:MM-HH:MM"):
        load_config(write(tmp_path, '[ui]\nquiet_hours = "19h"\n'))
    with pytest.raises(ConfigError, match=r"keys\.mailbox\.delete"):
        load_config(write(tmp_path, '[keys]\n"mailbox.delete" = 3\n'))


def test_no_file_is_created_for_an_account_that_is_not_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The setup screen left « compte@hermes.ac-dijon.fr.sqlite3 » in the cache and
    data folders before any account existed (#17)."""
    from tui.session import open_account

    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    account, session = open_account(load_config(tmp_path / "absent.toml"))
    try:
        assert not session.configured
        assert account.cache.count("INBOX") == 0
        assert not (tmp_path / "XDG_CACHE_HOME").exists()
        assert not (tmp_path / "XDG_DATA_HOME").exists()
    finally:
        account.cache.close()
        session.stop()
