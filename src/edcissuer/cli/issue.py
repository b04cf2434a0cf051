"""`edcissuer issue RECORD ...`: one record to one signed credential (with `--ledger`: recorded, revocable).

Also home of the signer, ledger and status-list options `issue`, `batch` and the
revoke/suspend/reinstate/status commands share, so one option means one thing everywhere.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..batch import issue_recorded
from ..config import discover
from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, InputError
from ..issue import FORMATS, PROOFS, issue, load_signer
from ..ledger import Ledger
from ..ledger.outputs import write_atomic
from ..mapping.ob3 import FORMS as OB3_FORMS
from ..models.records import load_record
from ..profiles import Profile, load_profile
from ..status.publish import DEFAULT_VALIDITY, StatusListSettings
from .errors import UsageError

DEFAULT_LEDGER = "ledger.sqlite"


def add_signer_arguments(parser: argparse.ArgumentParser) -> None:
    """Signer options shared by `issue` and `batch`."""
    g = parser.add_argument_group("signer (one of)")
    g.add_argument("--key", type=Path, help="signing key (PEM or JWK) for Data Integrity / JWT")
    g.add_argument("--seal-cert", type=Path, help="e-seal certificate chain (PEM) for JAdES")
    g.add_argument("--seal-key", type=Path, help="e-seal private key (PEM)")
    g.add_argument("--p12", type=Path, help="e-seal as PKCS#12 (.p12/.pfx)")
    g.add_argument("--password-env", metavar="VAR",
                   help="environment variable holding the key/PKCS#12 password (never on the command line)")
    parser.add_argument("--proof", choices=PROOFS,
                        help="default: jades for ELM with a seal, else the key's Data Integrity suite")
    parser.add_argument("--issuer-did", help="issuer DID whose DID document lists the key (e.g. did:web:...)")


def signer_from_args(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    password = os.environ.get(args.password_env, "").encode() if args.password_env else None
    return load_signer(key=args.key, seal_cert=args.seal_cert, seal_key=args.seal_key, p12=args.p12,
                       password=password or None)


PROFILES_FOLDER = "profiles"


def add_profile_argument(parser: argparse.ArgumentParser) -> None:
    """`--profile NAME|FILE`, shared by `issue` and `batch` (and `defaults.profile` of edcissuer.toml)."""
    parser.add_argument("--profile", metavar="NAME|FILE",
                        help="alliance profile the record must meet (docs/profiles.md): a name looked up as "
                             f"NAME.toml in {PROFILES_FOLDER}/ next to the issuer profile, then ./{PROFILES_FOLDER}/, "
                             "then the shipped ones (diverse, una-europa, ingenium), or a .toml file; a record "
                             "breaking a rule is refused naming it, and the credential states the profile")


def profile_dirs(args: argparse.Namespace) -> list[Path]:
    """The user's profile folders: profiles/ beside the issuer profile (edcissuer.toml), then ./profiles/."""
    dirs: list[Path] = []
    config = discover(getattr(args, "config", None), os.environ, Path.cwd())
    if config is not None:
        dirs.append(config.resolve().parent / PROFILES_FOLDER)
    local = Path.cwd() / PROFILES_FOLDER
    if local not in dirs:
        dirs.append(local)
    return dirs


def profile_from_args(args: argparse.Namespace) -> Profile | None:
    """The alliance profile of `--profile` (or `defaults.profile`), said on stderr; a bad one is a usage error."""
    if not getattr(args, "profile", None):
        return None
    try:
        profile = load_profile(args.profile, profile_dirs(args))
    except EdcIssuerError as exc:
        why = exc.message if exc.field in (None, "profile", str(args.profile)) else str(exc)
        raise UsageError(f"--profile {args.profile}: {why}") from exc
    print(f"alliance profile {profile.name} ({profile.id}) from {profile.path}", file=sys.stderr)
    return profile


def add_status_arguments(parser: argparse.ArgumentParser, *, issuing: bool, default_dir: str = "OUT/status") -> None:
    """Status list options shared by `issue`, `batch` and the revoke/suspend/reinstate/status commands."""
    g = parser.add_argument_group("status lists")
    if issuing:
        g.add_argument("--status-url", metavar="URL",
                       help="base URL the status lists are published under, e.g. https://uni.example/status")
        g.add_argument("--no-status", action="store_true", help="issue without credentialStatus (not revocable)")
    g.add_argument("--status-dir", type=Path, metavar="DIR",
                   help="folder the signed status list credentials are written to" +
                        (f" (default: {default_dir})" if issuing else ""), required=not issuing)
    g.add_argument("--status-key", type=Path, metavar="KEY",
                   help="key that signs the lists (default: --key; needed with a seal signer)")
    g.add_argument("--list-validity-days", type=int, default=DEFAULT_VALIDITY.days, metavar="N",
                   help=f"validity of each published list in days (default {DEFAULT_VALIDITY.days}); re-publish "
                        "the lists (status publish) before they expire")


def status_settings(args: argparse.Namespace, signer: Any, directory: Path, base_url: str | None,
                    password: bytes | None = None) -> StatusListSettings:
    key = KeyPair.load(args.status_key, password=password) if args.status_key else signer
    if not isinstance(key, KeyPair):
        raise InputError("status lists are signed with a Data Integrity key: give --status-key with a seal",
                         field="status_key")
    return StatusListSettings(base_url, directory, key, issuer=args.issuer_did,
                              valid_for=timedelta(days=args.list_validity_days))


def issuing_status(args: argparse.Namespace, signer: Any, default_dir: Path) -> StatusListSettings | None:
    """The status settings of an issuing command: --status-url or an explicit --no-status, never a silent default."""
    if not (args.no_status or args.status_url):
        raise InputError("give --status-url (where the status lists will be published) or --no-status",
                         field="status_url")
    if args.no_status:
        return None
    password = os.environ.get(args.password_env, "").encode() if args.password_env else None
    return status_settings(args, signer, args.status_dir or default_dir, args.status_url, password or None)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("issue", help="issue one signed credential from a record (JSON or YAML)",
                       description="Issue one credential. With --ledger it is recorded like a batch row: its id "
                                   "and status-list index come from the ledger, so it can be revoked, and issuing "
                                   "the same record again gives the same credential.")
    p.add_argument("record", type=Path, metavar="RECORD", help="the micro-credential record (YAML or JSON; docs/records.md)")
    p.add_argument("--format", choices=FORMATS, required=True,
                   help="elm (European Digital Credential) or ob3 (Open Badges 3.0)")
    p.add_argument("--ob3-form", choices=OB3_FORMS, default="standard",
                   help="OB3 only: 'standard' (default) uses only the VC 2.0 and OB 3.0 contexts and verifies in "
                        "every OB3 verifier; 'extended' adds edcissuer's extension context with every language, "
                        "which verifiers without that context refuse")
    add_signer_arguments(p)
    add_profile_argument(p)
    p.add_argument("-o", "--out", type=Path, help="output file, written 0600 (default: stdout; needed with --ledger)")
    p.add_argument("--ledger", metavar="PATH|DSN",
                   help="record the credential in this issuance ledger (SQLite file or postgresql:// DSN) with a "
                        "status-list entry, as batch does; then give --status-url or --no-status")
    add_status_arguments(p, issuing=True, default_dir="the output file's folder/status")
    p.add_argument("--json", action="store_true", help="with --ledger: print what was recorded as JSON")
    p.set_defaults(handler=cmd_issue)


def cmd_issue(args: argparse.Namespace) -> int:
    record = load_record(args.record)
    profile = profile_from_args(args)
    signer = signer_from_args(args)
    now = datetime.now(timezone.utc)
    if args.ledger:
        return _issue_recorded(args, record, signer, now, profile)
    # status lists live in the ledger: a --status-url typed without --ledger is refused; the profile's is unused
    if args.status_url and "status_url" not in getattr(args, "from_profile", frozenset()):
        raise UsageError("--status-url: status lists are kept in the ledger: give --ledger with --status-url")
    issued = issue(record, fmt=args.format, signer=signer, proof=args.proof, issuer_did=args.issuer_did,
                   ob3_form=args.ob3_form, now=now, profile=profile)
    if args.out:
        write_atomic(args.out, issued.serialize().encode("utf-8"))
        print(f"issued {issued.credential_id} ({args.format}, {issued.proof}) -> {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(issued.serialize())
    return 0


def _issue_recorded(args: argparse.Namespace, record: Any, signer: Any, now: datetime,
                    profile: Profile | None) -> int:
    if not args.out:
        raise UsageError("-o: with --ledger give -o FILE: the ledger records which file was issued")
    status = issuing_status(args, signer, args.out.parent / "status")
    with Ledger.open(args.ledger) as ledger:
        done = issue_recorded(record, fmt=args.format, signer=signer, ledger=ledger, status_lists=status,
                              target=args.out, now=now, proof=args.proof, issuer_did=args.issuer_did,
                              ob3_form=args.ob3_form, profile=profile)
    entry = done.entry
    if args.json:
        print(json.dumps({"credentialId": entry.credential_id, "format": entry.format, "proof": entry.proof,
                          "new": done.created, "state": entry.state, "statusList": entry.status_list,
                          "statusListIndex": entry.status_index, "file": str(args.out),
                          "statusLists": [str(p) for p in done.status_lists]}, indent=2))
    what = "issued" if done.created else "already in the ledger; written again"
    print(f"{what}: {entry.credential_id} ({entry.format}, {entry.proof}) -> {args.out}"
          + (f"; status list {entry.status_list} index {entry.status_index}" if entry.status_list else
             "; no status entry (not revocable)"), file=sys.stderr)
    return 0
