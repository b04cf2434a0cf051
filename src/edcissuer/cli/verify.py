"""`edcissuer verify PATH... [--policy FILE] [--trust FILE] [--json] [--stack]`.

Verifies credentials (files, or folders walked for *.json, *.jsonld, *.jwt) and, with a
policy, decides on their recognition; the report is `edcissuer.recognition.assess()`'s.
Exit codes (docs/recognition-report.md), the first stage some credential fails:
0 accepted (every credential authentic, issuer trusted, complete and, with --policy,
recognised), 1 not authentic (or no credential), 2 usage error (bad arguments, unreadable
policy/trust list), 3 authentic but an issuer not trusted or unchecked (no --trust),
4 not a complete micro-credential, 5 not recognised by the policy (with --stack: target
not reached; 3 when reached by a credential whose issuer is not trusted).
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from ..crypto.x509 import load_certificates
from ..errors import EdcIssuerError
from ..recognition import assess, load_policy, load_trust_list
from ..recognition.report import EXIT_USAGE
from ..verify import StatusChecker, VerifyOptions
from .common import moment


class UsageError(Exception):
    """A command-line problem the user must fix (exit code 2)."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("verify", help="verify credentials and decide on their recognition",
                       description="Verify credentials (files or folders of *.json, *.jsonld, *.jwt) and, with "
                                   "--policy, decide: recognised / recognised with conditions / not recognised.",
                       epilog="exit codes: 0 accepted (authentic, issuer trusted, complete, recognised); "
                              "1 not authentic; 2 usage error; 3 issuer not trusted or unchecked (no --trust); "
                              "4 incomplete; 5 not recognised (--stack: target not reached)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--policy", type=Path, metavar="FILE", help="recognition policy (TOML)")
    p.add_argument("--trust", type=Path, metavar="FILE", help="trust list of issuers and seal anchors (TOML)")
    p.add_argument("--stack", action="store_true",
                   help="treat the credentials as one learner's and count ECTS towards the policy's target")
    p.add_argument("--json", action="store_true", help="JSON report (docs/recognition-report.md)")
    p.add_argument("-v", "--verbose", action="store_true", help="text report: every check and rule, not only failures")
    p.add_argument("--trust-anchor", type=Path, action="append", default=[],
                   help="CA certificate (PEM) trusted for JAdES seals; repeatable")
    p.add_argument("--did-web-dir", type=Path, help="local folder of published did:web documents")
    p.add_argument("--status-dir", type=Path, metavar="DIR", help="local folder of status list credentials")
    p.add_argument("--challenge", help="challenge the verifier sent, for presentations (replay check)")
    p.add_argument("--domain", help="domain the verifier sent, for presentations (replay check)")
    p.add_argument("--now", type=moment, help="verify as of this time (ISO 8601; default now, UTC if no zone)")
    p.set_defaults(handler=cmd_verify)


def _status_checker(status_dir: Path) -> StatusChecker:
    if not status_dir.is_dir():
        raise UsageError(f"--status-dir {status_dir}: not a folder")
    try:
        from ..status.bitstring import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
            make_status_checker,
        )
    except ImportError as exc:
        raise UsageError("--status-dir needs edcissuer.status.bitstring, which this installation lacks") from exc
    checker: StatusChecker = make_status_checker(status_dir=status_dir, allow_urls=())
    return checker


def options_from_args(args: argparse.Namespace) -> VerifyOptions:
    """VerifyOptions from the command line (trust-list anchors are added by assess())."""
    try:
        anchors = tuple(c for path in args.trust_anchor for c in load_certificates(path.read_bytes()))
    except OSError as exc:
        raise UsageError(f"--trust-anchor: cannot read {exc.filename}: {exc.strerror}") from exc
    except EdcIssuerError as exc:
        raise UsageError(f"--trust-anchor: {exc}") from exc
    status = _status_checker(args.status_dir) if args.status_dir else None
    return VerifyOptions(now=args.now or datetime.now(timezone.utc), trust_anchors=anchors, did_web_dir=args.did_web_dir, status_checker=status,
                         challenge=args.challenge, domain=args.domain)


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        options = options_from_args(args)
        policy = load_policy(args.policy) if args.policy else None
        trust = load_trust_list(args.trust) if args.trust else None
    except (UsageError, EdcIssuerError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    report = assess(args.paths, policy=policy, trust=trust, options=options, stack=args.stack)
    print(report.to_json() if args.json else report.to_text(verbose=args.verbose))
    return report.exit_code
