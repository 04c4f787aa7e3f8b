"""Throwaway certificates for the test servers, made fresh for each run."""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_self_signed(
    directory: Path,
    *,
    common_name: str = "localhost",
    names: tuple[str, ...] = ("localhost",),
    days_valid: int = 2,
    not_before_days: int = -1,
    stem: str = "server",
) -> tuple[Path, Path]:
    """Write `<stem>.pem` (certificate) and `<stem>.key`; return their paths.

    The certificate covers the DNS names given and 127.0.0.1, so a client that trusts it
    (SSL_CERT_FILE or a cafile) verifies it with hostname checking on.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "courriel test bed"),
            # Distinct subjects: OpenSSL looks trusted certificates up by subject.
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{stem} {uuid.uuid4().hex[:8]}"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt_names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=not_before_days))
        .not_valid_after(now + dt.timedelta(days=days_valid))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / f"{stem}.pem"
    key_path = directory / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path
