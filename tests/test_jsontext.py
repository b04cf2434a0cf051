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


def test_a_json_copy_is_equal_and_shares_nothing_mutable(records):
    from edcissuer.issue import map_record
    from edcissuer.jsontext import json_copy

    doc = map_record(next(iter(records.values())), "elm")
    copied = json_copy(doc)
    assert copied == doc and copied is not doc
    copied["credentialSubject"]["changed"] = True
    copied["@context"].append("urn:changed")
    assert "changed" not in doc["credentialSubject"] and "urn:changed" not in doc["@context"]


def test_what_is_not_plain_json_is_copied_as_deepcopy_copies_it():
    import copy as stdcopy

    from edcissuer.jsontext import json_copy

    cyclic: dict = {"a": [1, (2, 3)]}
    cyclic["self"] = cyclic
    copied = json_copy(cyclic)
    assert copied["a"][1] == (2, 3) and copied["self"]["a"] == [1, (2, 3)]
    deep: list = []
    node = deep
    for _ in range(150):   # past json_copy's own depth: deepcopy takes the rest
        node.append([])
        node = node[0]
    assert json_copy(deep) == stdcopy.deepcopy(deep)
