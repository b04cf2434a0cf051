"""`edcissuer revoke|suspend|reinstate CREDENTIAL` and `edcissuer status publish|show`.

Each state change updates the ledger first and then re-signs the affected status
lists into the status folder, which the issuer publishes at the lists' URLs.
CREDENTIAL is a credential id, a bare UUID or an issued file; `--student` finds a
learner's credentials through the ledger's keyed pseudonym (ledger.lookup).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..batch import derive_pseudonym_key
from ..crypto.keys import KeyPair
from ..errors import InputError
from ..ledger import Found, Ledger, LedgerEntry, resolve_credential
from ..status.publish import StatusListSettings, publish_status_lists
from .common import moment
from .issue import add_status_arguments, status_settings

WHICH = ("CREDENTIAL is a credential id (urn:uuid:...), a bare UUID, or the path of an issued file; "
         "or give --student STUDENT_ID instead (found through the ledger's keyed learner reference, "
         "which needs the issuing key).")


def _password(args: argparse.Namespace) -> bytes | None:
    return (os.environ.get(args.password_env, "").encode() or None) if args.password_env else None


def _which(p: argparse.ArgumentParser) -> None:
    p.add_argument("credential", nargs="?", metavar="CREDENTIAL", help="credential id, bare UUID or issued file")
    p.add_argument("--student", metavar="STUDENT_ID", help="the learner's student id instead of CREDENTIAL")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ledger", required=True, metavar="PATH|DSN", help="the issuance ledger (SQLite file or DSN)")
    p.add_argument("--key", type=Path, required=True,
                   help="the issuer's Data Integrity key (signs the lists; with --student it also keys the "
                        "learner reference)")
    p.add_argument("--issuer-did", help="issuer DID the lists were published under (default: the key's did:key)")
    p.add_argument("--password-env", metavar="VAR", help="environment variable holding the key password")
    add_status_arguments(p, issuing=False)
    p.add_argument("--now", type=moment, help="time of the change (default: now)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    helps = {"revoke": "revoke a credential for good (all its formats) and re-sign its status lists",
             "suspend": "suspend a credential (reversible) and re-sign its status lists",
             "reinstate": "lift a suspension and re-sign the status lists"}
    for action, text in helps.items():
        p = sub.add_parser(action, help=text, description=f"{text}. {WHICH}")
        _which(p)
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
    show = actions.add_parser("show", help="what the ledger holds for a credential (no personal data)",
                              description=f"What the ledger holds for a credential (JSON). {WHICH}")
    _which(show)
    show.add_argument("--ledger", required=True, metavar="PATH|DSN", help="the issuance ledger (SQLite file or DSN)")
    show.add_argument("--key", type=Path, help="with --student: the issuing key the learner reference is keyed by")
    show.add_argument("--password-env", metavar="VAR", help="environment variable holding the key password")
    show.set_defaults(handler=cmd_show)


def _settings(args: argparse.Namespace) -> StatusListSettings:
    key = KeyPair.load(args.key, password=_password(args))
    return status_settings(args, key, args.status_dir, None, _password(args))


def _find(args: argparse.Namespace, ledger: Ledger) -> Found:
    """CREDENTIAL or --student -> the ledger's credentials (the pseudonym key comes from --key)."""
    if (args.credential is None) == (args.student is None):
        raise InputError("give CREDENTIAL (id, UUID or file) or --student STUDENT_ID, one of them",
                         field="credential")
    key = None
    if args.student is not None:
        if not getattr(args, "key", None):
            raise InputError("--student needs --key: learner references are keyed by the issuing key",
                             field="key")
        key = derive_pseudonym_key(KeyPair.load(args.key, password=_password(args)))
    return resolve_credential(ledger, args.credential, student=args.student, pseudonym_key=key)


def _entry(e: LedgerEntry) -> dict[str, Any]:
    return {"credentialId": e.credential_id, "format": e.format, "proof": e.proof, "state": e.state,
            "reason": e.reason, "stateAt": e.state_at.isoformat(), "statusList": e.status_list,
            "statusListIndex": e.status_index, "issuedAt": e.issued_at.isoformat() if e.issued_at else None,
            "outputSha256": e.output_sha256, "outputPath": e.output_path}


def cmd_change(args: argparse.Namespace) -> int:
    settings = _settings(args)
    now = args.now or datetime.now(timezone.utc)
    with Ledger.open(args.ledger) as ledger:
        credential_id = _find(args, ledger).one()
        changed = ledger.change_state(credential_id, args.action, reason=args.reason, at=now, fmt=args.format)
        written = publish_status_lists(ledger, settings, now=now,
                                       list_ids=[e.status_list for e in changed if e.status_list])
    if args.json:
        print(json.dumps({"action": args.action, "changed": [_entry(e) for e in changed],
                          "statusLists": [str(p) for p in written]}, indent=2))
    else:
        for e in changed:
            print(f"{e.credential_id} ({e.format}): {e.state}" + (f" - {e.reason}" if e.reason else ""))
    if args.action == "suspend" and any(e.format == "elm" for e in changed):
        # the EDC shapes allow one status reference, so an ELM file points at the revocation list only
        print("note: the ELM copy cannot show a suspension (an EDC credential carries one status reference, "
              "to the revocation list): verifiers of the ELM file still see it as valid; the OB3 copy shows "
              "it suspended (docs/status-lists.md)", file=sys.stderr)
    print(f"re-signed {len(written)} status list credential(s) in {settings.directory}", file=sys.stderr)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    settings = _settings(args)
    with Ledger.open(args.ledger) as ledger:
        written = publish_status_lists(ledger, settings, now=args.now or datetime.now(timezone.utc))
    if args.json:
        print(json.dumps({"statusLists": [str(p) for p in written]}, indent=2))
    else:
        for path in written:
            print(path)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    with Ledger.open(args.ledger) as ledger:
        found = _find(args, ledger)
        events = {cid: ledger.events(cid) for cid in found.credential_ids}
    out: dict[str, Any] = {"entries": [_entry(e) for e in found.entries]}
    out["events"] = events[found.credential_ids[0]] if len(found.credential_ids) == 1 else events
    print(json.dumps(out, indent=2))
    return 0
