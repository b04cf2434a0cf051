"""One rule for instants everywhere: xsd:dateTime in, `...Z` out."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from edcissuer.errors import SigningError
from edcissuer.time import iso_z, iso_z_precise, parse_xsd_datetime, require_aware

UTC = timezone.utc


@pytest.mark.parametrize("text,expected", [
    ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2026-01-02T03:04:05.5+01:00", datetime(2026, 1, 2, 2, 4, 5, 500000, tzinfo=UTC)),
    ("2026-01-02T03:04:05.123456789Z", datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
])
def test_xsd_datetimes_parse_to_aware_instants(text, expected):
    assert parse_xsd_datetime(text) == expected


@pytest.mark.parametrize("text", ["2026-01-02", "2026-01-02 03:04:05Z", "2026-W01-1T00:00:00Z", "20260102T030405Z",
                                  "2026-13-02T03:04:05Z", "2026-01-02T25:00:00Z", " 2026-01-02T03:04:05Z",
                                  "２０２６-01-02T03:04:05Z", "", None, 20260102, "2026-01-02T03:04:05" + "0" * 80])
def test_anything_else_is_not_a_datetime(text):
    assert parse_xsd_datetime(text) is None


def test_a_missing_timezone_is_refused_unless_utc_is_assumed():
    assert parse_xsd_datetime("2026-01-02T03:04:05") is None
    assert parse_xsd_datetime("2026-01-02T03:04:05", assume_utc=True) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_instants_are_written_in_utc_with_z():
    moment = datetime(2026, 1, 2, 4, 4, 5, 250000, tzinfo=timezone(timedelta(hours=1)))
    assert iso_z(moment) == "2026-01-02T03:04:05Z"
    assert iso_z_precise(moment) == "2026-01-02T03:04:05.250000Z"


def test_a_naive_now_is_misuse():
    with pytest.raises(SigningError) as caught:
        require_aware(datetime(2026, 1, 1), SigningError, field="created")
    assert caught.value.field == "created"
    assert require_aware(datetime(2026, 1, 1, tzinfo=UTC), SigningError) == datetime(2026, 1, 1, tzinfo=UTC)
