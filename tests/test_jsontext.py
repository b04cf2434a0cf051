"""Credentials are written exactly as the standard library's indented JSON would write them."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from edcissuer.issue import issue
from edcissuer.jsontext import pretty_json

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_every_sample_credential_is_written_as_json_dumps_writes_it(records, demo_keys, fmt):
    for record in records.values():
        issued = issue(record, fmt=fmt, signer=demo_keys.issuer, now=NOW)
        assert issued.serialize() == json.dumps(issued.credential, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize("value", [
    {"ects": 2.5, "hours": 0, "grade": -0.0, "tiny": 1e-05, "big": 1e16},
    {"huge": 2**70},                      # beyond 64 bits: the standard library writes it
    {"name": "Zoë \u2028 \x1f \x7f 𝄞", "empty": {}, "none": [], "nested": [{"a": [1, True, None]}]},
])
def test_the_text_reads_back_as_the_same_value(value):
    assert json.loads(pretty_json(value)) == value


def test_what_orjson_refuses_still_gets_a_text():
    assert pretty_json({1: "non-string key"}) == json.dumps({1: "non-string key"}, ensure_ascii=False, indent=2)
