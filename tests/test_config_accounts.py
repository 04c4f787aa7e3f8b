"""Several accounts in the config (#20): `[account]` stays the first, `[[accounts]]`
adds more, each checked like `[account]`, duplicates refused, typos get a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import account_label, load_config
from tui.config_write import add_account, save_config
from tui.core.errors import ConfigError

TWO = """\
# my accounts
[account]
username = "prenom.nom"
email = "prenom.nom@ac-dijon.fr"

[[accounts]]
label = "Collège"
username = "ce.0211234x"
email = "ce.0211234x@ac-dijon.fr"

[sync]
interval_minutes = 20
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_account_alone_is_still_one_account(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[account]\nusername = "prenom.nom"\n'))
    assert [a["username"] for a in config.accounts] == ["prenom.nom"]
    assert config.others == []


def test_account_then_accounts(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TWO))
    first, second = config.accounts
    assert first["username"] == "prenom.nom"
    assert second["username"] == "ce.0211234x"
    # Every key of [account] is present, with the academy's defaults.
    assert second["imap_host"] == "hermes.ac-dijon.fr" and second["smtp_port"] == 465
    assert [account_label(a) for a in config.accounts] == ["prenom.nom@ac-dijon.fr", "Collège"]
    view = config.for_account(1)
    assert view.account is second
    assert config.for_account(0).account is first
    assert view.sync is config.sync  # shared settings stay one
    assert view.path == config.path


def test_accounts_alone_make_the_first_one_main(tmp_path: Path) -> None:
    text = '[[accounts]]\nusername = "a"\n[[accounts]]\nusername = "b"\n'
    config = load_config(write(tmp_path, text))
    assert [a["username"] for a in config.accounts] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[accounts]]\nusername = "a"\nimap_prot = 993\n', "Vouliez-vous dire « imap_port »"),
        ('[[accounts]]\nusername = "a"\nimap_prot = 993\n', "accounts.imap_prot"),
        ('[[acounts]]\nusername = "a"\n', "Vouliez-vous dire « accounts »"),
        ('[[accounts]]\nusername = "a"\nimap_port = "x"\n', "accounts.imap_port"),
        ('[[accounts]]\nusername = "a"\npassword = "x"\n', "ne s'écrit jamais"),
        ('[[accounts]]\nlabel = "x"\n', "sans « username »"),
        ('[accounts]\nusername = "a"\n', "liste de sections [[accounts]]"),
        (
            '[account]\nusername = "a"\n[[accounts]]\nusername = "A"\n',
            "décrit deux fois",
        ),
        (
            '[account]\nusername = "a"\nlabel = "Moi"\n[[accounts]]\nusername = "b"\n'
            'label = "moi"\n',
            "deux comptes s'appellent",
        ),
    ],
)
def test_bad_accounts(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert expected in caught.value.message
    assert str(path) in caught.value.message


def test_same_login_on_another_server_is_another_account(tmp_path: Path) -> None:
    text = (
        '[account]\nusername = "a"\nlabel = "Académie"\n'
        '[[accounts]]\nusername = "a"\nlabel = "Perso"\nimap_host = "imap.example.org"\n'
    )
    assert len(load_config(write(tmp_path, text)).accounts) == 2


def test_two_accounts_shown_under_one_name_need_labels(tmp_path: Path) -> None:
    """Without label nor email both are « a » in the folder pane and to --account."""
    text = (
        '[account]\nusername = "a"\n[[accounts]]\nusername = "a"\nimap_host = "imap.example.org"\n'
    )
    with pytest.raises(ConfigError, match="deux comptes s'appellent « a »"):
        load_config(write(tmp_path, text))


def test_add_account_appends_and_keeps_comments(tmp_path: Path) -> None:
    path = write(tmp_path, TWO)
    add_account(path, {"label": "Perso", "username": "marie", "imap_host": "imap.example.org"})
    text = path.read_text("utf-8")
    assert "# my accounts" in text
    config = load_config(path)
    assert [account_label(a) for a in config.accounts][-1] == "Perso"
    assert config.accounts[2]["imap_host"] == "imap.example.org"
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ConfigError, match="décrit deux fois"):
        add_account(path, {"username": "marie", "imap_host": "imap.example.org"})
    with pytest.raises(ConfigError, match="imap_port"):
        add_account(path, {"username": "autre", "imap_port": 0})


def test_add_account_to_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    add_account(path, {"username": "marie"})
    assert [a["username"] for a in load_config(path).accounts] == ["marie"]


def test_sorting_rules_stay_with_the_first_account(tmp_path: Path) -> None:
    text = TWO + '[[rules]]\nfrom = "parent@example.org"\nmove = "Parents"\n'
    config = load_config(write(tmp_path, text))
    assert config.rules and config.for_account(0).rules == config.rules
    assert config.for_account(1).rules == ()


def test_a_refused_write_runs_nothing_before_it(tmp_path: Path) -> None:
    """The setup screen keeps a typed password in before_write: only for a file that
    load_config will read, so a refused add leaves the other account's password alone."""
    path = write(tmp_path, TWO)
    ran: list[str] = []
    with pytest.raises(ConfigError, match="décrit deux fois"):
        add_account(path, {"username": "ce.0211234x"}, before_write=lambda: ran.append("add"))
    with pytest.raises(ConfigError, match="décrit deux fois"):
        save_config(
            path, {"account": {"username": "CE.0211234X"}}, before_write=lambda: ran.append("save")
        )
    assert ran == [] and path.read_text("utf-8") == TWO
    add_account(
        path, {"username": "marie", "label": "Perso"}, before_write=lambda: ran.append("ok")
    )
    assert ran == ["ok"]


def test_account_without_login_beside_accounts_is_refused(tmp_path: Path) -> None:
    """Its keys would be silently lost, or the [[accounts]] hidden behind a setup."""
    text = '[account]\nsignature = "Cordialement"\n[[accounts]]\nusername = "b"\n'
    with pytest.raises(ConfigError, match=r"\[account\] n'a pas de « username »"):
        load_config(write(tmp_path, text))
    # Alone, an [account] without login is still the « nothing configured yet » file.
    assert load_config(write(tmp_path, '[account]\nsignature = "x"\n')).account["username"] == ""


def test_a_label_wins_over_another_account_login(tmp_path: Path) -> None:
    from tui.scripts import pick_account

    text = (
        '[account]\nusername = "perso"\nlabel = "Académie"\n'
        '[[accounts]]\nusername = "marie"\nlabel = "Perso"\nimap_host = "imap.example.org"\n'
    )
    config = load_config(write(tmp_path, text))
    assert pick_account(config, "perso") == 1  # its label, not the first one's login
    assert pick_account(config, "perso@ac-dijon.fr") == 0  # the address it sends with
