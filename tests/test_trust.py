"""Certificate trust against the real Dovecot and SMTP servers, plus the prompt's texts.

The bed's certificates are self-signed and in no system store: every first connection
must stop for a decision, before any credential is sent.
"""

from __future__ import annotations

import datetime as dt
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tests.bed.certs import make_self_signed
from tests.conftest import Bed
from tui.core.errors import AuthError, CertificateError, ConfigError
from tui.core.net.certificates import (
    describe_certificate,
    describe_for_terminal,
    format_fingerprint,
    normalize_fingerprint,
)
from tui.core.net.tls import imap_connect, smtp_connect
from tui.core.net.trust import CertificateChanged, CertificateNeedsDecision, TrustStore

HOST = "localhost"


def fingerprint_of(pem: Path) -> str:
    cert = x509.load_pem_x509_certificate(pem.read_bytes())
    return format_fingerprint(cert.public_bytes(Encoding.DER))


def der_of(pem: Path) -> bytes:
    return x509.load_pem_x509_certificate(pem.read_bytes()).public_bytes(Encoding.DER)


def decision(trust: TrustStore, port: int) -> CertificateNeedsDecision:
    with pytest.raises(CertificateNeedsDecision) as caught:
        imap_connect(HOST, port, trust, timeout=10)
    return caught.value


# --- IMAP against Dovecot -------------------------------------------------------------


@pytest.mark.server
def test_first_connection_needs_decision_and_sends_no_login(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    trust = TrustStore(tmp_path / "trust.toml")
    info = decision(trust, bed.imap_port).info
    assert info.host == HOST and info.port == bed.imap_port
    assert info.sha256 == fingerprint_of(bed.dovecot.cert)
    assert "localhost" in info.dns_names
    assert "courriel test bed" in info.subject and info.issuer == info.subject
    assert "auto-signé" in info.reason
    assert info.not_before is not None and info.not_after is not None
    assert bed.dovecot.logins(user.username) == 0
    assert f"user=<{user.username}>" not in bed.dovecot.log_text()
    assert not (tmp_path / "trust.toml").exists()


@pytest.mark.server
def test_reject_sends_nothing_and_asks_again(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    trust = TrustStore(tmp_path / "trust.toml")
    decision(trust, bed.imap_port)  # the user presses Reject: nothing is recorded
    decision(trust, bed.imap_port)
    assert bed.dovecot.logins(user.username) == 0
    assert trust.pins() == [] and trust.decision(HOST, bed.imap_port) is None


@pytest.mark.server
def test_accept_always_survives_a_new_process(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    path = tmp_path / "config" / "trust.toml"
    TrustStore(path).accept_always(decision(TrustStore(path), bed.imap_port).info)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert fingerprint_of(bed.dovecot.cert) in text
    assert f'"localhost:{bed.imap_port}"' in text
    assert dt.date.today().isoformat() in text

    later = TrustStore(path)  # a later run: no prompt
    client = imap_connect(HOST, bed.imap_port, later, timeout=10)
    with client:
        client.login(user.username, user.password)
    assert bed.dovecot.logins(user.username) == 1
    assert [p.sha256 for p in later.pins()] == [fingerprint_of(bed.dovecot.cert)]


@pytest.mark.server
def test_accept_once_is_forgotten_by_the_next_process(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    path = tmp_path / "trust.toml"
    trust = TrustStore(path)
    trust.accept_once(decision(trust, bed.imap_port).info)
    with imap_connect(HOST, bed.imap_port, trust, timeout=10) as client:
        client.login(user.username, user.password)
    assert not path.exists()
    decision(TrustStore(path), bed.imap_port)  # a new process asks again
    assert bed.dovecot.logins(user.username) == 1


@pytest.mark.server
def test_forget_drops_the_pin(bed: Bed, tmp_path: Path) -> None:
    path = tmp_path / "trust.toml"
    trust = TrustStore(path)
    trust.accept_always(decision(trust, bed.imap_port).info)
    trust.forget(HOST, bed.imap_port)
    assert TrustStore(path).pins() == []
    decision(trust, bed.imap_port)


@pytest.mark.server
def test_regenerated_certificate_is_refused_loudly(fresh_bed: Bed, tmp_path: Path) -> None:
    bed = fresh_bed
    path = tmp_path / "trust.toml"
    old = fingerprint_of(bed.dovecot.cert)
    TrustStore(path).accept_always(decision(TrustStore(path), bed.imap_port).info)
    bed.dovecot.regenerate_certificate()
    bed.dovecot.restart()
    new = fingerprint_of(bed.dovecot.cert)

    trust = TrustStore(path)
    with pytest.raises(CertificateChanged) as caught:
        imap_connect(HOST, bed.imap_port, trust, timeout=10)
    changed = caught.value
    assert (changed.old_sha256, changed.new_sha256) == (old, new)
    assert changed.pinned.accepted_on == dt.date.today().isoformat()
    assert "a changé depuis" in str(changed) and "intercepte" in changed.explanation
    text = describe_for_terminal(changed.info, changed.pinned)
    assert old in text and new in text and "ATTENTION" in text
    assert bed.dovecot.logins(bed.user.username) == 0
    # Refused, not silently re-pinned; the user may review and accept the new one.
    assert TrustStore(path).pin_for(HOST, bed.imap_port).sha256 == old  # type: ignore[union-attr]
    trust.accept_always(changed.info)
    with imap_connect(HOST, bed.imap_port, TrustStore(path), timeout=10) as client:
        client.login(bed.user.username, bed.user.password)


@pytest.mark.server
def test_pinned_host_moving_to_a_verified_certificate_retires_the_pin(
    fresh_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bed = fresh_bed
    path = tmp_path / "trust.toml"
    TrustStore(path).accept_always(decision(TrustStore(path), bed.imap_port).info)
    bed.dovecot.regenerate_certificate()
    bed.dovecot.restart()
    monkeypatch.setenv("SSL_CERT_FILE", str(bed.dovecot.cert))  # now system-trusted

    trust = TrustStore(path)
    with imap_connect(HOST, bed.imap_port, trust, timeout=10) as client:
        client.login(bed.user.username, bed.user.password)
    assert [p.port for p in trust.retired] == [bed.imap_port]
    assert TrustStore(path).pins() == []


@pytest.mark.server
def test_verified_connection_keeps_hostname_checking(
    fresh_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bed = fresh_bed
    # A certificate the system trusts, but for another name than "localhost".
    bed.dovecot.cert, bed.dovecot.key = make_self_signed(
        bed.dovecot.root / "tls-other", names=("hermes.example",), stem="other"
    )
    bed.dovecot.restart()
    monkeypatch.setenv("SSL_CERT_FILE", str(bed.dovecot.cert))
    trust = TrustStore(tmp_path / "trust.toml")
    # By an address the certificate names: verified, no decision needed.
    with imap_connect("127.0.0.1", bed.imap_port, trust, timeout=10) as client:
        client.login(bed.user.username, bed.user.password)
    # By a name it does not contain: refused, and the reason is the name alone.
    info = decision(trust, bed.imap_port).info
    assert "nom ne correspondant pas" in info.reason and "« localhost »" in info.reason
    assert "auto-signé" not in info.reason


@pytest.mark.server
def test_cafile_option_verifies_without_a_decision(bed: Bed, tmp_path: Path) -> None:
    trust = TrustStore(tmp_path / "trust.toml", cafile=bed.dovecot.cert)
    with imap_connect(HOST, bed.imap_port, trust, timeout=10) as client:
        assert client.capabilities()


@pytest.mark.server
def test_accept_fingerprint_for_non_interactive_runs(bed: Bed, tmp_path: Path) -> None:
    path = tmp_path / "trust.toml"
    trust = TrustStore(path)
    info = decision(trust, bed.imap_port).info
    text = describe_for_terminal(info)
    command = f"courriel doctor --accept-certificate {info.sha256.replace(':', '')}"
    assert command in text and info.sha256 in text and "auto-signé" in text
    with pytest.raises(CertificateError):
        trust.accept_fingerprint(HOST, bed.imap_port, "00" * 32)
    assert trust.pins() == []
    trust.accept_fingerprint(HOST, bed.imap_port, info.sha256.replace(":", "").lower())
    assert TrustStore(path).pin_for(HOST, bed.imap_port) is not None


@pytest.mark.server
def test_connection_refused_is_a_plain_error(tmp_path: Path) -> None:
    from tests.bed.dovecot import free_port
    from tui.core.errors import ConnectionLost

    with pytest.raises(ConnectionLost, match="Impossible de joindre"):
        imap_connect(HOST, free_port(), TrustStore(tmp_path / "t.toml"), timeout=5)


# --- SMTP: the same decision before AUTH ------------------------------------------------


@pytest.mark.server
async def test_smtp_refuses_unaccepted_certificate_before_auth(
    fresh_bed: Bed, tmp_path: Path
) -> None:
    bed = fresh_bed
    trust = TrustStore(tmp_path / "trust.toml")
    with pytest.raises(CertificateNeedsDecision) as caught:
        await smtp_connect(HOST, bed.smtp_port, trust, bed.user.username, bed.user.password, 10)
    assert caught.value.info.sha256 == fingerprint_of(bed.smtp.cert)
    assert bed.smtp.events("auth") == []

    trust.accept_always(caught.value.info)
    smtp = await smtp_connect(HOST, bed.smtp_port, trust, bed.user.username, bed.user.password, 10)
    await smtp.quit()
    assert [e["success"] for e in bed.smtp.events("auth")] == [True]


@pytest.mark.server
async def test_smtp_changed_certificate_refused_before_auth(fresh_bed: Bed, tmp_path: Path) -> None:
    bed = fresh_bed
    path = tmp_path / "trust.toml"
    TrustStore(path).accept_always(
        describe_certificate(der_of(bed.smtp.cert), HOST, bed.smtp_port, reason="")
    )
    bed.smtp.regenerate_certificate()
    bed.smtp.restart()
    with pytest.raises(CertificateChanged):
        await smtp_connect(
            HOST, bed.smtp_port, TrustStore(path), bed.user.username, bed.user.password, 10
        )
    assert bed.smtp.events("auth") == []


@pytest.mark.server
async def test_smtp_wrong_password_is_auth_error(bed: Bed, tmp_path: Path) -> None:
    trust = TrustStore(tmp_path / "trust.toml", cafile=bed.smtp.cert)
    sentinel = "Sentinelle-Mot-De-Passe-8841"
    with pytest.raises(AuthError) as caught:
        await smtp_connect(HOST, bed.smtp_port, trust, bed.user.username, sentinel, 10)
    assert sentinel not in str(caught.value) and sentinel not in repr(caught.value.args)


# --- texts, without a network -------------------------------------------------------------


def make_info(tmp_path: Path, host: str = "hermes.ac-dijon.fr", **kwargs: object) -> str:
    pem, _key = make_self_signed(tmp_path, **kwargs)  # type: ignore[arg-type]
    return describe_certificate(der_of(pem), host, 993).reason


def test_reason_self_signed(tmp_path: Path) -> None:
    reason = make_info(tmp_path, names=("hermes.ac-dijon.fr",))
    assert reason.startswith("certificat auto-signé")
    assert "expiré" not in reason and "nom" not in reason


def test_reason_expired_gives_the_date(tmp_path: Path) -> None:
    reason = make_info(tmp_path, names=("hermes.ac-dijon.fr",), days_valid=-3, not_before_days=-30)
    assert "expiré depuis le " in reason
    ended = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    assert str(ended.year) in reason


def test_reason_not_yet_valid(tmp_path: Path) -> None:
    reason = make_info(tmp_path, names=("hermes.ac-dijon.fr",), not_before_days=5, days_valid=30)
    assert "pas encore valide" in reason and "expiré" not in reason


def test_reason_wrong_name(tmp_path: Path) -> None:
    reason = make_info(tmp_path, names=("autre.example.org",))
    assert "nom ne correspondant pas à l'hôte" in reason
    assert "« hermes.ac-dijon.fr »" in reason and "autre.example.org" in reason


def test_wildcard_names_match_one_label(tmp_path: Path) -> None:
    assert "nom" not in make_info(tmp_path, names=("*.ac-dijon.fr",))
    assert "nom ne correspondant" in make_info(
        tmp_path, "a.hermes.ac-dijon.fr", names=("*.ac-dijon.fr",)
    )


def test_hostile_subject_is_cleaned(tmp_path: Path) -> None:
    pem, _key = make_self_signed(tmp_path, common_name="evil\x1b]52;c;AAAA\x1b\\\u202e")
    info = describe_certificate(der_of(pem), HOST, 993)
    assert "\x1b" not in info.subject and "\u202e" not in info.subject


def test_fingerprint_formats() -> None:
    fp = format_fingerprint(b"x")
    assert len(fp) == 95 and fp.count(":") == 31 and fp == fp.upper()
    assert normalize_fingerprint("SHA256:" + fp.replace(":", "").lower()) == fp
    assert normalize_fingerprint("abc") == ""


def test_corrupt_trust_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "trust.toml"
    path.write_text('["localhost:993"]\nsha256 = "pas une empreinte"\n')
    with pytest.raises(ConfigError, match=r"trust\.toml"):
        TrustStore(path)
    path.write_text("[[[")
    with pytest.raises(ConfigError, match="supprimez-le"):
        TrustStore(path)


def test_info_without_fingerprint_cannot_be_accepted(tmp_path: Path) -> None:
    trust = TrustStore(tmp_path / "trust.toml")
    error = ssl.SSLCertVerificationError("x")
    info = trust.needs_decision("127.0.0.1", 9, error, timeout=2).info  # nothing listens
    assert info.sha256 == ""
    with pytest.raises(CertificateError):
        trust.accept_always(info)
    with pytest.raises(CertificateError):
        trust.accept_once(info)
