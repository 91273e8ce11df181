"""Secrets of one managed SeaweedFS: S3 credentials, JWT signing keys and gRPC mTLS certificates.

Everything lives in ``<seaweed dir>/secrets/`` (0700, files 0600), created once and reused.
What is locked down, and how (measured with ``weed mini`` 4.48):

* filer HTTP and volume data (GET/PUT/DELETE): the four JWT keys, passed in weed's environment;
  unsigned requests get 401 "wrong jwt".
* every gRPC port: mutual TLS from a generated ``security.toml`` (weed reads it from its working
  directory); a client without a certificate signed by the instance's CA is refused.
* still readable without credentials: the master's status pages (``/dir/status``,
  ``/vol/status``, ``/cluster/status``, its UI page) and the volume server's ``/status``, and
  the Prometheus metrics port. They show volume ids, sizes and counts, never names or contents.
  ``weed mini`` cannot close them: its ``-whiteList`` (the only switch for them) also guards the
  components' own gRPC calls (the master then cannot allocate volumes: "PermissionDenied"), and
  on loopback an address cannot tell local users apart anyway.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from storage.base import StorageError

JWT_ENV = (
    "WEED_JWT_SIGNING_KEY",
    "WEED_JWT_SIGNING_READ_KEY",
    "WEED_JWT_FILER_SIGNING_KEY",
    "WEED_JWT_FILER_SIGNING_READ_KEY",
)
GRPC_ROLES = ("master", "volume", "filer", "s3", "admin", "worker", "msg_broker", "msg_agent", "mq")
_CERT_DAYS = 3650


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, readable by the owner only."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, str]:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()}
    except (ValueError, AttributeError) as exc:
        raise StorageError(f"SeaweedFS 密钥文件 {path} 已损坏：请从备份恢复或删除后重新启动") from exc


def _json_once(path: Path, make: dict[str, str]) -> dict[str, str]:
    """Create ``path`` with ``make`` unless it exists (never overwritten); return its content."""
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # created concurrently: read that one
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(make, fh)
                fh.flush()
                os.fsync(fh.fileno())
    return _read_json(path)


def load_or_create_credentials(path: Path) -> tuple[str, str]:
    """Read ``credentials.json`` or create it once with random keys (mode 0600)."""
    data = _json_once(path, {"access_key": "AK" + secrets.token_hex(9).upper(),
                             "secret_key": secrets.token_urlsafe(30)})
    try:
        return data["access_key"], data["secret_key"]
    except KeyError as exc:
        raise StorageError(f"SeaweedFS 凭据文件 {path} 已损坏") from exc


def load_or_create_jwt_keys(path: Path) -> dict[str, str]:
    """The four JWT signing keys as weed environment variables (created once, 0600)."""
    keys = _json_once(path, {name: secrets.token_urlsafe(32) for name in JWT_ENV})
    if set(keys) != set(JWT_ENV):
        raise StorageError(f"SeaweedFS 密钥文件 {path} 已损坏：请删除后重新启动")
    return keys


@dataclass(frozen=True)
class TlsFiles:
    """The CA and one certificate/key pair every component and client presents."""

    ca: Path
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _certificate(subject: str, issuer: str, public: ec.EllipticCurvePublicKey,
                 signer: ec.EllipticCurvePrivateKey, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=_CERT_DAYS))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signer, hashes.SHA256())


def load_or_create_tls(folder: Path) -> TlsFiles:
    """A private CA and one certificate for the gRPC mTLS of this instance (created once)."""
    files = TlsFiles(folder / "ca.pem", folder / "node.pem", folder / "node.key")
    if files.ca.exists() and files.cert.exists() and files.key.exists():
        return files
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate("archive-seaweedfs-ca", "archive-seaweedfs-ca", ca_key.public_key(), ca_key, ca=True)
    node_key = ec.generate_private_key(ec.SECP256R1())
    node_cert = _certificate("archive-seaweedfs", "archive-seaweedfs-ca", node_key.public_key(), ca_key, ca=False)
    write_private(files.key, _pem_key(node_key))
    write_private(files.cert, node_cert.public_bytes(serialization.Encoding.PEM))
    write_private(files.ca, ca_cert.public_bytes(serialization.Encoding.PEM))
    return files


def security_toml(tls: TlsFiles) -> str:
    """``security.toml`` turning on mTLS for every gRPC server and client of weed."""
    lines = ["# generated by archive_service; do not edit", "[grpc]", f'ca = "{tls.ca}"', ""]
    for role in GRPC_ROLES:
        lines += [f"[grpc.{role}]", f'cert = "{tls.cert}"', f'key = "{tls.key}"', ""]
    lines += ["[grpc.client]", f'cert = "{tls.cert}"', f'key = "{tls.key}"', "",
              "[access]", "ui = false", "", "[filer.expose_directory_metadata]", "enabled = false", ""]
    return "\n".join(lines)


def prepare_security(data_dir: Path) -> tuple[dict[str, str], Path]:
    """Create the secrets folder and ``security.toml`` in ``data_dir``; return weed's extra env."""
    folder = data_dir / "secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    tls = load_or_create_tls(folder)
    toml = data_dir / "security.toml"
    write_private(toml, security_toml(tls).encode())
    env = load_or_create_jwt_keys(folder / "jwt.json")
    env["WEED_FILER_EXPOSE_DIRECTORY_METADATA_ENABLED"] = "false"
    return env, toml
