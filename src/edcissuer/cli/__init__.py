"""Command-line interface: parse arguments, call one library function, render, exit.

Exit codes: 0 success / valid, 1 invalid credential or refused record, 2 usage error.
`batch` adds 6 (cli.batch.EXIT_PARTIAL): partly issued, some rows refused and the others issued.
`verify` refines 0 and 1 (recognition.report, docs/recognition-report.md): 0 accepted,
1 not authentic, 3 issuer not trusted or unchecked, 4 incomplete, 5 not recognised.
A user error never shows a Python traceback: library errors carry the field that failed
and are printed as `error: <field>: <message>`.
The issuer profile (edcissuer.toml, docs/config.md) supplies option defaults to every
subcommand (cli/configfile.py); a profile that cannot be used is a usage error (2).
"""
from __future__ import annotations

import argparse
import warnings
import os
import sys
from importlib import metadata
from collections.abc import Sequence

from ..config import Config
from ..errors import EdcIssuerError, RecordValidationError
from . import batch, configfile, cosign, demo, export, init, issue, keys, offer, serve, status, template, trust, verify
from .errors import UsageError, usage_error

# Each module registers its subcommands; add a module here to add commands.
COMMAND_MODULES = (init, keys, issue, cosign, verify, batch, status, export, offer, trust, template, serve, demo)

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _version() -> str:
    try:
        return metadata.version("edcissuer")
    except metadata.PackageNotFoundError:  # running from a source tree without an install
        return "unknown (not installed)"


def build_parser(config: Config | None = None) -> argparse.ArgumentParser:
    """The parser; with an issuer profile, its values are the options' defaults (cli/configfile.py)."""
    parser = argparse.ArgumentParser(
        prog="edcissuer",
        description="Issue, seal, verify and recognise European micro-credentials "
                    "(ELM v3 European Digital Credentials and Open Badges 3.0).")
    parser.add_argument("--version", action="version", version=f"edcissuer {_version()}")
    configfile.add_config_option(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    for command, leaf in configfile.leaf_parsers(parser):
        if command not in configfile.NO_CONFIG_COMMANDS:  # init writes a profile (--out), never reads one
            configfile.add_config_option(leaf, top=False)
    if config is not None:
        configfile.apply(parser, config)
    return parser


def _format_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    line: str | None = None) -> str:
    """Library warnings reach the user as one `warning: …` line, never as Python source locations."""
    return f"warning: {message}\n"


def main(argv: Sequence[str] | None = None) -> int:
    formatter, warnings.formatwarning = warnings.formatwarning, _format_warning
    try:
        return _main(argv)
    finally:
        warnings.formatwarning = formatter


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        config = configfile.load(argv)
        parser = build_parser(config)
    except EdcIssuerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(argv)
    if getattr(args, "config", None) != configfile.prescan(argv)[0]:
        parser.error("--config: give it once, as --config FILE")
    try:
        configfile.finish(args, config)
    except EdcIssuerError as exc:  # a profile value this command cannot use, or its variable is unset
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
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
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
