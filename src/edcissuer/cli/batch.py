"""`edcissuer batch PROGRAMME ROWS ...`: a cohort to signed credentials, with ledger and status lists."""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..batch import count_rows, load_programme, read_rows, run_batch
from ..crypto.keys import KeyPair
from ..errors import InputError
from ..issue import FORMATS
from ..ledger import Ledger
from ..status.publish import DEFAULT_VALIDITY, StatusListSettings
from .common import moment
from .issue import add_signer_arguments, signer_from_args

DEFAULT_LEDGER = "ledger.sqlite"


def add_status_arguments(parser: argparse.ArgumentParser, *, issuing: bool) -> None:
    """Status list options shared by `batch` and the revoke/suspend/reinstate/status commands."""
    g = parser.add_argument_group("status lists")
    if issuing:
        g.add_argument("--status-url", metavar="URL",
                       help="base URL the status lists are published under, e.g. https://uni.example/status")
        g.add_argument("--no-status", action="store_true", help="issue without credentialStatus (not revocable)")
    g.add_argument("--status-dir", type=Path, metavar="DIR",
                   help="folder the signed status list credentials are written to" +
                        (" (default: OUT/status)" if issuing else ""), required=not issuing)
    g.add_argument("--status-key", type=Path, metavar="KEY",
                   help="key that signs the lists (default: --key; needed with a seal signer)")
    g.add_argument("--list-validity-days", type=int, default=DEFAULT_VALIDITY.days, metavar="N",
                   help=f"validity of each published list (default {DEFAULT_VALIDITY.days}); re-publish before")


def status_settings(args: argparse.Namespace, signer: Any, directory: Path, base_url: str | None,
                    password: bytes | None = None) -> StatusListSettings:
    from datetime import timedelta

    key = KeyPair.load(args.status_key, password=password) if args.status_key else signer
    if not isinstance(key, KeyPair):
        raise InputError("status lists are signed with a Data Integrity key: give --status-key with a seal",
                         field="status_key")
    return StatusListSettings(base_url, directory, key, issuer=args.issuer_did,
                              valid_for=timedelta(days=args.list_validity_days))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("batch", help="issue a cohort: programme file + CSV rows (or a JSON/YAML list of records)",
                       description="Issue one credential per row and format, exactly once across re-runs. "
                                   "ROWS is a CSV file (one learner a row) merged over PROGRAMME, or give just "
                                   "one JSON/YAML file holding a list of full records.")
    p.add_argument("programme", type=Path, metavar="PROGRAMME", help="shared micro-programme elements (YAML/JSON)")
    p.add_argument("rows", type=Path, nargs="?", metavar="ROWS", help="learner rows (.csv) or records (.json/.yaml)")
    p.add_argument("--format", choices=[*FORMATS, "both"], required=True)
    add_signer_arguments(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    p.add_argument("--ledger", metavar="PATH|DSN",
                   help=f"SQLite file or postgresql:// DSN (default: OUT/{DEFAULT_LEDGER})")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="signing processes (default: one per core)")
    add_status_arguments(p, issuing=True)
    p.add_argument("--now", type=moment, help="issuance time (default: now)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_batch)


def cmd_batch(args: argparse.Namespace) -> int:
    programme_path, rows_path = (args.programme, args.rows) if args.rows else (None, args.programme)
    if not (args.no_status or args.status_url):
        raise InputError("give --status-url (where the status lists will be published) or --no-status",
                         field="status_url")
    signer = signer_from_args(args)
    formats = list(FORMATS) if args.format == "both" else [args.format]
    password = os.environ.get(args.password_env, "").encode() if args.password_env else None
    status = None if args.no_status else status_settings(args, signer, args.status_dir or args.out / "status",
                                                         args.status_url, password or None)
    programme = load_programme(programme_path) if programme_path else None
    now = args.now or datetime.now(timezone.utc)
    total = count_rows(rows_path)
    with Ledger.open(args.ledger or args.out / DEFAULT_LEDGER) as ledger, _progress(args, total, formats) as bar:
        report = run_batch(programme, read_rows(rows_path), formats=formats, signer=signer, out_dir=args.out,
                           ledger=ledger, status_lists=status, now=now, workers=max(1, args.workers),
                           proof=args.proof, issuer_did=args.issuer_did, progress=bar)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.to_text())
    return 1 if report.refused_rows else 0


class _progress:
    """tqdm on stderr (off when not a terminal or with --no-progress), as a progress callback."""

    def __init__(self, args: argparse.Namespace, rows: int | None, formats: list[str]) -> None:
        from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

        self.bar = tqdm(total=rows * len(formats) if rows is not None else None, unit="cred", file=sys.stderr,
                        disable=True if args.no_progress else None, dynamic_ncols=True, desc="issuing")

    def __enter__(self) -> _progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()

    def __call__(self, kind: str, n: int) -> None:
        self.bar.update(n)
