"""`edcissuer verify PATH... [--json]`: check credentials and print one report per file."""
from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from ..crypto.x509 import load_certificates
from ..verify import VerifyOptions, verify


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("verify", help="verify credentials (Data Integrity, JWT or JAdES seal)")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--json", action="store_true", help="machine-readable JSON report")
    p.add_argument("--trust-anchor", type=Path, action="append", default=[],
                   help="CA certificate (PEM) trusted for JAdES seals; repeatable")
    p.add_argument("--did-web-dir", type=Path, help="local folder of published did:web documents")
    p.add_argument("--now", type=datetime.fromisoformat, help="verify as of this time (ISO 8601)")
    p.set_defaults(handler=cmd_verify)


def options_from_args(args: argparse.Namespace) -> VerifyOptions:
    anchors = tuple(c for path in args.trust_anchor for c in load_certificates(path.read_bytes()))
    return VerifyOptions(now=args.now, trust_anchors=anchors, did_web_dir=args.did_web_dir)


def cmd_verify(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    results = {str(p): verify(p, options) for p in args.paths}
    if args.json:
        print(json.dumps({path: r.to_dict() for path, r in results.items()}, indent=2, ensure_ascii=False))
    else:
        for path, result in results.items():
            print(f"{path}: {result.to_text()}")
    return 0 if all(r.verified for r in results.values()) else 1
