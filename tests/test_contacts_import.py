"""Importing contacts (#20): vCard 2.1/3.0/4.0 and the CSV exports of the webmail,
Outlook, Thunderbird and Google, with accents, and hostile files."""

from __future__ import annotations

import quopri
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.i18n import set_language
from tui.core.mail import contact_import as ci
from tui.core.mail.compose import check_address
from tui.core.mail.sanitize import clean_line

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâçîïôûùüÿÉÈÇÀŒœæ"
names = st.text(alphabet=LETTERS + " ,;'-\\\"", min_size=1, max_size=40).map(
    lambda s: " ".join(s.split())
)
local = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20)
people = st.lists(
    st.tuples(names, local.map(lambda s: s + "@ac-dijon.fr")),
    min_size=1,
    max_size=8,
    unique_by=lambda p: p[1],
)


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


def fold75(line: bytes) -> bytes:
    """Fold every 75 octets, even inside a UTF-8 character, as RFC 6350 allows."""
    out = [line[:75]]
    line = line[75:]
    while line:
        out.append(b" " + line[:74])
        line = line[74:]
    return b"\r\n".join(out)


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


def vcard(version: str, pairs: list[tuple[str, str]]) -> bytes:
    cards = []
    for name, address in pairs:
        if version == "2.1":
            qp = quopri.encodestring(name.encode("utf-8")).replace(b"\n", b"\r\n")
            fn = b"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:" + qp
            mail = b"EMAIL;INTERNET:" + address.encode()
        else:
            fn = fold75(("FN:" + escape(name)).encode("utf-8"))
            mail = ("EMAIL;TYPE=work:" if version == "4.0" else "EMAIL;TYPE=INTERNET:").encode()
            mail += address.encode()
        cards.append(
            b"\r\n".join([b"BEGIN:VCARD", b"VERSION:" + version.encode(), fn, mail, b"END:VCARD"])
        )
    return b"\r\n".join(cards) + b"\r\n"


@settings(max_examples=60, deadline=None)
@given(pairs=people, version=st.sampled_from(["2.1", "3.0", "4.0"]), bom=st.booleans())
def test_vcard_round_trip(pairs: list[tuple[str, str]], version: str, bom: bool) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + vcard(version, pairs)
    result = ci.from_bytes(data)
    assert result.people == pairs
    assert not result.skipped


def csv_file(pairs: list[tuple[str, str]], delimiter: str, encoding: str) -> bytes:
    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'

    header = ["Prénom", "Nom", "Nom complet", "Adresse de messagerie", "Catégories"]
    lines = [delimiter.join(quote(h) for h in header)]
    for name, address in pairs:
        row = ["", "", name, address, "Collège; lycée"]
        lines.append(delimiter.join(quote(c) for c in row))
    text = "\r\n".join(lines) + "\r\n"
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


@settings(max_examples=60, deadline=None)
@given(
    pairs=people,
    delimiter=st.sampled_from([";", ","]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_csv_round_trip(pairs: list[tuple[str, str]], delimiter: str, encoding: str) -> None:
    result = ci.from_bytes(csv_file(pairs, delimiter, encoding))
    assert result.people == pairs
    assert not result.skipped


def test_vcard_21_quoted_printable_in_latin1_with_soft_breaks() -> None:
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\n"
        b"N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Lef=E8vre;H=E9l=\r\n=E8ne;;;\r\n"
        b"EMAIL;PREF;INTERNET:helene.lefevre@ac-dijon.fr\r\n"
        b"EMAIL;INTERNET:h.lefevre@laposte.net\r\n"
        b"END:VCARD\r\n"
    )
    result = ci.from_bytes(data)
    assert result.people == [
        ("Hélène Lefèvre", "helene.lefevre@ac-dijon.fr"),
        ("Hélène Lefèvre", "h.lefevre@laposte.net"),
    ]


def test_vcard_40_groups_and_mailto() -> None:
    data = (
        "BEGIN:VCARD\nVERSION:4.0\nN:Garçon;Jérôme;;;\n"
        "item1.EMAIL;PREF=1:mailto:jerome.garcon@ac-dijon.fr\nEND:VCARD\n"
    ).encode()
    assert ci.from_bytes(data).people == [("Jérôme Garçon", "jerome.garcon@ac-dijon.fr")]


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (  # Outlook, in French (Excel: « ; », Windows-1252)
            '"Prénom";"Deuxième prénom";"Nom";"Adresse de messagerie";'
            '"Nom complet de l\'adresse de messagerie"',
            '"Françoise";"";"Œillet";"f.oeillet@ac-dijon.fr";"x"',
            [("Françoise Œillet", "f.oeillet@ac-dijon.fr")],
        ),
        (  # Outlook, in English
            "First Name,Middle Name,Last Name,E-mail Address,E-mail Display Name,E-mail 2 Address",
            "Claire,,Petit,claire.petit@ac-dijon.fr,Claire Petit (claire.petit@...),cp@gmail.com",
            [("Claire Petit", "claire.petit@ac-dijon.fr"), ("Claire Petit", "cp@gmail.com")],
        ),
        (  # Thunderbird
            "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email",
            "Marc,Leroy,M. Leroy,,marc.leroy@ac-dijon.fr,",
            [("M. Leroy", "marc.leroy@ac-dijon.fr")],
        ),
        (  # Google
            "Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value",
            "Zoé Élève,Zoé,Élève,* Home,zoe.eleve@ac-dijon.fr",
            [("Zoé Élève", "zoe.eleve@ac-dijon.fr")],
        ),
        (  # a webmail (Zimbra)
            '"email","firstName","lastName","fullName"',
            '"anne.roy@ac-dijon.fr","Anne","Roy",""',
            [("Anne Roy", "anne.roy@ac-dijon.fr")],
        ),
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_csv_exports(header: str, row: str, expected: list[tuple[str, str]], encoding: str) -> None:
    data = (header + "\r\n" + row + "\r\n").encode(encoding)
    assert ci.from_bytes(data).people == expected


def test_bad_lines_are_counted_with_their_reason() -> None:
    data = (
        "Nom complet;Adresse de messagerie\n"
        "Claire Petit;claire.petit@ac-dijon.fr\n"
        "Sans Adresse;\n"
        "Mauvaise;pas-une-adresse\n"
        "Accent;élève@ac-dijon.fr\n"
        "Deux fois;CLAIRE.PETIT@ac-dijon.fr\n"
        "Injection;x@y.fr\r\nBcc: z@z.fr\n"
    ).encode()
    result = ci.from_bytes(data)
    assert result.people == [("Claire Petit", "claire.petit@ac-dijon.fr"), ("Injection", "x@y.fr")]
    assert result.skipped == {ci.INVALID: 2, ci.NO_ADDRESS: 2, ci.TWICE: 1}
    text = ci.summary(2, 0, result.skipped)
    assert text.startswith("2 contacts importés, 5 ignorés (") and "adresse invalide : 2" in text


def test_a_binary_a_huge_or_a_missing_file_imports_nothing(tmp_path: Path) -> None:
    with pytest.raises(ci.ImportFailed, match="pas un fichier texte"):
        ci.from_bytes(b"PK\x03\x04\x00\x00binary")
    huge = tmp_path / "enorme.csv"
    with huge.open("wb") as out:
        out.truncate(ci.MAX_BYTES + 1)
    with pytest.raises(ci.ImportFailed, match="trop gros"):
        ci.from_file(huge)
    with pytest.raises(ci.ImportFailed, match="introuvable"):
        ci.from_file(tmp_path / "absent.vcf")
    with pytest.raises(ci.ImportFailed, match="aucune colonne"):
        ci.from_bytes("Nom;Téléphone\nX;0380\n".encode())


def test_the_number_of_contacts_is_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ci, "MAX_PEOPLE", 3)
    data = "Adresse de messagerie\n" + "".join(f"p{i}@ac-dijon.fr\n" for i in range(5))
    result = ci.from_bytes(data.encode())
    assert len(result.people) == 3 and result.skipped == {ci.TOO_MANY: 2}


def test_hostile_names_reach_nobody() -> None:
    data = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:\x1b]52;c;cGF5bG9hZA==\x1b\\\\Mé\x9b31mchant <a@b.fr>\n"
        "EMAIL:m@ac-dijon.fr\nEND:VCARD\n"
    ).encode()
    ((name, address),) = ci.from_bytes(data).people
    assert name == clean_line(name) and "\x1b" not in name and "<" not in name
    assert address == "m@ac-dijon.fr"


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=2000) | st.text(max_size=500).map(str.encode))
def test_any_bytes_give_clean_people_or_a_plain_failure(data: bytes) -> None:
    for prefix in (b"", b"BEGIN:VCARD\r\n", b"Adresse de messagerie;Nom\r\n"):
        try:
            result = ci.from_bytes(prefix + data)
        except ci.ImportFailed:
            continue
        for name, address in result.people:
            assert check_address(address) == address
            assert name == clean_line(name) and "\n" not in name
