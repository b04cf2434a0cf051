"""`edcissuer template record|csv`: starters a registrar fills in, instead of copying a sample."""
from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

from ..batch import CSV_COLUMNS
from ..errors import InputError
from ..models.template import record_template

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

#: one example learner, one value per `batch.CSV_COLUMNS` column (empty: take the programme's)
CSV_EXAMPLE: dict[str, str] = {
    "learner_id": "did:key:z6MkvaFk1uZ4ukSQEWAyaUkd63LsPwT5NyFsYYiZMvATCxLk",
    "given_name": "Ana", "family_name": "Ferreira", "email": "ana.ferreira@example.org",
    "student_id": "UC-2026-00417", "date_of_birth": "1998-04-12", "issued": "2026-06-30",
    "valid_until": "", "credential_id": "", "grade": "17/20", "grade_scheme": "Portuguese 0-20 scale, pass mark 10",
}


def csv_template() -> str:
    """The header `batch` accepts (every learner column) and one example row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow([CSV_EXAMPLE.get(c, "") for c in CSV_COLUMNS])
    return out.getvalue()


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("template", help="write a starter record (YAML) or cohort file (CSV) to fill in")
    tsub = p.add_subparsers(dest="template_command", metavar="KIND", required=True)
    rec = tsub.add_parser("record", help="a commented YAML record with every field (docs/records.md)")
    rec.add_argument("-o", "--out", type=Path, help="file to write (default: stdout); never overwritten")
    rec.add_argument("--lang", default="en", help="language the texts are keyed by (BCP 47, default en)")
    rec.set_defaults(handler=cmd_record)
    rows = tsub.add_parser("csv", help="the CSV header `edcissuer batch` takes, with one example row")
    rows.add_argument("-o", "--out", type=Path, help="file to write (default: stdout); never overwritten")
    rows.set_defaults(handler=cmd_csv)


def _write(text: str, out: Path | None) -> int:
    if out is None:
        sys.stdout.write(text)
        return 0
    if out.exists():
        raise InputError("exists; not overwritten (choose another -o or delete it)", field=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    if not _LANG.match(args.lang):
        raise InputError(f"{args.lang!r} is not a BCP 47 language tag (e.g. en, pt, de)", field="--lang")
    return _write(record_template(args.lang), args.out)


def cmd_csv(args: argparse.Namespace) -> int:
    return _write(csv_template(), args.out)
