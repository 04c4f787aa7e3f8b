"""`courriel contacts import FICHIER` (#20): one summary line, exit codes as documented,
and the contacts in the account's durable store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.script_helpers import Script, script_account
from tui.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from tui.core.store import contacts


@pytest.fixture
def script(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Script:
    return script_account(bed, tmp_path, monkeypatch, capsys)


def test_import_says_how_many_and_why_some_were_left_out(script: Script, tmp_path: Path) -> None:
    file = tmp_path / "contacts.csv"
    file.write_bytes(
        "Prénom;Nom;Adresse de messagerie\r\n"
        "Claire;Petit;claire.petit@ac-dijon.fr\r\n"
        "François;Garçon;francois.garcon@ac-dijon.fr\r\n"
        "Sans;Adresse;\r\n"
        "Mauvaise;Adresse;pas-une-adresse\r\n".encode("cp1252")
    )
    code, out, err = script.run("contacts", "import", str(file))
    assert (code, err) == (EXIT_OK, "")
    assert out == (
        "courriel contacts : 2 contacts importés, 2 ignorés "
        "(sans adresse : 1, adresse invalide : 1).\n"
    )
    code, out, _err = script.run("contacts", "import", str(file))
    assert out.startswith("courriel contacts : 0 contact importé, 2 déjà connus, 2 ignorés")
    store = script.store()
    try:
        names = sorted(c.name for c in contacts.all_contacts(store))
        assert names == ["Claire Petit", "François Garçon"]
    finally:
        store.close()


def test_an_unreadable_file_is_exit_1_and_a_bad_command_exit_2(
    script: Script, tmp_path: Path
) -> None:
    binary = tmp_path / "photo.vcf"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    code, out, err = script.run("contacts", "import", str(binary))
    assert (code, out) == (EXIT_FAILURE, "")
    assert "n'est pas un fichier texte" in err
    code, _out, err = script.run("contacts", "import", str(tmp_path / "absent.vcf"))
    assert code == EXIT_FAILURE and "introuvable" in err
    with pytest.raises(SystemExit) as exit_:
        script.run("contacts")
    assert exit_.value.code == EXIT_USAGE
