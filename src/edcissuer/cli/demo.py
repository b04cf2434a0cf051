"""`edcissuer demo`: issue, sign, verify and export the samples; print a table."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..demo import run_demo


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="issue, sign, verify and export the sample records (DEMO-ONLY keys)")
    p.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder (default out/demo)")
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    report = run_demo(args.out)
    print(report.to_text())
    return 0 if report.ok else 1
