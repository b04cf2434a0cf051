"""`edcissuer revoke|suspend|reinstate CREDENTIAL_ID` and `edcissuer status publish|show`.

Each state change updates the ledger first and then re-signs the affected status
lists into the status folder, which the issuer publishes at the lists' URLs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from ..crypto.keys import KeyPair
from ..ledger import Ledger
from ..status.publish import StatusListSettings, publish_status_lists
from .batch import add_status_arguments, status_settings
from .common import moment


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ledger", required=True, metavar="PATH|DSN", help="the issuance ledger (SQLite file or DSN)")
    p.add_argument("--key", type=Path, required=True, help="the issuer's Data Integrity key (signs the lists)")
    p.add_argument("--issuer-did", help="issuer DID the lists were published under (default: the key's did:key)")
    p.add_argument("--password-env", metavar="VAR", help="environment variable holding the key password")
    add_status_arguments(p, issuing=False)
    p.add_argument("--now", type=moment, help="time of the change (default: now)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    helps = {"revoke": "revoke a credential for good (all its formats) and re-sign its status lists",
             "suspend": "suspend a credential (reversible) and re-sign its status lists",
             "reinstate": "lift a suspension and re-sign the status lists"}
    for action, text in helps.items():
        p = sub.add_parser(action, help=text, description=text)
        p.add_argument("credential_id", metavar="CREDENTIAL_ID")
        p.add_argument("--reason", required=action != "reinstate", metavar="TEXT",
                       help="why (kept in the ledger only, never published: keep it short and factual)")
        p.add_argument("--format", choices=["elm", "ob3"], help="only this format (default: every format)")
        _common(p)
        p.set_defaults(handler=cmd_change, action=action)

    p = sub.add_parser("status", help="status lists: re-publish (renew validity) or show a credential's state")
    actions = p.add_subparsers(dest="status_command", metavar="ACTION", required=True)
    pub = actions.add_parser("publish", help="re-sign every status list of this issuer into the status folder")
    _common(pub)
    pub.set_defaults(handler=cmd_publish)
    show = actions.add_parser("show", help="what the ledger holds for a credential id (no personal data)")
    show.add_argument("credential_id", metavar="CREDENTIAL_ID")
    show.add_argument("--ledger", required=True, metavar="PATH|DSN")
    show.set_defaults(handler=cmd_show)


def _settings(args: argparse.Namespace) -> StatusListSettings:
    password = os.environ.get(args.password_env, "").encode() if args.password_env else None
    key = KeyPair.load(args.key, password=password or None)
    return status_settings(args, key, args.status_dir, None, password or None)


def cmd_change(args: argparse.Namespace) -> int:
    settings = _settings(args)
    now = args.now or datetime.now(timezone.utc)
    with Ledger.open(args.ledger) as ledger:
        changed = ledger.change_state(args.credential_id, args.action, reason=args.reason, at=now, fmt=args.format)
        written = publish_status_lists(ledger, settings, now=now,
                                       list_ids=[e.status_list for e in changed if e.status_list])
    for e in changed:
        print(f"{e.credential_id} ({e.format}): {e.state}" + (f" - {e.reason}" if e.reason else ""))
    print(f"re-signed {len(written)} status list credential(s) in {settings.directory}", file=sys.stderr)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    settings = _settings(args)
    with Ledger.open(args.ledger) as ledger:
        written = publish_status_lists(ledger, settings, now=args.now or datetime.now(timezone.utc))
    for path in written:
        print(path)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with Ledger.open(args.ledger) as ledger:
        entries = ledger.find(args.credential_id)
        events = ledger.events(args.credential_id)
    if not entries:
        print(f"error: credential_id: no credential {args.credential_id} in the ledger", file=sys.stderr)
        return 1
    out = [{"credentialId": e.credential_id, "format": e.format, "proof": e.proof, "state": e.state,
            "reason": e.reason, "stateAt": e.state_at.isoformat(), "statusList": e.status_list,
            "statusListIndex": e.status_index, "issuedAt": e.issued_at.isoformat() if e.issued_at else None,
            "outputSha256": e.output_sha256} for e in entries]
    print(json.dumps({"entries": out, "events": events}, indent=2))
    return 0
