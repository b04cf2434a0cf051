"""`edcissuer demo`: issue, sign, verify and export the samples; print a table."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..demo import run_demo


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="issue, sign, verify and export the sample records (DEMO-ONLY keys)",
                       description="Issue every sample record in samples/records/ in both formats with the "
                                   "DEMO-ONLY keys in keys/, verify each credential, apply the sample "
                                   "recognition policies, make every export and run a small batch with a "
                                   "revocation. Run it from the project folder.")
    p.add_argument("-o", "--out", type=Path, default=Path("out/demo"),
                   help="output folder (default out/demo; exports go to OUT/exports/, the batch to OUT/batch/)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of tables")
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    report = run_demo(args.out)
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.json else report.to_text())
    return 0 if report.ok else 1
