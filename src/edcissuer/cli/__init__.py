"""Command-line interface: parse arguments, call one library function, render, exit.

Exit codes: 0 success / valid, 1 invalid credential or refused record, 2 usage error.
`verify` refines 0 and 1 (recognition.report, docs/recognition-report.md): 0 accepted,
1 not authentic, 3 issuer not trusted or unchecked, 4 incomplete, 5 not recognised.
A user error never shows a Python traceback: library errors carry the field that failed
and are printed as `error: <field>: <message>`.
"""
from __future__ import annotations

import argparse
import sys
from importlib import metadata
from collections.abc import Sequence

from ..errors import EdcIssuerError, RecordValidationError
from . import batch, demo, export, issue, keys, status, trust, verify
from .errors import UsageError, usage_error

# Each module registers its subcommands; add a module here to add commands.
COMMAND_MODULES = (keys, issue, verify, batch, status, export, trust, demo)

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _version() -> str:
    try:
        return metadata.version("edcissuer")
    except metadata.PackageNotFoundError:  # running from a source tree without an install
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edcissuer",
        description="Issue, seal, verify and recognise European micro-credentials "
                    "(ELM v3 European Digital Credentials and Open Badges 3.0).")
    parser.add_argument("--version", action="version", version=f"edcissuer {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RecordValidationError as exc:
        print("error: record refused:", file=sys.stderr)
        for field, message in exc.problems:
            print(f"  - {field}: {message}", file=sys.stderr)
        return EXIT_INVALID
    except EdcIssuerError as exc:
        usage = usage_error(exc, parser, args)
        print(f"error: {usage or exc}", file=sys.stderr)
        return EXIT_USAGE if usage else EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
