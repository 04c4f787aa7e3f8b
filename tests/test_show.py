"""`courriel show`: every corpus file prints; unreadable files give a French error, exit 1."""

from __future__ import annotations

import argparse
import io
import re
import time
from pathlib import Path

import pytest

from tests import corpus_helpers as helpers
from tui import show
from tui.commands import add_show

LEAK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def paris(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="courriel")
    add_show(parser.add_subparsers(dest="command"))
    return parser.parse_args(["show", *argv])


@pytest.mark.parametrize("path", helpers.corpus_files(), ids=lambda p: p.name)
def test_every_corpus_file(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert show.run(parse(str(path))) == 0
    out = capsys.readouterr().out
    assert not LEAK.search(out.replace("\n", "").replace("\t", ""))
    assert show.run(parse(str(path), "--headers")) == 0


def test_header_block_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert show.run(parse(str(helpers.CORPUS / "rfc2231-filename-accents.eml"))) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "De : Claire Martin <claire.martin@ac-dijon.fr>\n"
        "À : Jean Dupont <jean.dupont@ac-dijon.fr>\n"
        "Date : lundi 23 novembre 2026 à 09:14\n"
        "Objet : Compte rendu\n"
    )
    assert "  1. compte rendu réunion élèves.pdf (application/pdf, 18 o)" in out


def test_links_warnings_and_notes(capsys: pytest.CaptureFixture[str]) -> None:
    show.run(parse(str(helpers.CORPUS / "link-text-domain-mismatch.eml")))
    out = capsys.readouterr().out
    assert "ATTENTION : Le lien « https://webmail.ac-dijon.fr » mène en réalité à" in out
    assert "Liens :\n[1] http://evil.example.net/login\n[2] https://www.ac-dijon.fr/page" in out
    show.run(parse(str(helpers.CORPUS / "html-newsletter-tracking-pixel.eml")))
    assert "Note : 3 images distantes bloquées" in capsys.readouterr().out


def test_headers_option(capsys: pytest.CaptureFixture[str]) -> None:
    show.run(parse(str(helpers.CORPUS / "subject-osc-title.eml"), "--headers"))
    out = capsys.readouterr().out
    assert "Message-ID: <1@ac-dijon.fr>" in out
    assert "Subject: Conseil de classe mardi" in out


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = (helpers.CORPUS / "markup-in-subject.eml").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert show.run(parse("-")) == 0
    assert "Objet : [@click=app.quit]x[/]" in capsys.readouterr().out


def test_save_attachments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "pj"
    eml = str(helpers.CORPUS / "nested-rfc822-with-pdf.eml")
    assert show.run(parse(eml, "--save-attachments", str(target))) == 0
    assert show.run(parse(eml, "--save-attachments", str(target))) == 0
    assert sorted(p.name for p in target.iterdir()) == [
        "Circulaire de rentrée (1).eml",
        "Circulaire de rentrée.eml",
        "circulaire (1).pdf",
        "circulaire.pdf",
    ]
    assert "Enregistré : " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p / "absent.eml", "n'existe pas"),
        (lambda p: p, "est un dossier"),
    ],
)
def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], make, words) -> None:  # type: ignore[no-untyped-def]
    assert show.run(parse(str(make(tmp_path)))) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_permission_denied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "secret.eml"
    path.write_bytes(b"Subject: x\r\n\r\n")
    path.chmod(0)
    try:
        path.read_bytes()
        pytest.skip("running as root: permissions are not enforced")
    except PermissionError:
        pass
    assert show.run(parse(str(path))) == 1
    assert "refusée" in capsys.readouterr().err
