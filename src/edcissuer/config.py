"""The issuer profile, `edcissuer.toml`: what a registrar would otherwise type on every command.

One file names the institution, its key or seal, DID, status list URL and folder, ledger and
defaults; the CLI turns it into option defaults (cli/configfile.py). It holds no secret: keys
and seals are *paths*, passwords and password-bearing DSNs are *environment variable names*
(`*_env`). A file that looks like it holds a secret is refused, naming the key, so a profile
can be shared, committed and reviewed. Relative paths are relative to the file, so the same
profile works from any folder. Discovery: `--config FILE`, else `$EDCISSUER_CONFIG`, else
`./edcissuer.toml`; none is fine (no defaults). Only the user's own file is read, never one
anyone may write (a file dropped beside credentials must not choose the trust list), and the
CLI says which file applies. See docs/config.md.
"""
from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InputError
from .files import read_input

FILE_NAME = "edcissuer.toml"
ENV_CONFIG = "EDCISSUER_CONFIG"
MAX_BYTES = 256 * 1024

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# a key name that says "secret value here" (the `*_env` spelling names a variable and is fine)
_SECRET_KEY = re.compile(r"pass(word|phrase)?|secret|token|credential_key|private_key|api_key|pin$", re.I)
_INLINE_PASSWORD_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@?#:]*:[^/@?#]+@")
_INLINE_PASSWORD_QUERY = re.compile(r"(^|[\s?&;])password\s*=", re.I)


class ConfigError(InputError):
    """The issuer profile cannot be used; `field` is `section.key` (or the file when unreadable)."""


class _Section(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def _env_name(value: str | None) -> str | None:
    if value is not None and not _ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name (letters, digits, _)")
    return value


class IssuerSection(_Section):
    """Who signs: the institution, its DID, a Data Integrity/JWT key and/or a JAdES e-seal."""

    name: str | None = None
    did: str | None = None
    key: str | None = None                  # path: PEM or JWK private key
    key_password_env: str | None = None     # name of the variable holding the key's password
    seal: str | None = None                 # path: PKCS#12 (.p12/.pfx) or PEM certificate chain
    seal_key: str | None = None             # path: PEM private key of a PEM seal chain
    seal_password_env: str | None = None

    @field_validator("key_password_env", "seal_password_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        return _env_name(value)

    @model_validator(mode="after")
    def _seal_parts(self) -> IssuerSection:
        if self.seal_key and not self.seal:
            raise ValueError("seal_key needs seal (the PEM certificate chain it belongs to)")
        if self.seal and self.seal_key and is_pkcs12(self.seal):
            raise ValueError("a PKCS#12 seal carries its key: drop seal_key")
        return self

    @property
    def seal_is_pkcs12(self) -> bool:
        return bool(self.seal) and is_pkcs12(self.seal or "")


class StatusSection(_Section):
    """Where status lists live: the public base URL and the local folder published there."""

    base_url: str | None = None
    dir: str | None = None                  # path
    key: str | None = None                  # path: key that signs the lists (needed with a seal signer)
    list_validity_days: int | None = Field(default=None, ge=1)

    @field_validator("base_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL such as https://uni.example/status")
        return value


class LedgerSection(_Section):
    """The issuance ledger: a SQLite file, a DSN without password, or the variable holding the DSN."""

    path: str | None = None
    dsn: str | None = None
    dsn_env: str | None = None

    @field_validator("dsn_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        return _env_name(value)

    @model_validator(mode="after")
    def _one(self) -> LedgerSection:
        if sum(x is not None for x in (self.path, self.dsn, self.dsn_env)) > 1:
            raise ValueError("give one of path, dsn or dsn_env")
        return self


class DefaultsSection(_Section):
    """Defaults for issuing and exporting (command-line flags always win)."""

    language: str | None = None
    proof: str | None = None
    format: str | None = None
    ob3_form: str | None = None
    profile: str | None = None              # alliance profile name, passed to commands with --profile


class VerifySection(_Section):
    """Receiving side: trust list, recognition policy and what may be fetched."""

    trust: str | None = None                # path
    policy: str | None = None               # path
    trust_anchors: list[str] = Field(default_factory=list)  # paths
    did_web_dir: str | None = None          # path
    controller_dir: str | None = None       # path
    fetch_cache: str | None = None          # path
    allow_hosts: list[str] = Field(default_factory=list)


class ExportSection(_Section):
    """Carrying credentials: verification link, wallet issuer URL, certificate logo."""

    verify_url: str | None = None
    credential_issuer: str | None = None
    logo: str | None = None                 # path


class ServiceClient(_Section):
    """One caller of the service's protected endpoints: a name for the audit log, the SHA-256
    (hex) of its bearer token (the token itself is never stored), and what it may do."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: list[Literal["issue", "revoke", "offer"]] = Field(min_length=1)


class ServiceSection(_Section):
    """`edcissuer serve`: where the deployment is reached, who may call it, what it decides with."""

    public_url: str | None = None           # https://credentials.example.edu (default: http://HOST:PORT)
    clients: list[ServiceClient] = Field(default_factory=list)
    policies: dict[str, str] = Field(default_factory=dict)   # policy name -> path (the evaluator picks one)
    audit_log: str | None = None            # path: append-only JSON lines (default: audit.jsonl by the ledger)
    out_dir: str | None = None              # path: issued files, 0600 (default: issued/ by the profile)
    max_body_kib: int = Field(default=2048, ge=1, le=65536)
    request_timeout_s: float = Field(default=30.0, gt=0, le=600)
    cors_origins: list[str] = Field(default_factory=list)    # closed by default
    language: str | None = None             # pages' default language (else the Accept-Language header)
    demo: bool = False                      # DEMO-ONLY deployment: pages and did.json say so


class IssuerProfile(_Section):
    """The whole file. Unknown sections and keys are refused by name."""

    version: Literal[1] = 1
    issuer: IssuerSection = Field(default_factory=IssuerSection)
    status: StatusSection = Field(default_factory=StatusSection)
    ledger: LedgerSection = Field(default_factory=LedgerSection)
    defaults: DefaultsSection = Field(default_factory=DefaultsSection)
    verify: VerifySection = Field(default_factory=VerifySection)
    export: ExportSection = Field(default_factory=ExportSection)
    service: ServiceSection = Field(default_factory=ServiceSection)


# Keys whose values are paths, resolved against the file's folder.
PATH_KEYS = frozenset({"issuer.key", "issuer.seal", "issuer.seal_key", "status.dir", "status.key", "ledger.path",
                       "verify.trust", "verify.policy", "verify.trust_anchors", "verify.did_web_dir",
                       "verify.controller_dir", "verify.fetch_cache", "export.logo", "service.audit_log",
                       "service.out_dir"})


def is_pkcs12(path: str) -> bool:
    return path.lower().endswith((".p12", ".pfx"))


@dataclass(frozen=True)
class Config:
    """A loaded profile: the validated model, the file it came from, and warnings for the user."""

    path: Path
    profile: IssuerProfile
    warnings: tuple[str, ...] = ()

    def values(self) -> dict[str, Any]:
        """Every key that is set, as `section.key` -> value, with paths made absolute."""
        out: dict[str, Any] = {}
        for section in ("issuer", "status", "ledger", "defaults", "verify", "export", "service"):
            model = getattr(self.profile, section)
            for name, value in model.model_dump().items():
                key = f"{section}.{name}"
                if value is None or value == []:
                    continue
                if key in PATH_KEYS:
                    value = ([self.resolve(v, key) for v in value] if isinstance(value, list)
                             else self.resolve(value, key))
                out[key] = value
        return out

    def resolve(self, value: str, key: str = "config") -> str:
        """A path of the file, absolute: relative ones are relative to the file's folder."""
        try:
            p = Path(value).expanduser()
        except RuntimeError as exc:  # `~nouser/...`: no such user's home folder
            raise ConfigError(f"{value!r}: cannot expand ~ (no such user's home folder) (in {self.path})",
                              field=key) from exc
        return str(p if p.is_absolute() else self.path.parent / p)


def discover(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str], cwd: Path) -> Path | None:
    """Which profile applies: `--config`, else `$EDCISSUER_CONFIG`, else `./edcissuer.toml`, else none."""
    if explicit is not None and str(explicit):
        return Path(explicit)
    if environ.get(ENV_CONFIG):
        return Path(environ[ENV_CONFIG])
    local = cwd / FILE_NAME
    return local if local.exists() else None


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read, check for secrets and validate one profile; every refusal names `section.key`."""
    p = Path(path).resolve()  # a profile used via a symlink: paths are relative to the real file's folder
    raw = read_input(p, max_bytes=MAX_BYTES, what="configuration")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (in {p})", field="config") from exc
    config = Config(p, parse_profile(text, p), tuple(_permission_warnings(p)))
    config.values()  # every path expands (a `~nouser/...` is refused here, by its key)
    return config


def parse_profile(text: str, path: Path) -> IssuerProfile:
    """Check a profile's text (TOML, no secret, known keys) without touching disk: what `init`
    runs on what it would write, before writing anything; `path` only names it in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc} (in {path})", field="config") from exc
    _refuse_secrets(data, path)
    try:
        return IssuerProfile.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(e) for e in exc.errors()]
        message = problems[0][1] + "".join(f"; {where}: {msg}" for where, msg in problems[1:])
        raise ConfigError(f"{message} (in {path})", field=problems[0][0]) from exc


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _problem(error: Any) -> tuple[str, str]:
    where = _loc(error["loc"]) or "config"
    if error["type"] == "extra_forbidden":
        section = error["loc"][:-1]
        model: type[BaseModel] = IssuerProfile
        for part in section:
            model = IssuerProfile.model_fields[str(part)].annotation  # type: ignore[assignment]
        known = ", ".join(sorted(model.model_fields))
        return where, f"unknown key (known here: {known})"
    return where, str(error["msg"])


def _refuse_secrets(data: Mapping[str, Any], path: Path, prefix: str = "") -> None:
    """A profile holds no secret: refuse keys or values that look like one, naming the key."""
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            _refuse_secrets(value, path, key + ".")
            continue
        if not name.lower().endswith("_env") and _SECRET_KEY.search(name):
            raise ConfigError(f"looks like a secret; the file must hold none: put it in an environment variable "
                              f"and write its name as `{name}_env = \"VARIABLE\"` (in {path})",
                              field=key)
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            if "-----BEGIN" in text and "PRIVATE KEY" in text:
                raise ConfigError("holds a PEM private key; give the key file's path instead (and the name of "
                                  f"the variable holding its password in *_password_env) (in {path})", field=key)
            if _INLINE_PASSWORD_URL.search(text) or _INLINE_PASSWORD_QUERY.search(text):
                raise ConfigError("holds an inline password; put the whole DSN in an environment variable and "
                                  f"name it with `dsn_env = \"VARIABLE\"` (in {path})", field=key)


def _permission_warnings(path: Path) -> list[str]:
    """Whoever can write the profile chooses the signing key, the ledger and verify's trust list:
    a file another user owns, or anyone may write, is refused; a group-writable one is warned about
    (umask 002 with a private user group is common and harmless)."""
    try:
        st = path.stat()
    except OSError:
        return []
    mode = st.st_mode
    getuid = getattr(os, "getuid", None)  # absent on Windows: no owner check there
    if getuid is not None and st.st_uid != getuid():
        raise ConfigError(f"{path} is owned by another user (uid {st.st_uid}): a profile chooses the key that "
                          "signs and the trust list verify uses, so only your own file is read "
                          "(take it over with chown, or give --config FILE of yours)", field="config")
    if mode & stat.S_IWOTH:
        raise ConfigError(f"{path} is writable by anyone: whoever can write it chooses the key that signs and "
                          f"the trust list verify uses (chmod 600 {path})", field="config")
    if mode & stat.S_IWGRP:
        return [f"{path} is writable by its group: whoever can write it chooses the key that signs "
                f"(chmod 600 {path})"]
    return []
