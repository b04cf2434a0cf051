"""`edcissuer cosign CREDENTIAL (--key KEY [--did DID] | --seal-cert C --seal-key K | --p12 P) --out FILE`.

A partner of a joint award adds its own signature (JAdES) or proof (Data Integrity) to the
credential the lead already signed; the signed payload is never changed. Refusals name the
check (`payload-unchanged`, `awarding-body`, `not-yet-signed`) and exit 1; nothing is written.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from ..cosign import cosign
from ..issue import load_signer
from ..ledger.outputs import write_atomic
from .errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("cosign", help="add an awarding body's signature to a signed joint-award credential",
                       description="Co-seal a joint award: add one signature (JAdES) or proof (Data Integrity) by "
                                   "one of the credential's awarding bodies, without changing what was signed. "
                                   "Refused when an existing signature no longer verifies (payload-unchanged), "
                                   "the signer is not an awarding body (awarding-body) or that body already "
                                   "signed (not-yet-signed).")
    p.add_argument("credential", type=Path, metavar="CREDENTIAL", help="the signed credential (JAdES or JSON-LD)")
    g = p.add_argument_group("signer (one of)")
    g.add_argument("--key", type=Path, help="the awarding body's signing key (PEM or JWK), for Data Integrity")
    g.add_argument("--seal-cert", type=Path, help="the awarding body's e-seal certificate chain (PEM), for JAdES")
    g.add_argument("--seal-key", type=Path, help="e-seal private key (PEM)")
    g.add_argument("--p12", type=Path, help="e-seal as PKCS#12 (.p12/.pfx)")
    g.add_argument("--password-env", metavar="VAR",
                   help="environment variable holding the key/PKCS#12 password (never on the command line)")
    p.add_argument("--did", help="with --key: the awarding body's did:web, whose DID document lists the key "
                                 "(default: the key's did:key)")
    p.add_argument("--cryptosuite", help="with --key: the Data Integrity suite (default: the key's)")
    p.add_argument("--did-web-dir", type=Path, metavar="DIR",
                   help="local folder of published did:web documents, to check the existing proofs and the new one")
    p.add_argument("-o", "--out", type=Path, required=True, help="output file, written 0600 (never the input)")
    p.set_defaults(handler=cmd_cosign)


def cmd_cosign(args: argparse.Namespace) -> int:
    if args.out.resolve() == args.credential.resolve():
        raise UsageError("--out: write the co-signed credential to a new file, not over CREDENTIAL")
    if args.did_web_dir is not None and not args.did_web_dir.is_dir():
        raise UsageError(f"--did-web-dir {args.did_web_dir}: not a folder")
    password = os.environ.get(args.password_env, "").encode() if args.password_env else None
    signer = load_signer(key=args.key, seal_cert=args.seal_cert, seal_key=args.seal_key, p12=args.p12,
                         password=password or None)
    done = cosign(args.credential, signer, now=datetime.now(timezone.utc), did=args.did,
                  cryptosuite=args.cryptosuite, did_web_dir=args.did_web_dir)
    write_atomic(args.out, done.serialize().encode("utf-8"))
    print(f"co-signed by {done.body.id or done.cosealing.signed_by[-1]} ({done.kind}) -> {args.out}; "
          f"{done.cosealing.summary()}", file=sys.stderr)
    return 0
