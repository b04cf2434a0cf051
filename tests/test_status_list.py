"""Bitstring Status List v1.0: encoding (spec vectors), entries, signed lists, and the verifier's check."""
from __future__ import annotations

import copy
import gzip
import json
from datetime import timedelta

import pytest
from conftest import NOW, need_reference

from edcissuer.crypto import multibase as mb
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import ContextError
from edcissuer.issue import map_record
from edcissuer.ld.expand import expand_strict
from edcissuer.ld.loader import default_loader
from edcissuer.ledger import StatusListInfo
from edcissuer.proofs.data_integrity import add_proof
from edcissuer.status.bitstring import (
    MIN_ENTRIES,
    STATUS_CONTEXT,
    bit_at,
    decode_list,
    encode_list,
    list_url,
    make_status_checker,
    status_entries,
    status_list_credential,
    with_status_context,
)
from edcissuer.status.publish import StatusListSettings, file_name, sign_status_list

BASE = "https://credentials.univ-lusitania.example/status"
ONE_EDTECH_BIT_23 = "uH4sIAAAAAAAA_-3BMQEAAAzDoMy_6cnoA9QFAAAAAAAAAAAAAAAAAAAAbD3uPa2cAEAAAA"


# --- encoding -------------------------------------------------------------------------------------

@pytest.mark.reference
def test_spec_example_list_decodes_to_131072_clear_bits():
    path = need_reference("vectors", "bitstring-status-list", "example-BitstringStatusListCredential.json")
    example = json.loads(path.read_text())
    bits = decode_list(example["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == MIN_ENTRIES and not any(bits)


def test_bit_order_is_msb_first_as_in_the_1edtech_test_list():
    bits = decode_list(ONE_EDTECH_BIT_23)
    assert [i for i in range(len(bits) * 8) if bit_at(bits, i)] == [23]
    assert decode_list(encode_list([23])) == bits          # compare bitstrings: GZIP headers differ
    assert decode_list(encode_list([0]))[0] == 0x80 and decode_list(encode_list([7]))[0] == 0x01


def test_encoding_is_gzip_in_multibase_base64url_and_reproducible():
    encoded = encode_list([5, 131071])
    assert encoded.startswith("u") and "=" not in encoded
    assert gzip.decompress(mb.decode_base64url(encoded))[-1] == 0x01
    assert encode_list([5, 131071]) == encoded


def test_lists_shorter_than_the_specification_and_out_of_range_indices_are_refused():
    with pytest.raises(ValueError, match="131072"):
        encode_list([], 1024)
    with pytest.raises(ValueError, match="outside"):
        encode_list([MIN_ENTRIES])


def test_malformed_and_oversized_encoded_lists_are_refused():
    for bad in ("zabc", "u!!", mb.encode_base64url(b"not gzip")):
        with pytest.raises(ValueError):
            decode_list(bad)
    bomb = mb.encode_base64url(gzip.compress(bytes(64 * 1024 * 1024)))   # 64 MB of zeros, ~65 KB on the wire
    with pytest.raises(ValueError, match="inflates past"):
        decode_list(bomb)


# --- what credentials carry ---------------------------------------------------------------------

def test_each_credential_gets_a_revocation_and_a_suspension_entry():
    entries = status_entries(BASE, "ab12", 94567)
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension"]
    for e in entries:
        assert e["type"] == "BitstringStatusListEntry" and e["statusListIndex"] == "94567"
        assert e["statusListCredential"] == f"{BASE}/ab12-{e['statusPurpose']}"
        assert e["id"] == f"{e['statusListCredential']}#94567"
    assert file_name(list_url(BASE, "ab12", "revocation")) == "ab12-revocation.json"


def test_elm_needs_the_status_context_for_the_entry_terms_and_ob3_does_not(records):
    record = records["model1-single"]
    entries = status_entries(BASE, "ab12", 7)
    elm = {**map_record(record, "elm"), "credentialStatus": entries}
    with pytest.raises(ContextError, match="statusListIndex"):
        expand_strict(elm, default_loader)
    ready = with_status_context(elm)
    assert ready["@context"][-1] == STATUS_CONTEXT
    expand_strict(ready, default_loader)
    ob3 = {**map_record(record, "ob3"), "credentialStatus": entries}
    assert with_status_context(ob3) is ob3
    expand_strict(ob3, default_loader)


# --- signed lists and the checker ------------------------------------------------------------------

@pytest.fixture
def issuer(demo_keys) -> KeyPair:
    return demo_keys.issuer


@pytest.fixture
def settings(issuer, tmp_path) -> StatusListSettings:
    return StatusListSettings(BASE, tmp_path / "status", issuer)


def info_for(settings: StatusListSettings, list_id: str = "ab12") -> StatusListInfo:
    return StatusListInfo(list_id, BASE, settings.issuer_id, MIN_ENTRIES, 1)


def publish(settings: StatusListSettings, *, revoked=(), suspended=(), list_id="ab12", now=NOW, mutate=None):
    """Write signed revocation + suspension lists of one list id into the settings' folder."""
    settings.directory.mkdir(parents=True, exist_ok=True)
    for purpose, indices in (("revocation", revoked), ("suspension", suspended)):
        doc = sign_status_list(settings, info_for(settings, list_id), purpose=purpose, indices=list(indices),
                               now=now)
        if mutate:
            doc = mutate(purpose, doc)
        (settings.directory / f"{list_id}-{purpose}.json").write_text(json.dumps(doc))


def credential(issuer_id: str, index: int = 42, list_id: str = "ab12") -> dict:
    return {"id": "urn:uuid:c0ffee00-0000-5000-8000-000000000001", "issuer": {"id": issuer_id},
            "credentialStatus": status_entries(BASE, list_id, index)}


def check(settings, cred, *, now=NOW, **kw):
    return make_status_checker(status_dir=settings.directory, **kw)(cred, now)


def test_signed_list_is_a_vc2_bitstring_status_list_credential(settings):
    doc = sign_status_list(settings, info_for(settings), purpose="revocation", indices=[3], now=NOW)
    assert doc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["id"] == f"{BASE}/ab12-revocation" and doc["issuer"] == settings.issuer_id
    assert doc["validUntil"] > doc["validFrom"]
    subject = doc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    assert bit_at(decode_list(subject["encodedList"]), 3) == 1
    assert doc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    expand_strict({k: v for k, v in doc.items() if k != "proof"}, default_loader)


def test_clear_credential_passes(settings, issuer):
    publish(settings, revoked=[1], suspended=[2])
    result = check(settings, credential(issuer.did_key))
    assert result.name == "status" and result.passed, result.reason
    assert [e["status"] for e in result.details["entries"]] == [0, 0]


def test_revoked_and_suspended_are_reported_with_the_reason_when_known(settings, issuer):
    publish(settings, revoked=[42])
    result = check(settings, credential(issuer.did_key))
    assert not result.passed and result.reason.startswith("REVOKED") and result.details["revoked"]
    assert "does not publish" in result.reason
    result = check(settings, credential(issuer.did_key), reasons=lambda cid: "diploma fraud")
    assert "reason: diploma fraud" in result.reason and result.details["reason"] == "diploma fraud"
    publish(settings, suspended=[42])
    result = check(settings, credential(issuer.did_key))
    assert not result.passed and "SUSPENDED" in result.reason and result.details["suspended"]


def test_lists_resolve_through_index_json_too(settings, issuer):
    publish(settings, list_id="ab12")
    for purpose in ("revocation", "suspension"):
        (settings.directory / f"ab12-{purpose}.json").rename(settings.directory / f"{purpose}.bin")
    (settings.directory / "index.json").write_text(json.dumps(
        {f"{BASE}/ab12-{p}": f"{p}.bin" for p in ("revocation", "suspension")}))
    assert check(settings, credential(issuer.did_key)).passed


def test_allow_listed_url_is_fetched_and_others_are_not(settings, issuer):
    publish(settings)
    files = {f"{BASE}/ab12-{p}": (settings.directory / f"ab12-{p}.json").read_bytes()
             for p in ("revocation", "suspension")}
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return files[url]

    ok = make_status_checker(allow_urls=(BASE + "/",), fetch=fetch)(credential(issuer.did_key), NOW)
    assert ok.passed and len(fetched) == 2
    near_miss = make_status_checker(allow_urls=(BASE,), fetch=fetch)(credential(issuer.did_key), NOW)
    assert not near_miss.passed and "not allow-listed" in near_miss.reason


def _tamper(purpose, doc):
    if purpose == "revocation":   # a clean list swapped in after signing
        doc["credentialSubject"]["encodedList"] = encode_list([])
    return doc


@pytest.mark.parametrize("case, expect", [
    ("no-dir", "could not be resolved"),
    ("missing-file", "could not be resolved"),
    ("tampered", "STATUS_VERIFICATION_ERROR"),
    ("wrong-id", "names itself"),
    ("expired", "expired on"),
    ("not-yet-valid", "in the future"),
    ("other-issuer", "not by the credential's issuer"),
    ("wrong-purpose", "not a revocation list"),
    ("unsupported-type", "not supported"),
    ("bad-index", "MALFORMED_VALUE_ERROR"),
    ("short-list", "STATUS_LIST_LENGTH_ERROR"),
    ("empty", "nothing to check"),
])
def test_status_never_passes_silently(settings, issuer, tmp_path, case, expect):
    cred = credential(issuer.did_key)
    checker_dir = settings.directory
    now = NOW
    if case == "no-dir":
        checker_dir = None
    elif case == "missing-file":
        settings.directory.mkdir(parents=True)
    elif case == "tampered":
        publish(settings, revoked=[42], mutate=_tamper)
    elif case == "wrong-id":
        publish(settings, mutate=lambda p, d: {**d, "id": d["id"] + "-elsewhere"})
    elif case == "expired":
        publish(settings)
        now = NOW + timedelta(days=31)
    elif case == "not-yet-valid":
        publish(settings, now=NOW + timedelta(days=1))
    elif case == "other-issuer":
        publish(settings)
        cred["issuer"] = {"id": "did:web:someone-else.example"}
    elif case == "wrong-purpose":
        publish(settings)
        rev = settings.directory / "ab12-revocation.json"
        doc = sign_status_list(settings, info_for(settings), purpose="suspension", indices=[], now=NOW)
        doc = {k: v for k, v in doc.items() if k != "proof"}
        doc["id"] = f"{BASE}/ab12-revocation"
        doc["credentialSubject"]["id"] = doc["id"] + "#list"
        rev.write_text(json.dumps(add_proof(doc, issuer, cryptosuite="eddsa-rdfc-2022", created=NOW)))
    elif case == "unsupported-type":
        publish(settings)
        cred["credentialStatus"][0]["type"] = "CredentialStatusList2017"  # StatusList2021Entry is supported now
    elif case == "bad-index":
        publish(settings)
        cred["credentialStatus"][0]["statusListIndex"] = 42
    elif case == "short-list":
        settings.directory.mkdir(parents=True)
        for purpose in ("revocation", "suspension"):
            doc = status_list_credential(url=f"{BASE}/ab12-{purpose}", issuer=issuer.did_key, purpose=purpose,
                                         encoded_list=mb.encode_base64url(gzip.compress(bytes(1024))),
                                         valid_from=NOW)
            signed = add_proof(doc, issuer, cryptosuite="eddsa-rdfc-2022", created=NOW)
            (settings.directory / f"ab12-{purpose}.json").write_text(json.dumps(signed))
    elif case == "empty":
        cred["credentialStatus"] = []
    result = make_status_checker(status_dir=checker_dir)(copy.deepcopy(cred), now)
    assert result.name == "status" and not result.passed
    assert expect in result.reason, result.reason


def test_a_list_signed_with_another_key_than_its_issuer_is_refused(settings, issuer):
    stranger = KeyPair.generate()
    settings.directory.mkdir(parents=True)
    for purpose in ("revocation", "suspension"):
        doc = status_list_credential(url=f"{BASE}/ab12-{purpose}", issuer=issuer.did_key, purpose=purpose,
                                     encoded_list=encode_list([]), valid_from=NOW)
        signed = add_proof(doc, stranger, cryptosuite="eddsa-rdfc-2022", created=NOW)
        (settings.directory / f"ab12-{purpose}.json").write_text(json.dumps(signed))
    result = check(settings, credential(issuer.did_key))
    assert not result.passed and "not by a key of its issuer" in result.reason


def test_publishing_with_another_issuers_key_is_refused(settings):
    from edcissuer.errors import SigningError

    other = StatusListSettings(BASE, settings.directory, KeyPair.generate())
    with pytest.raises(SigningError, match="belongs to issuer"):
        sign_status_list(other, info_for(settings), purpose="revocation", indices=[], now=NOW)


def test_settings_refuse_a_relative_or_query_url(issuer, tmp_path):
    from edcissuer.errors import SigningError

    for bad in ("status/", "https://x.example/s?q=1", "ftp://x.example/s"):
        with pytest.raises(SigningError, match="base URL"):
            StatusListSettings(bad, tmp_path, issuer)


def test_the_checker_takes_the_verifiers_clock_skew(settings, issuer):
    settings.directory.mkdir(parents=True)
    for purpose in ("revocation", "suspension"):   # signed now, valid only from ten minutes on
        doc = status_list_credential(url=f"{BASE}/ab12-{purpose}", issuer=issuer.did_key, purpose=purpose,
                                     encoded_list=encode_list([]), valid_from=NOW + timedelta(minutes=10))
        signed = add_proof(doc, issuer, cryptosuite="eddsa-rdfc-2022", created=NOW)
        (settings.directory / f"ab12-{purpose}.json").write_text(json.dumps(signed))
    checker = make_status_checker(status_dir=settings.directory)
    assert "not yet valid" in checker(credential(issuer.did_key), NOW).reason
    assert make_status_checker(status_dir=settings.directory)(
        credential(issuer.did_key), NOW, clock_skew=timedelta(minutes=15)).passed


# --- lists verified once for a long-running verifier (status.lists.VerifiedLists) -------------------

def test_a_list_verified_before_is_not_verified_again_while_its_bytes_are_the_same(settings, issuer, monkeypatch):
    from edcissuer.status import lists

    publish(settings, revoked=[1])
    verified = lists.VerifiedLists()
    calls = []
    real = lists.verify_proof_set
    monkeypatch.setattr(lists, "verify_proof_set", lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(3):
        result = make_status_checker(status_dir=settings.directory, verified=verified)(credential(issuer.did_key), NOW)
        assert result.passed, result.reason
    assert len(calls) == 2          # the revocation and the suspension list, once each


def test_a_changed_or_tampered_list_is_verified_again_not_served_from_memory(settings, issuer):
    from edcissuer.status.lists import VerifiedLists

    verified = VerifiedLists()
    publish(settings)
    assert check(settings, credential(issuer.did_key), verified=verified).passed
    publish(settings, revoked=[42])                  # re-signed with the bit set: new bytes, verified again
    revoked = check(settings, credential(issuer.did_key), verified=verified)
    assert not revoked.passed and "REVOKED" in revoked.reason
    publish(settings, revoked=[42], mutate=_tamper)  # a clean list swapped in after signing
    tampered = check(settings, credential(issuer.did_key), verified=verified)
    assert not tampered.passed and "STATUS_VERIFICATION_ERROR" in tampered.reason


def test_a_list_verified_before_still_expires_on_its_own_dates(settings, issuer):
    from edcissuer.status.lists import VerifiedLists

    verified = VerifiedLists()
    publish(settings)
    assert check(settings, credential(issuer.did_key), verified=verified).passed
    late = check(settings, credential(issuer.did_key), verified=verified, now=NOW + timedelta(days=31))
    assert not late.passed and "expired on" in late.reason
