"""The benchmark's JavaScript reference signs like for like: digitalbazaar's vc.issue with our demo key and
`created` makes byte-identical proofValues to ours on OB3 and ELM documents, and verifies ours.

No timing is asserted (the rates are only checked to be there). Skipped, with one reason, without node or
the pinned npm packages; FAILS instead when EDCISSUER_REQUIRE_INTEROP=1 (as the interop suite does).
"""
from __future__ import annotations

import importlib.util
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from edcissuer.crypto.keys import KeyPair
from edcissuer.demo import load_demo_keys
from edcissuer.issue import map_record
from edcissuer.models.records import load_record, with_issuer_id
from edcissuer.proofs.data_integrity import add_proof, format_datetime

ROOT = Path(__file__).resolve().parents[1]
CREATED = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
REQUIRE_ENV = "EDCISSUER_REQUIRE_INTEROP"


def _load_js_reference() -> ModuleType:
    """benchmarks/js_reference.py, by path (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("js_reference", ROOT / "benchmarks" / "js_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


js_reference = _load_js_reference()
_REASON: str | None = js_reference.unavailable_reason("digitalbazaar", install=False)
_REQUIRED = os.environ.get(REQUIRE_ENV, "") == "1"
if _REASON is not None and not _REQUIRED:
    pytest.skip(f"JS reference (digitalbazaar vc) unavailable: {_REASON} (set {REQUIRE_ENV}=1 to make this a "
                "failure)", allow_module_level=True)


@pytest.fixture(scope="module")
def available() -> None:
    """Required (EDCISSUER_REQUIRE_INTEROP=1) and unavailable: each test fails, saying why."""
    if _REASON is not None:
        pytest.fail(f"{REQUIRE_ENV}=1 but the JS reference cannot run: {_REASON}", pytrace=False)


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return load_demo_keys(ROOT).issuer


@pytest.fixture(scope="module")
def documents(key: KeyPair) -> list[dict[str, Any]]:
    """Two OB3 documents and one ELM document, from two sample records, issued by the demo did:key."""
    paths = sorted((ROOT / "samples" / "records").glob("*.yaml"))[:2]
    records = [with_issuer_id(load_record(p), key.did_key) for p in paths]
    return [map_record(records[0], "ob3"), map_record(records[1], "ob3"), map_record(records[0], "elm")]


def _ours(docs: list[dict[str, Any]], key: KeyPair, created: datetime) -> list[dict[str, Any]]:
    return [add_proof(d, key, cryptosuite="eddsa-rdfc-2022", created=created) for d in docs]


@pytest.mark.usefixtures("available")
def test_digitalbazaar_signs_ob3_and_elm_byte_identical_to_ours_and_verifies_ours(
        documents: list[dict[str, Any]], key: KeyPair) -> None:
    ours = _ours(documents, key, CREATED)
    result = js_reference.measure_digitalbazaar(documents, ours, rounds=1, created=format_datetime(CREATED),
                                                key=key)
    assert result is not None, js_reference.why_unavailable()
    assert result["errors"] == [None, None, None]
    assert result["proof_values"] == [d["proof"]["proofValue"] for d in ours]
    assert result["same_proof_values"] and result["differing"] == [] and result["compared"] == 3
    assert result["verified"] == [True, True, True]
    assert result["not_served"] == []
    assert result["sign_per_s"] > 0 and result["verify_per_s"] > 0


@pytest.mark.usefixtures("available")
def test_a_proof_made_at_another_time_is_reported_as_differing_not_hidden(
        documents: list[dict[str, Any]], key: KeyPair) -> None:
    later = _ours(documents[:1], key, CREATED + timedelta(seconds=1))
    result = js_reference.measure_digitalbazaar(documents[:1], later, rounds=1, created=format_datetime(CREATED),
                                                key=key)
    assert result is not None, js_reference.why_unavailable()
    assert result["differing"] == [0] and not result["same_proof_values"]
    assert result["verified"] == [True]          # ours is still a valid proof, only not the same bytes
    assert "DIFFERENT" in js_reference.fairness_line(result)
