"""Reading the institution's TOML files (trust list, policy) with errors that name the key."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from ..files import read_text_input

MAX_TOML_BYTES = 1_000_000


def read_toml(path: str | Path, *, what: str, max_bytes: int = MAX_TOML_BYTES) -> dict[str, Any]:
    """Parse a TOML file, refusing missing, oversized or malformed files with InputError."""
    p = Path(path)
    text = read_text_input(p, max_bytes=max_bytes, what=what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{what} is not valid TOML: {exc}", field=str(p)) from exc


def validation_error(exc: ValidationError, what: str) -> InputError:
    """Every pydantic problem as one InputError naming the dotted TOML keys (first one as `field`)."""
    problems = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or what
        msg = "is not a known key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
        problems.append((loc, msg))
    text = "; ".join(f"{loc}: {msg}" for loc, msg in problems)
    return InputError(f"{what}: {text}", field=problems[0][0] if problems else None)
