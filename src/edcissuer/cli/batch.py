"""`edcissuer batch PROGRAMME ROWS ...`: a cohort to signed credentials, with ledger and status lists."""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from ..batch import BatchPreview, BatchReport, load_programme, preview_batch, read_rows, run_batch
from ..issue import FORMATS
from ..ledger import Ledger
from .common import moment
from .errors import UsageError
from .issue import (
    DEFAULT_LEDGER,
    add_profile_argument,
    add_signer_arguments,
    add_status_arguments,
    issuing_status,
    profile_from_args,
    signer_from_args,
    status_settings,
)

__all__ = ["DEFAULT_LEDGER", "EXIT_PARTIAL", "add_status_arguments", "register", "status_settings"]

#: some rows refused, the others issued (or already issued): the run did something, and needs a look
EXIT_PARTIAL = 6

EPILOG = """\
exit codes:
  0  every row issued (or already issued before)
  1  nothing issued: every row refused, or the run could not start (bad programme, header, key, ledger)
  2  usage error
  6  partly issued: some rows refused (see OUT/errors.jsonl); the others are issued and in OUT/manifest.csv
  with --dry-run (nothing is issued): 0 every row is valid, 1 some row would be refused

Rows naming the same learner twice (student_id, email or learner_id), or repeating another row,
are all refused with both row numbers. OUT/manifest.csv (0600) maps row -> student id ->
credential id -> file; revoke/suspend/status show take that id, a bare UUID, a file or --student.
--dry-run validates, de-duplicates and maps every row and prints every error; it signs
nothing and neither opens the ledger nor writes a file. The output folder is created 0700
and every file in it is 0600 (credentials hold personal data).
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("batch", help="issue a cohort: programme file + CSV/xlsx rows (or a JSON/YAML list of records)",
                       description="Issue one credential per row and format, exactly once across re-runs. "
                                   "ROWS is a table (.csv in any common dialect: comma, semicolon, tab or pipe, "
                                   "with or without a BOM; or .xlsx), one learner a row, merged over PROGRAMME; "
                                   "or give just one JSON/YAML file holding a list of full records.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("programme", type=Path, metavar="PROGRAMME", help="shared micro-programme elements (YAML/JSON)")
    p.add_argument("rows", type=Path, nargs="?", metavar="ROWS",
                   help="learner rows (.csv/.tsv/.xlsx) or records (.json/.yaml)")
    p.add_argument("--format", choices=[*FORMATS, "both"], required=True,
                   help="elm, ob3, or both (two credentials per row)")
    add_signer_arguments(p)
    add_profile_argument(p)
    p.add_argument("-o", "--out", type=Path, metavar="DIR",
                   help="output folder (created 0700; required unless --dry-run)")
    p.add_argument("--ledger", metavar="PATH|DSN",
                   help=f"SQLite file or postgresql:// DSN (default: OUT/{DEFAULT_LEDGER})")
    p.add_argument("--delimiter", metavar="CHAR",
                   help="CSV delimiter (default: detected among , ; tab |); write tab as '\\t'")
    p.add_argument("--dry-run", action="store_true",
                   help="validate and preview every row; sign nothing, touch no ledger, write no file")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="signing processes (default: one per core)")
    add_status_arguments(p, issuing=True)
    p.add_argument("--now", type=moment, help="issuance time (default: now)")
    p.add_argument("--json", action="store_true", help="print the summary (with the manifest) as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_batch)


def exit_code(outcome: str) -> int:
    """complete -> 0, partial -> EXIT_PARTIAL, refused -> 1 (BatchReport/BatchPreview.outcome)."""
    return {"complete": 0, "partial": EXIT_PARTIAL}.get(outcome, 1)


def cmd_batch(args: argparse.Namespace) -> int:
    programme_path, rows_path = (args.programme, args.rows) if args.rows else (None, args.programme)
    delimiter = "\t" if args.delimiter in ("\\t", "tab", "TAB") else args.delimiter
    profile = profile_from_args(args)
    signer = signer_from_args(args)
    formats = list(FORMATS) if args.format == "both" else [args.format]
    programme = load_programme(programme_path) if programme_path else None
    rows = list(read_rows(rows_path, delimiter=delimiter))
    result: BatchPreview | BatchReport
    if args.dry_run:
        result = preview_batch(programme, rows, formats=formats, signer=signer, proof=args.proof,
                               issuer_did=args.issuer_did, profile=profile)
    else:
        if args.out is None:
            raise UsageError("--out: give --out DIR, the folder the credentials are written to")
        status = issuing_status(args, signer, args.status_dir or args.out / "status")
        now = args.now or datetime.now(timezone.utc)
        with Ledger.open(args.ledger or args.out / DEFAULT_LEDGER) as ledger, \
                _progress(args, len(rows), formats) as bar:
            result = run_batch(programme, rows, formats=formats, signer=signer, out_dir=args.out,
                               ledger=ledger, status_lists=status, now=now, workers=max(1, args.workers),
                               proof=args.proof, issuer_did=args.issuer_did, progress=bar, profile=profile)
    print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if args.json else result.to_text())
    if isinstance(result, BatchPreview):     # a preview issues nothing: it passes (0) or finds errors (1)
        return 1 if result.refused_rows else 0
    return exit_code(result.outcome)


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
