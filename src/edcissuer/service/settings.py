"""What one deployment of `edcissuer serve` runs with, read once from the issuer profile.

Why a frozen object built at start-up: every worker process reads the same profile and
must refuse a bad one before it listens (a typo in a token hash must not surface as a 401
an hour later). Nothing here is request state: the service is stateless apart from the
ledger, so several instances on several machines share one PostgreSQL ledger.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography import x509

from ..config import Config, ConfigError
from ..crypto.keys import KeyPair
from ..crypto.x509 import SealIdentity, load_certificates, load_pkcs12, load_seal
from ..errors import InputError
from ..recognition import Policy, TrustList, load_policy, load_trust_list
from ..status.publish import DEFAULT_VALIDITY

#: scopes a bearer token can carry; `offer` is for wallet offers (OpenID4VCI)
SCOPES = ("issue", "revoke", "offer")
_PUBLIC_URL = re.compile(r"^https?://[^\s/?#@]+$")


@dataclass(frozen=True)
class Client:
    """A caller of the protected endpoints: its name (for the audit log) and scopes."""

    name: str
    sha256: str
    scopes: frozenset[str]


def token_hash(token: str) -> str:
    """The hex SHA-256 a profile stores for a bearer token (`edcissuer serve --hash-token`)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ServiceSettings:
    """Everything a worker needs; built by `from_config` (or by tests directly)."""

    public_url: str
    ledger: str
    key: KeyPair | None
    out_dir: Path
    audit_log: Path
    seal: SealIdentity | None = None
    issuer_did: str | None = None
    issuer_name: str | None = None
    status_base_url: str | None = None
    list_validity: timedelta = DEFAULT_VALIDITY
    clients: tuple[Client, ...] = ()
    policies: Mapping[str, Policy] = field(default_factory=dict)
    trust: TrustList | None = None
    trust_anchors: tuple[x509.Certificate, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    max_body: int = 2048 * 1024
    request_timeout: float = 30.0
    cors_origins: tuple[str, ...] = ()
    language: str | None = None
    demo: bool = False
    ob3_form: str = "standard"

    def __post_init__(self) -> None:
        url = self.public_url[:-1] if self.public_url.endswith("/") else self.public_url
        if not _PUBLIC_URL.match(url):
            raise ConfigError("the public URL is an origin without path, e.g. https://credentials.example.edu",
                              field="service.public_url", value=self.public_url)
        object.__setattr__(self, "public_url", url)

    @property
    def status_url(self) -> str:
        """Where new status lists are published: the profile's status.base_url, else PUBLIC/status."""
        return (self.status_base_url or f"{self.public_url}/status").rstrip("/")

    @property
    def did_web(self) -> str:
        """The did:web this deployment's origin names (its did.json is served at /.well-known/)."""
        parts = urlsplit(self.public_url)
        return "did:web:" + quote(parts.netloc, safe="")

    @property
    def serves_did_document(self) -> bool:
        return self.issuer_did == self.did_web and self.key is not None

    def client_for(self, token: str) -> Client | None:
        """The client whose stored hash matches `token` (compared in constant time), or None."""
        digest = token_hash(token)
        found = None
        for client in self.clients:
            if hmac.compare_digest(client.sha256, digest):
                found = client
        return found


def _path(config: Config, key: str, default: Path) -> Path:
    value = config.values().get(key)
    return Path(value) if value else default


def _load_key(config: Config, environ: Mapping[str, str]) -> KeyPair | None:
    issuer = config.profile.issuer
    if not issuer.key:
        return None
    password = environ.get(issuer.key_password_env, "").encode() if issuer.key_password_env else None
    return KeyPair.load(config.values()["issuer.key"], password=password or None)


def _load_seal(config: Config, environ: Mapping[str, str]) -> SealIdentity | None:
    issuer = config.profile.issuer
    if not issuer.seal:
        return None
    password = environ.get(issuer.seal_password_env, "").encode() if issuer.seal_password_env else None
    seal = Path(config.values()["issuer.seal"])
    if issuer.seal_is_pkcs12:
        return load_pkcs12(seal, password or None)
    if not issuer.seal_key:
        raise ConfigError("a PEM seal needs issuer.seal_key", field="issuer.seal_key")
    return load_seal(seal.read_bytes(), Path(config.values()["issuer.seal_key"]).read_bytes(), password or None)


def _ledger_target(config: Config, environ: Mapping[str, str]) -> str:
    section = config.profile.ledger
    if section.dsn_env:
        value = environ.get(section.dsn_env)
        if not value:
            raise ConfigError(f"ledger.dsn_env names ${section.dsn_env}, which is not set", field="ledger.dsn_env")
        return value
    values = config.values()
    if "ledger.dsn" in values:
        return str(values["ledger.dsn"])
    if "ledger.path" in values:
        return str(values["ledger.path"])
    return str(config.path.parent / "ledger.sqlite")


def from_config(config: Config, *, public_url: str | None = None, host: str = "127.0.0.1", port: int = 8080,
                environ: Mapping[str, str] | None = None) -> ServiceSettings:
    """The settings of a profile; every refusal names the profile key (`service.policies.strict`, ...)."""
    env = os.environ if environ is None else environ
    profile = config.profile
    svc = profile.service
    url = public_url or svc.public_url or f"http://{host}:{port}"
    policies: dict[str, Policy] = {}
    for name, raw in svc.policies.items():
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", name):
            raise ConfigError("a policy name is letters, digits, '.', '_' or '-'", field=f"service.policies.{name}")
        try:
            policies[name] = load_policy(config.resolve(raw, f"service.policies.{name}"))
        except InputError as exc:
            raise ConfigError(f"{exc.message}", field=f"service.policies.{name}") from exc
    if not policies and profile.verify.policy:
        policies["default"] = load_policy(config.values()["verify.policy"])
    try:
        trust = load_trust_list(config.values()["verify.trust"]) if profile.verify.trust else None
        anchors = tuple(c for p in config.values().get("verify.trust_anchors", [])
                        for c in load_certificates(Path(p).read_bytes()))
    except OSError as exc:
        raise ConfigError(f"cannot read {exc.filename}: {exc.strerror}", field="verify") from exc
    clients = tuple(Client(c.name, c.sha256, frozenset(c.scopes)) for c in svc.clients)
    if len({c.name for c in clients}) != len(clients):
        raise ConfigError("client names must be unique (the audit log names them)", field="service.clients")
    key = _load_key(config, env)
    seal = _load_seal(config, env)
    if key is None and seal is None:
        raise ConfigError("the service signs credentials: give issuer.key (and/or issuer.seal)", field="issuer.key")
    status_key = profile.status.key
    if status_key:
        key_for_lists = KeyPair.load(config.values()["status.key"])
        if key is None:
            key = key_for_lists
    days = profile.status.list_validity_days
    ledger = _ledger_target(config, env)
    default_audit = (Path(ledger).parent if not ledger.startswith("postgres") and "=" not in ledger
                     else config.path.parent) / "audit.jsonl"
    return ServiceSettings(
        public_url=url, ledger=ledger, key=key, seal=seal, issuer_did=profile.issuer.did,
        issuer_name=profile.issuer.name, status_base_url=profile.status.base_url,
        list_validity=timedelta(days=days) if days else DEFAULT_VALIDITY,
        out_dir=_path(config, "service.out_dir", config.path.parent / "issued"),
        audit_log=_path(config, "service.audit_log", default_audit),
        clients=clients, policies=policies, trust=trust, trust_anchors=anchors,
        allow_hosts=tuple(profile.verify.allow_hosts), max_body=svc.max_body_kib * 1024,
        request_timeout=svc.request_timeout_s, cors_origins=tuple(svc.cors_origins), language=svc.language,
        demo=svc.demo, ob3_form=profile.defaults.ob3_form or "standard")
