"""The sanitiser: nothing that drives a terminal survives, text and accents do."""

from __future__ import annotations

import pytest

from tui.core.mail.sanitize import clean_line, clean_text, is_clean, safe_basename, shorten

DANGEROUS = [chr(c) for c in range(0x20) if c not in (9, 10)] + ["\x7f"]
DANGEROUS += [chr(c) for c in range(0x80, 0xA0)]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068"]
BIDI += ["\u2069", "\u200e", "\u200f", "\u061c"]


@pytest.mark.parametrize(
    ("raw", "line", "text"),
    [
        ("Réunion", "Réunion", "Réunion"),
        ("\x1b]0;pwned\x07Réunion", "Réunion", "Réunion"),
        ("\x1b]0;pwned\x1b\\Réunion", "Réunion", "Réunion"),
        ("\x1b]52;c;ZWNobw==\x9cok", "ok", "ok"),
        ("\x1b]8;;http://e\x1b\\lien\x1b]8;;\x1b\\", "lien", "lien"),
        ("\x1b[31mrouge\x1b[0m", "rouge", "rouge"),
        ("\x9b2Jx", "x", "x"),
        ("\x9d0;titre\x07y", "y", "y"),
        ("\x1bP1;2|data\x1b\\z", "z", "z"),
        ("\x1b_apc\x1b\\z", "z", "z"),
        ("\x1b^pm\x1b\\z", "z", "z"),
        ("\x1bXsos\x1b\\z", "z", "z"),
        ("\x1bcreset", "reset", "reset"),
        ("\x1b(Bascii", "ascii", "ascii"),
        ("fin\x1b", "fin", "fin"),
        ("a\r\nb", "a b", "a\nb"),
        ("a\rb", "ab", "ab"),
        ("a\tb\nc", "a b c", "a\tb\nc"),
        ("a\u2028b", "a b", "a\nb"),
        ("facture\u202efdp.exe", "facturefdp.exe", "facturefdp.exe"),
        ("nul\x00del\x7fbs\x08", "nuldelbs", "nuldelbs"),
        ("a\ud800b", "a\ufffdb", "a\ufffdb"),
        ("\ufeffbom", "bom", "bom"),
        ("« guillemets\u00a0»\u202f!", "« guillemets\u00a0»\u202f!", "« guillemets\u00a0»\u202f!"),
        ("[@click=app.quit]x[/]", "[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),
    ],
)
def test_clean(raw: str, line: str, text: str) -> None:
    assert clean_line(raw) == line
    assert clean_text(raw) == text


def test_unterminated_osc_stops_at_end_of_line() -> None:
    assert clean_text("\x1b]0;titre sans fin\nligne suivante") == "\nligne suivante"


@pytest.mark.parametrize("char", DANGEROUS + BIDI)
def test_every_control_is_removed(char: str) -> None:
    assert char not in clean_line(f"a{char}b")
    assert char not in clean_text(f"a{char}b")
    assert not is_clean(f"a{char}b")


def test_clean_strings_are_returned_as_is() -> None:
    s = "Conseil de classe — 3e B (élèves)"
    assert clean_line(s) is s
    assert is_clean("ligne\n\tindentée")


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../.bashrc", "bashrc"),
        ("..\\..\\win.ini", "win.ini"),
        ("/etc/passwd", "passwd"),
        ("-rf", "rf"),
        ("CON.txt", "_CON.txt"),
        ("nul", "_nul"),
        ("facture\u202efdp.exe", "facturefdp.exe"),
        ('a<b>:"c|?*.txt', "a_b___c___.txt"),
        ("..", "piece-jointe"),
        ("", "piece-jointe"),
        ("compte rendu réunion.pdf", "compte rendu réunion.pdf"),
    ],
)
def test_safe_basename(name: str, safe: str) -> None:
    assert safe_basename(name) == safe


def test_safe_basename_caps_length_and_keeps_extension() -> None:
    name = safe_basename("é" * 300 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name.encode()) <= 200


def test_shorten_cuts_between_words() -> None:
    assert shorten("court", 10) == "court"
    assert shorten("Le serveur refuse la connexion maintenant", 20) == "Le serveur refuse…"
    assert shorten("x" * 50, 20) == "x" * 19 + "…"
    assert all(len(shorten("mot " * n, 15)) <= 15 for n in range(20))
