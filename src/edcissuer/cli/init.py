"""`edcissuer init`: write the issuer profile (edcissuer.toml) once, so later commands need few flags.

No questions asked: everything comes from flags. The file is written owner-only (0600),
never over an existing one without --force, and loaded back before we say it is done, so
what was written is what every command will read. It holds paths and environment variable
names only; `--new-key` creates the signing key through the same code as `keys new`.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..config import FILE_NAME, ConfigError, is_pkcs12, load_config, parse_profile
from ..crypto.keys import KeyPair
from .errors import UsageError

DEFAULT_NEW_KEY = Path("keys") / "issuer-key.pem"
#: profile keys -> the init flag that writes them (a refusal of what would be written names the flag)
_FLAGS = {"issuer.name": "--name", "issuer.did": "--did", "issuer.key": "--key",
          "issuer.key_password_env": "--key-password-env", "issuer.seal": "--seal", "issuer.seal_key": "--seal-key",
          "issuer.seal_password_env": "--seal-password-env", "status.base_url": "--status-base-url",
          "status.dir": "--status-dir", "ledger.path": "--ledger", "ledger.dsn": "--ledger",
          "ledger.dsn_env": "--ledger-dsn-env", "ledger": "--ledger", "defaults.format": "--format",
          "defaults.language": "--lang", "defaults.profile": "--profile"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", help="write an issuer profile (edcissuer.toml) that every command reads",
                       description="Write edcissuer.toml: institution, key or seal, DID, status lists, ledger and "
                                   "defaults. Paths are written relative to the file; secrets never go in it "
                                   "(give the names of the environment variables holding them). See docs/config.md.")
    g = p.add_argument_group("issuer")
    g.add_argument("--name", help="institution name (e.g. the display name of a wallet offer)")
    g.add_argument("--did", help="issuer DID (default: the key's did:key)")
    g.add_argument("--key", type=Path, metavar="PATH", help="Data Integrity / JWT signing key (PEM or JWK)")
    g.add_argument("--new-key", action="store_true",
                   help=f"create an Ed25519 key at --key (default: {DEFAULT_NEW_KEY} next to the profile), 0600")
    g.add_argument("--key-password-env", metavar="VAR", help="environment variable holding the key's password")
    g.add_argument("--seal", type=Path, metavar="PATH", help="JAdES e-seal: PKCS#12 (.p12/.pfx) or PEM chain")
    g.add_argument("--seal-key", type=Path, metavar="PATH", help="private key (PEM) of a PEM seal chain")
    g.add_argument("--seal-password-env", metavar="VAR", help="environment variable holding the seal's password")
    g = p.add_argument_group("status lists and ledger")
    g.add_argument("--status-base-url", metavar="URL", help="where the status lists are published")
    g.add_argument("--status-dir", type=Path, metavar="DIR", help="local folder the lists are written to")
    g.add_argument("--ledger", metavar="PATH|DSN", help="SQLite file, or a postgresql:// DSN without password")
    g.add_argument("--ledger-dsn-env", metavar="VAR", help="environment variable holding a DSN with password")
    g = p.add_argument_group("defaults")
    g.add_argument("--format", choices=("elm", "ob3", "both"),
                   help="default format of issue/batch (both: batch only; issue then still asks for --format)")
    g.add_argument("--lang", help="default language (e.g. en)")
    g.add_argument("--profile", help="alliance profile name")
    p.add_argument("-o", "--out", type=Path, default=Path(FILE_NAME), metavar="FILE",
                   help=f"profile to write (default: ./{FILE_NAME})")
    p.add_argument("--force", action="store_true", help="overwrite an existing profile")
    p.set_defaults(handler=cmd_init)


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _relative(path: Path, base: Path) -> str:
    """A path as the profile stores it: relative to the profile's folder when inside it, else absolute."""
    absolute = Path(os.path.normpath(path.expanduser().absolute()))
    return str(absolute.relative_to(base)) if absolute.is_relative_to(base) else str(absolute)


def render(args: argparse.Namespace, base: Path, key: Path | None) -> str:
    """The commented profile text."""
    def line(name: str, value: str | None, comment: str) -> str:
        if value is None:
            return f"# {name} = ...    # {comment}"
        return f"{name} = {_string(value)}    # {comment}"

    def path(p: Path | None) -> str | None:
        return _relative(p, base) if p is not None else None

    ledger_path = ledger_dsn = None
    if args.ledger:
        if "://" in args.ledger:
            ledger_dsn = args.ledger
        else:
            ledger_path = path(Path(args.ledger))
    seal_kind = "PKCS#12" if args.seal and is_pkcs12(str(args.seal)) else "PEM certificate chain"
    parts = [
        "# edcissuer issuer profile (docs/config.md). Read by every command: --config FILE,",
        "# $EDCISSUER_CONFIG, or ./edcissuer.toml. Command-line flags always win.",
        "# Paths are relative to this file. NO SECRETS here: passwords and DSNs with a",
        "# password go in environment variables, named by the *_env keys.",
        "version = 1",
        "",
        "[issuer]",
        line("name", args.name, "institution name"),
        line("did", args.did, "issuer DID (default: the key's did:key)"),
        line("key", path(key), "Data Integrity / JWT signing key (PEM or JWK)"),
        line("key_password_env", args.key_password_env, "variable holding the key's password"),
        line("seal", path(args.seal), f"JAdES e-seal ({seal_kind})"),
        line("seal_key", path(args.seal_key), "private key of a PEM seal chain"),
        line("seal_password_env", args.seal_password_env, "variable holding the seal's password"),
        "",
        "[status]",
        line("base_url", args.status_base_url, "public URL the status lists are published under"),
        line("dir", path(args.status_dir), "local folder the signed lists are written to (publish it)"),
        "# key = ...    # key that signs the lists when the issuer signs with a seal",
        "",
        "[ledger]",
        line("path" if ledger_dsn is None else "dsn", ledger_path or ledger_dsn, "the issuance ledger"),
        line("dsn_env", args.ledger_dsn_env, "variable holding a DSN with password"),
        "",
        "[defaults]",
        line("format", args.format, "elm or ob3 (issue, batch); both: batch only"),
        line("language", args.lang, "default language"),
        line("profile", args.profile, "alliance profile name"),
        "# proof = ...    # default proof of issue/batch",
        "",
        "[verify]",
        "# trust = ...    # trust list (TOML)",
        "# policy = ...    # recognition policy (TOML)",
        "# allow_hosts = []    # hosts remote lookups may use",
        "",
    ]
    return "\n".join(parts)


def _write(path: Path, text: str, *, force: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError as exc:
        raise ConfigError(f"{path} exists; give --force to replace it", field="out", value=str(path)) from exc
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}", field="out", value=str(path)) from exc
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def cmd_init(args: argparse.Namespace) -> int:
    out: Path = args.out.expanduser().absolute()
    base = out.parent
    if out.exists() and not args.force:
        raise ConfigError(f"{out} exists; give --force to replace it", field="out", value=str(out))
    key: Path | None = args.key
    if args.new_key:
        key = key.expanduser().absolute() if key else base / DEFAULT_NEW_KEY
    text = render(args, base, key)
    try:  # refuse a secret (or any bad value) before anything is written: no key, no profile
        parse_profile(text, out)
    except ConfigError as exc:
        flag = _FLAGS.get(str(exc.field))
        raise UsageError(f"{flag} ({exc.field}): {exc.message}" if flag else str(exc)) from exc
    if args.new_key:
        assert key is not None
        password = None
        if args.key_password_env:
            password = os.environ.get(args.key_password_env, "").encode() or None
            if password is None:
                raise ConfigError(f"environment variable {args.key_password_env} is not set (the new key's "
                                  "password)", field="key_password_env")
        key.parent.mkdir(parents=True, exist_ok=True)
        pair = KeyPair.generate("Ed25519")
        pair.save(key, password=password)  # keys new's code path: 0600, never over an existing key
        print(f"created key {key} ({pair.did_key})", file=sys.stderr)
    base.mkdir(parents=True, exist_ok=True)
    _write(out, text, force=args.force)
    config = load_config(out)  # what was written is what every command reads
    print(f"wrote {out} (0600)")
    print("next steps:")
    values = config.values()
    if config.profile.issuer.key_password_env:
        print(f"  export {config.profile.issuer.key_password_env}=...   # the key's password, before signing")
    if config.profile.issuer.did and config.profile.issuer.did.startswith("did:web:") and key:
        print(f"  edcissuer keys did-web {config.profile.issuer.did} {key} -o did.json   # publish it")
    if "status.dir" in values:
        print(f"  publish {values['status.dir']} at {config.profile.status.base_url or '[status] base_url'}")
    print("  edcissuer batch PROGRAMME ROWS --out DIR        # issue a cohort")
    print("  edcissuer revoke CREDENTIAL_ID --reason TEXT     # revoke, re-sign the lists")
    print("  edcissuer status publish                         # renew the lists before they expire")
    return 0
