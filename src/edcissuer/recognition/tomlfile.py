"""Reading the institution's TOML files (trust list, policy) with errors that name the key."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError

MAX_TOML_BYTES = 1_000_000


def read_toml(path: str | Path, *, what: str, max_bytes: int = MAX_TOML_BYTES) -> dict[str, Any]:
    """Parse a TOML file, refusing missing, oversized or malformed files with InputError."""
    p = Path(path)
    try:
        if p.stat().st_size > max_bytes:
            raise InputError(f"{what} is over the {max_bytes}-byte limit", field=str(p))
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", field=str(p)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text", field=str(p)) from exc
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
