"""Usage errors (exit 2), and the library refusals that really are one, worded with CLI flags.

The library names what failed by its own field (`status_key`, a file path, `signer`); a user
typed flags (`--status-key`, `--key FILE`). `usage_error()` decides, in one place for every
command, whether a refusal is the user's command line at fault (a file named on it that
cannot be read, an unusable key or signer, a bad option value) and rewrites the message
so it names the flag. Everything else stays a refusal of the input (exit 1).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import EdcIssuerError, KeyMaterialError, SigningError
from ..files import read_input

#: a file named on the command line is missing, unreadable, a folder, or (for a new file) exists
_FILE_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError)

#: library fields that are no option of any command, and the flags a user gives instead
FIELD_FLAGS = {
    "pem_cert": "--seal-cert",
    "pem_key": "--seal-key",
    "pkcs12": "--p12",
}
#: library fields that stand for a choice among flags: the choice, said after the library's message
FIELD_HINTS = {
    "signer": "--key FILE, or --seal-cert FILE with --seal-key FILE, or --p12 FILE",
}

#: fields spelled like an option's dest but naming something in the input, not the option
#: (`json`: a credential file that is not JSON; `--json` only chooses the report format)
_NOT_OPTIONS = frozenset({"json"})

_PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


class UsageError(Exception):
    """A command-line problem the user must fix (exit code 2); the message names the flag."""


def _chosen_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)parser that parsed the command the user ran, e.g. `keys new`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            choice = getattr(args, action.dest, None)
            if choice in action.choices:
                return _chosen_parser(action.choices[choice], args)
    return parser


def _options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[tuple[str | None, argparse.Action]]:
    """(flag, action) for each argument of the chosen command; flag None for a positional."""
    chosen = _chosen_parser(parser, args)
    return [(max(a.option_strings, key=len) if a.option_strings else None, a) for a in chosen._actions
            if a.dest not in ("help", "version") and not isinstance(a, argparse._SubParsersAction)]


def _given_paths(args: argparse.Namespace, action: argparse.Action) -> list[Path]:
    value: Any = getattr(args, action.dest, None)
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, Path)]


def is_certificate(path: Path) -> bool:
    """True when the file is a PEM X.509 certificate (what a seal's --seal-cert takes), not a key."""
    try:
        raw = read_input(path, max_bytes=1_000_000, what="key file")
    except EdcIssuerError:
        return False
    return _PEM_CERTIFICATE in raw and b"PRIVATE KEY-----" not in raw


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__
    return seen


def _certificate_as_key(options: list[tuple[str | None, argparse.Action]], args: argparse.Namespace) -> str | None:
    """The message for a certificate given where a private key belongs, if that is what happened."""
    flags = {flag for flag, _ in options}
    for flag, action in options:
        if not action.dest.endswith(("key", "keys")):
            continue
        for path in _given_paths(args, action):
            if is_certificate(path):
                hint = ("pass it as --seal-cert and its private key as --seal-key" if "--seal-cert" in flags
                        and flag != "--seal-key" else "give the key file instead")
                named = f"{flag} {path}" if flag else str(path)
                return f"{named} is an X.509 certificate, not a private key; {hint}"
    return None


def usage_error(exc: EdcIssuerError, parser: argparse.ArgumentParser, args: argparse.Namespace) -> UsageError | None:
    """The usage error `exc` really is, worded with the command's flags; None when it is not one."""
    options = _options(parser, args)
    chain = _chain(exc)
    innermost = next(e for e in reversed(chain) if isinstance(e, EdcIssuerError))
    by_path = {str(p): flag for flag, action in options for p in _given_paths(args, action)}
    # a file named on the command line that cannot be read (or, to be created, already exists)
    named = next((str(e.field if str(e.field) in by_path else e.value) for e in chain
                  if isinstance(e, EdcIssuerError) and (str(e.field) in by_path or str(e.value) in by_path)), None)
    prefix = None if named is None else f"{by_path[named]} {named}" if by_path[named] else named
    if prefix and (any(isinstance(e, _FILE_ERRORS) for e in chain) or Path(str(named)).is_dir()):
        return UsageError(f"{prefix}: {innermost.message.removeprefix(f'{named}: ')}")
    if isinstance(exc, (KeyMaterialError, SigningError)):
        certificate = _certificate_as_key(options, args)
        if certificate:
            return UsageError(certificate)
    if isinstance(exc, KeyMaterialError) and prefix:  # a key file named on the command line is unusable
        return UsageError(f"{prefix}: {innermost.message.removeprefix(f'{named}: ')}")
    if isinstance(exc, (KeyMaterialError, SigningError)) and exc.field in FIELD_FLAGS:
        return UsageError(f"{FIELD_FLAGS[exc.field]}: {exc.message}")
    if isinstance(exc, (KeyMaterialError, SigningError)) and exc.field in FIELD_HINTS:
        return UsageError(f"{exc.message} ({FIELD_HINTS[exc.field]})")
    # a field the library names after an option of the command: the value given is at fault, or the
    # option was needed and the message says so (a field that only shares an option's name is neither)
    field = (exc.field or "").replace("-", "_")
    for flag, action in options:
        if flag and field == action.dest and field not in _NOT_OPTIONS:
            given = getattr(args, action.dest, None) not in (None, False, [], action.default)
            if given or any(option in exc.message for option in action.option_strings if option.startswith("--")):
                return UsageError(f"{flag}: {exc.message}")
    if isinstance(exc, KeyMaterialError):  # a key the user handed over is unusable
        return UsageError(str(exc))
    return None
