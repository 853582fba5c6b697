"""TLS material for the server: a local CA and a server certificate it signs.

Used when the operator gives no certificate. The CA's private key is not kept (nothing else is
ever signed with it); the server's private key is stored PEM-encrypted with a random password
that is itself wrapped by the root key, so no private key lies on disk in plaintext.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from stockade.crypto.root_key import RootKeyProvider

_CONTEXT = {"purpose": "tls-server-key-password"}
CA_DAYS = 3650
SERVER_DAYS = 397  # the longest lifetime browsers and TLS clients accept


@dataclass(frozen=True)
class LocalTls:
    ca_pem: bytes
    server_pem: bytes  # the server certificate followed by the CA certificate
    key_pem: bytes = field(repr=False)  # encrypted PKCS#8
    wrapped_password: bytes = field(repr=False)


def issue_local_tls(
    root: RootKeyProvider, hostnames: list[str], addresses: list[str], name: str
) -> LocalTls:
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} local CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    alt_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(32).encode()
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    return LocalTls(
        ca_pem=ca_pem,
        server_pem=server.public_bytes(serialization.Encoding.PEM) + ca_pem,
        key_pem=server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        ),
        wrapped_password=root.wrap(password, _CONTEXT),
    )


def key_password(root: RootKeyProvider, wrapped_password: bytes) -> bytes:
    """The password of the stored server key (unwrapped by the root key)."""
    return root.unwrap(wrapped_password, _CONTEXT)


def certificate_expires(pem: bytes) -> datetime:
    return x509.load_pem_x509_certificate(pem).not_valid_after_utc


def certificate_host_names(pem: bytes) -> frozenset[str]:
    """The DNS names a certificate is for (its subject alternative names)."""
    certificate = x509.load_pem_x509_certificate(pem)
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return frozenset()
    return frozenset(names.value.get_values_for_type(x509.DNSName))
