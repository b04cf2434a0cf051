"""The one place for instants: parsing xsd:dateTime, writing `...Z`, the clock skew.

Why one module: six parsers with six rules meant that the same `validFrom` could be a
valid date to one check and garbage to the next. Every date in a credential, proof,
header, status list or ledger row is read by `parse_xsd_datetime` and written by `iso_z`.
Library code never reads the clock: `now` is always a parameter (see `require_aware`).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import EdcIssuerError

#: tolerated difference between the issuer's and the verifier's clocks; carried in
#: VerifyOptions.clock_skew to every check (this is only its default)
CLOCK_SKEW = timedelta(minutes=5)

# xsd:dateTime (XML Schema 1.1 part 2, 3.3.7) with a four-digit year: no week dates, no
# date-only forms, no spaces, which datetime.fromisoformat would accept
_XSD_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))?"
    r"(?P<tz>Z|z|[+-]\d{2}:\d{2})?$", re.ASCII)


def parse_xsd_datetime(value: Any, *, assume_utc: bool = False) -> datetime | None:
    """An xsd:dateTime string as an aware datetime, or None when it is not one.

    A value without a timezone is refused (None) unless `assume_utc`: VC 2.0 and Data
    Integrity want xsd:dateTimeStamp, while VC 1.1 / ELM dates may omit the offset.
    Fractions beyond microseconds are truncated, never rounded into the next second.
    """
    if not isinstance(value, str) or len(value) > 64:
        return None
    match = _XSD_DATETIME.match(value)
    if match is None:
        return None
    frac = (match["frac"] or "")[:6]
    tz = match["tz"]
    text = f"{match['date']}T{match['time']}" + (f".{frac.ljust(6, '0')}" if frac else "")
    if tz in ("Z", "z"):
        text += "+00:00"
    elif tz:
        text += tz
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:  # month 13, hour 25, offset +24:00 ...
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc) if assume_utc else None
    return moment


def as_utc(moment: datetime) -> datetime:
    """Naive datetimes are read as UTC so callers may pass either kind."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def iso_z(moment: datetime) -> str:
    """The one textual form of instants: `YYYY-MM-DDThh:mm:ssZ` (UTC, whole seconds)."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_z_precise(moment: datetime) -> str:
    """`iso_z` keeping a fraction of a second when there is one (proof `created` values)."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def require_aware(now: Any, error: type[EdcIssuerError], *, field: str = "now") -> datetime:
    """`now` itself when it is a timezone-aware datetime; raises `error` (misuse) otherwise."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise error(f"{field} must be a timezone-aware datetime", field=field, value=str(now))
    return now
