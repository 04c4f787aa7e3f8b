"""Phishing hints: what a user cannot easily see is said plainly."""

from __future__ import annotations

import pytest

from tests import corpus_helpers as helpers
from tui.core.mail.mime import parse_message
from tui.core.mail.phishing import check, is_lookalike, is_trusted

TRUSTED = ("ac-dijon.fr", "education.gouv.fr")


def warnings(name: str) -> list[str]:
    return parse_message((helpers.CORPUS / name).read_bytes()).warnings


def test_academy_sender_gets_no_warning() -> None:
    assert warnings("charset-utf8-accents.eml") == []
    assert check(from_=[("", "x@dsden21.ac-dijon.fr")]) == []
    assert check(from_=[("", "x@education.gouv.fr")]) == []


def test_external_sender() -> None:
    assert warnings("external-sender.eml") == [
        "Expéditeur extérieur à l'académie : contact@parents.example.org."
    ]


def test_trusted_domains_are_configurable() -> None:
    assert check(from_=[("", "a@parents.example.org")], trusted_domains=["example.org"]) == []


def test_display_name_spoof() -> None:
    found = warnings("display-name-spoof-rectorat.eml")
    assert any("contient l'adresse rectorat@ac-dijon.fr" in w for w in found)
    assert any("se présente comme un service officiel" in w for w in found)


def test_link_text_domain_mismatch() -> None:
    assert warnings("link-text-domain-mismatch.eml") == [
        "Le lien « https://webmail.ac-dijon.fr » mène en réalité à evil.example.net."
    ]


def test_lookalike_domains_in_corpus() -> None:
    found = " ".join(warnings("lookalike-domain.eml"))
    for domain in ("ac-dij0n.fr", "ac-dijon.fr.example.com", "acdijon.fr", "ac-dijon-fr.com"):
        assert f"« {domain} »" in found
    assert "xn--ac-djon-2ya.fr" in found


@pytest.mark.parametrize(
    "domain",
    [
        "ac-dij0n.fr",
        "ac-dijon.fr.example.com",
        "acdijon.fr",
        "ac-dijon-fr.com",
        "ac-djion.fr",
        "ас-dijon.fr",
        "xn--ac-djon-2ya.fr",
        "education-gouv.fr",
        "educati0n.gouv.fr.evil.com",
    ],
)
def test_is_lookalike(domain: str) -> None:
    assert is_lookalike(domain, TRUSTED) is not None


@pytest.mark.parametrize(
    "domain", ["ac-dijon.fr", "dsden21.ac-dijon.fr", "gmail.com", "ac-lyon.fr"]
)
def test_not_lookalike(domain: str) -> None:
    assert is_lookalike(domain, TRUSTED) is None


def test_subdomain_trust_is_by_label() -> None:
    assert is_trusted("lycee.ac-dijon.fr", TRUSTED)
    assert not is_trusted("evilac-dijon.fr", TRUSTED)


def test_password_request() -> None:
    assert any(
        "ne demande jamais votre mot de passe" in w for w in warnings("asks-for-password.eml")
    )
    assert check(from_=[("", "a@ac-dijon.fr")], body="Le mot de passe du wifi est affiché.") == []


def test_display_name_with_an_address_and_no_sender_address_says_so() -> None:
    """`courriel show` printed « le message vient de ? » (#17)."""
    found = check(from_=[("rectorat@ac-dijon.fr", "")])
    assert not any("?" in w for w in found)
    assert any("n'indique pas d'adresse d'expéditeur" in w for w in found)
