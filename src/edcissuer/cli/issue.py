"""`edcissuer issue RECORD ...`: one record to one signed credential."""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from ..issue import FORMATS, PROOFS, issue, load_signer
from ..mapping.ob3 import FORMS as OB3_FORMS
from ..models.records import load_record


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


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("issue", help="issue one signed credential from a record (JSON or YAML)")
    p.add_argument("record", type=Path)
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--ob3-form", choices=OB3_FORMS, default="standard",
                   help="OB3 only: 'standard' (default) uses only the VC 2.0 and OB 3.0 contexts and verifies in "
                        "every OB3 verifier; 'extended' adds edcissuer's extension context with every language, "
                        "which verifiers without that context refuse")
    add_signer_arguments(p)
    p.add_argument("-o", "--out", type=Path, help="output file (default: stdout)")
    p.set_defaults(handler=cmd_issue)


def cmd_issue(args: argparse.Namespace) -> int:
    record = load_record(args.record)
    signer = signer_from_args(args)
    issued = issue(record, fmt=args.format, signer=signer, proof=args.proof, issuer_did=args.issuer_did,
                   ob3_form=args.ob3_form, now=datetime.now(timezone.utc))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(issued.serialize(), encoding="utf-8")
        print(f"issued {issued.credential_id} ({args.format}, {issued.proof}) -> {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(issued.serialize())
    return 0
