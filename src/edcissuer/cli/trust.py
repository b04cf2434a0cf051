"""`edcissuer trust import-tl FILE... --lotl-signer PEM --out anchors.json`.

Reads the EU List of Trusted Lists and national Trusted Lists (ETSI TS 119 612) from local
files, verifies each signature (the LOTL with the certificate the user gives, each national
list with the certificates the LOTL names for its country) and writes the anchor store that
`verify --trust` reads (docs/trusted-lists.md). A refused list exits 1 with the named reason.
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..recognition.trustlists import ImportResult, import_files, short_status, write_store
from ..time import iso_z
from .common import moment


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("trust", help="trust material for verification: EU trusted lists")
    actions = p.add_subparsers(dest="trust_command", metavar="ACTION", required=True)
    imp = actions.add_parser(
        "import-tl", help="verify the EU LOTL and national trusted lists and write an anchor store",
        description="Verify the List of Trusted Lists (with --lotl-signer) and the national trusted lists "
                    "(with the signing certificates the LOTL names for each country); write the CA/QC services "
                    "qualified for e-seals, with their status history, as an anchor store for verify --trust.",
        epilog="The LOTL signing certificates are published by the European Commission in the Official "
               "Journal of the EU; see docs/trusted-lists.md.")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE",
                     help="the LOTL XML and the national trusted-list XML files")
    imp.add_argument("--lotl-signer", type=Path, required=True, metavar="PEM",
                     help="certificate(s) that may sign the LOTL (PEM)")
    imp.add_argument("-o", "--out", type=Path, required=True, metavar="FILE", help="anchor store to write (JSON)")
    imp.add_argument("--allow-expired", action="store_true",
                     help="import a list past its NextUpdate (recorded with a warning; it still does not qualify)")
    imp.add_argument("--now", type=moment, help="check signatures and NextUpdate as of this time (default now)")
    imp.add_argument("--json", action="store_true", help="print the import summary as JSON")
    imp.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    now: datetime = args.now or datetime.now(timezone.utc)
    result = import_files(args.files, lotl_signer=args.lotl_signer, now=now, allow_expired=args.allow_expired)
    write_store(result, args.out, imported_at=now)
    if args.json:
        print(json.dumps(_summary(result, args.out), indent=2))
        return 0
    print(f"LOTL sequence {result.lotl.sequence} issued {iso_z(result.lotl.issued)}: signature valid")
    for info in result.lists:
        count = sum(1 for s in result.services if s.source is info)
        print(f"{info.cite()}: signature valid; {count} e-seal CA/QC service(s)")
    for svc in result.services:
        print(f"  anchor: {svc.country} {svc.tsp} / {svc.name}: {short_status(svc.status.status)} "
              f"since {iso_z(svc.status.start)}")
    for skip in result.skipped:
        print(f"  skipped: {skip.country} {skip.tsp} / {skip.name}: {skip.reason}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"wrote {len(result.services)} service(s) to {args.out}")
    return 0


def _summary(result: ImportResult, out: Path) -> dict[str, Any]:
    """What `--json` prints: each list whose signature held, each anchor written, each service skipped."""
    return {
        "lotl": {"sequence": result.lotl.sequence, "issued": iso_z(result.lotl.issued), "signature": "valid"},
        "lists": [{"list": info.cite(), "signature": "valid",
                   "services": sum(1 for s in result.services if s.source is info)} for info in result.lists],
        "anchors": [{"country": s.country, "tsp": s.tsp, "name": s.name, "status": short_status(s.status.status),
                     "since": iso_z(s.status.start)} for s in result.services],
        "skipped": [{"country": s.country, "tsp": s.tsp, "name": s.name, "reason": s.reason}
                    for s in result.skipped],
        "warnings": list(result.warnings),
        "out": str(out),
    }
