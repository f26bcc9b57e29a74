"""Local key material: the sandbox CA and HTTPS certificate, and the Salesforce JWT key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.state import SandboxPaths, write_json


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path  # the CA clients trust (REQUESTS_CA_BUNDLE / httpx verify=)
    cert_chain: Path  # server certificate for 127.0.0.1 and localhost
    key: Path


def ensure_tls(tls_dir: Path) -> TlsFiles:
    """Make the CA and a 127.0.0.1/localhost certificate with trustme once, then reuse them."""
    files = TlsFiles(tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server.key")
    if all(p.exists() for p in (files.ca_cert, files.cert_chain, files.key)):
        return files
    tls_dir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="Roundtrip sandbox")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(files.key))
    files.cert_chain.write_bytes(b"".join(pem.bytes() for pem in cert.cert_chain_pems))
    ca.cert_pem.write_to_path(str(files.ca_cert))
    return files


def ensure_jwt_key(paths: SandboxPaths, credentials: dict[str, Any]) -> dict[str, Any]:
    """Give Salesforce's credentials a `private_key` PEM for the JWT bearer flow if they lack one.

    The key is generated once, kept in tls/salesforce_jwt.key and written into credentials.json
    so clients can sign assertions; the stand-in verifies them with its public half.
    """
    salesforce = credentials.get("salesforce")
    if salesforce is None or salesforce.get("private_key"):
        return credentials
    key_path = paths.tls_dir / "salesforce_jwt.key"
    if not key_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_path.parent.mkdir(parents=True, exist_ok=True)
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    credentials = {**credentials, "salesforce": {**salesforce, "private_key": key_path.read_text()}}
    write_json(paths.credentials_json, credentials)
    return credentials
