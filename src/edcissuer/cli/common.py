"""Argument types the subcommands share."""
from __future__ import annotations

import argparse
from datetime import datetime, timezone


def moment(text: str) -> datetime:
    """An ISO 8601 date-time argument; UTC when it carries no zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
