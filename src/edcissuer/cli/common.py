"""Argument types the subcommands share."""
from __future__ import annotations

import argparse
from datetime import datetime

from ..time import parse_xsd_datetime


def moment(text: str) -> datetime:
    """An ISO 8601 / xsd:dateTime argument (e.g. 2026-11-24T12:00:00Z); UTC when it carries no zone."""
    value = parse_xsd_datetime(text.strip(), assume_utc=True)
    if value is None:
        raise argparse.ArgumentTypeError(f"not a date-time: {text!r} (expected YYYY-MM-DDThh:mm:ssZ, "
                                         "e.g. 2026-11-24T12:00:00Z)")
    return value
