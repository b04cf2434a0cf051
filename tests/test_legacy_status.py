"""StatusList2021 and RevocationList2020: the status lists DCC and digitalbazaar deploy, verified
beside Bitstring Status List by the same checker (status/lists.py), each by its own rules.

Peer artefacts (tests/fixtures/legacy, made by @digitalbazaar/vc-status-list 7.1.0 and
@digitalbazaar/vc-revocation-list 7.0.0) prove the encodings and, since their Ed25519Signature2020
proofs were made over the upstream contexts, that our bundled contexts canonicalize alike. The
other lists are signed here with our own engine (Ed25519Signature2020, as those issuers do).
"""
from __future__ import annotations

import base64
import copy
import gzip
import json
import zlib
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import NOW, ROOT, need_reference
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import EdcIssuerError
from edcissuer.issue import issue
from edcissuer.proofs.data_integrity import add_proof
from edcissuer.status import revocation2020, statuslist2021
from edcissuer.status.bitstring import MIN_ENTRIES, encode_list, make_status_checker, status_entries
from edcissuer.status.bitstring import status_list_credential as bitstring_list
from edcissuer.status.lists import decode_base64
from edcissuer.time import iso_z
from edcissuer.verify import VerifyOptions, verify_document
from test_contexts import assert_expands_like

FIXTURES = ROOT / "tests" / "fixtures" / "legacy"
VC1 = "https://www.w3.org/2018/credentials/v1"
BASE = "https://credentials.univ-lusitania.example/legacy"
PEER_LISTS = {"https://status.example.org/sl2021/1": "sl2021-list.json",
              "https://status.example.org/rl2020/1": "rl2020-list.json"}


# --- building lists and entries --------------------------------------------------------------------

def bits(indices: Iterable[int], size: int = MIN_ENTRIES) -> bytes:
    out = bytearray(size // 8)
    for index in indices:
        out[index // 8] |= 0x80 >> (index % 8)
    return bytes(out)


def encoded(raw: bytes, *, framing: str = "gzip", alphabet: str = "url") -> str:
    packed = gzip.compress(raw, mtime=0) if framing == "gzip" else zlib.compress(raw)
    if alphabet == "url":
        return base64.urlsafe_b64encode(packed).decode().rstrip("=")
    return base64.b64encode(packed).decode()   # standard alphabet, with padding


KINDS = {"sl2021": statuslist2021, "rl2020": revocation2020}


def legacy_list(kind: str, url: str, key: KeyPair, *, indices: Iterable[int] = (), purpose: str = "revocation",
                encoded_list: str | None = None, issuer: str | None = None, **members: Any) -> dict[str, Any]:
    """A VC 1.1 StatusList2021Credential / RevocationList2020Credential signed with Ed25519Signature2020."""
    module = KINDS[kind]
    subject: dict[str, Any] = {"id": f"{url}#list", "type": module.KIND.subject_type,
                               "encodedList": encoded_list if encoded_list is not None else encoded(bits(indices))}
    if kind == "sl2021":
        subject["statusPurpose"] = purpose
    doc = {"@context": [VC1, module.CONTEXT], "id": url, "type": ["VerifiableCredential", module.KIND.credential_type],
           "issuer": issuer or key.did_key, "issuanceDate": iso_z(NOW - timedelta(days=1)),
           "credentialSubject": subject, **members}
    return add_proof(doc, key, cryptosuite="Ed25519Signature2020", created=NOW - timedelta(days=1))


def entry(kind: str, url: str, index: Any, purpose: str = "revocation") -> dict[str, Any]:
    if kind == "sl2021":
        return {"id": f"{url}#{index}", "type": "StatusList2021Entry", "statusPurpose": purpose,
                "statusListIndex": index, "statusListCredential": url}
    return {"id": f"{url}#{index}", "type": "RevocationList2020Status", "revocationListIndex": index,
            "revocationListCredential": url}


def folder(tmp_path: Path, lists: dict[str, dict[str, Any]]) -> Path:
    """A status folder holding `lists` (URL -> list credential), mapped by index.json."""
    out = tmp_path / "status"
    out.mkdir(exist_ok=True)
    index = {}
    for position, (url, doc) in enumerate(lists.items()):
        name = f"list-{position}.json"
        (out / name).write_text(json.dumps(doc))
        index[url] = name
    (out / "index.json").write_text(json.dumps(index))
    return out


def status_of(status_dir: Path, issuer: str, status: Any, *, now=NOW) -> Any:
    return make_status_checker(status_dir=status_dir)({"id": "urn:uuid:1", "issuer": issuer,
                                                        "credentialStatus": status}, now)


@pytest.fixture
def issuer(demo_keys) -> KeyPair:
    return demo_keys.issuer


# --- the contexts ------------------------------------------------------------------------------------

@pytest.mark.reference
def test_our_status_list_2021_context_expands_like_the_reference_one() -> None:
    url = statuslist2021.CONTEXT
    ours = json.loads((ROOT / "contexts" / "vc-status-list-2021-v1.jsonld").read_text(encoding="utf-8"))
    official = json.loads(need_reference("contexts", "vc-status-list-2021-v1.jsonld").read_text(encoding="utf-8"))
    assert_expands_like(url, ours, official, "StatusList2021Entry", min_probes=20)


def test_the_bundled_legacy_contexts_are_served_offline() -> None:
    from edcissuer.ld.loader import default_loader

    for url in (statuslist2021.CONTEXT, revocation2020.CONTEXT):
        assert default_loader(url)["document"]["@context"]["@protected"] is True


# --- peer artefacts ----------------------------------------------------------------------------------

@pytest.fixture
def peer_folder(tmp_path) -> Path:
    return folder(tmp_path, {url: json.loads((FIXTURES / name).read_text()) for url, name in PEER_LISTS.items()})


@pytest.mark.parametrize("kind", ["sl2021", "rl2020"])
def test_peer_lists_and_credentials_check_as_their_library_set_them(peer_folder, kind) -> None:
    checker = make_status_checker(status_dir=peer_folder)
    clear = json.loads((FIXTURES / f"{kind}-credential-index-3.json").read_text())
    revoked = json.loads((FIXTURES / f"{kind}-credential-index-7.json").read_text())
    ok = checker(clear, NOW)
    assert ok.passed, ok.reason
    assert ok.details["entries"][0]["type"] == KINDS[kind].KIND.entry_type
    bad = checker(revoked, NOW)
    assert not bad.passed and bad.reason.startswith("REVOKED") and "index 7" in bad.reason
    assert bad.details["revoked"] is True


def test_peer_encoded_lists_decode_to_131072_entries_with_only_bit_7_set() -> None:
    for name, module in (("sl2021-list.json", statuslist2021), ("rl2020-list.json", revocation2020)):
        doc = json.loads((FIXTURES / name).read_text())
        decoded = module.decode_list(doc["credentialSubject"]["encodedList"])
        assert len(decoded) * 8 == MIN_ENTRIES
        assert [i for i, byte in enumerate(decoded) if byte] == [0] and decoded[0] == 0x01


def test_a_peer_list_altered_after_signing_is_refused(peer_folder) -> None:
    path = peer_folder / "list-0.json"
    doc = json.loads(path.read_text())
    doc["credentialSubject"]["encodedList"] = encoded(bits([]))   # the revocation wiped
    path.write_text(json.dumps(doc))
    revoked = json.loads((FIXTURES / "sl2021-credential-index-7.json").read_text())
    result = make_status_checker(status_dir=peer_folder)(revoked, NOW)
    assert not result.passed and "STATUS_VERIFICATION_ERROR" in result.reason


# --- lists our engine signs, end to end ----------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["ob3", "elm"])
@pytest.mark.parametrize("kind", ["sl2021", "rl2020"])
def test_a_credential_with_a_legacy_entry_verifies_end_to_end(records, issuer, tmp_path, fmt, kind) -> None:
    url = f"{BASE}/{kind}"
    status_dir = folder(tmp_path, {url: legacy_list(kind, url, issuer, indices=[9])})
    unsigned = {k: v for k, v in issue(records["model1-single"], fmt=fmt, signer=issuer, proof="eddsa-rdfc-2022",
                                       now=NOW).credential.items() if k != "proof"}
    checker = make_status_checker(status_dir=status_dir)
    for index, revoked in (("8", False), ("9", True)):
        doc = {**unsigned, "@context": [*unsigned["@context"], KINDS[kind].CONTEXT],
               "credentialStatus": entry(kind, url, index)}
        signed = add_proof(doc, issuer, cryptosuite="eddsa-rdfc-2022", created=NOW)
        result = verify_document(signed, VerifyOptions(now=NOW, status_checker=checker))
        status = next(c for c in result.checks if c.name == "status")
        assert status.passed is not revoked, status.reason
        # an ELM credential may carry only one xsd:anyURI status (EDC-generic-full): an entry node is checked
        # for its status all the same, and conformance says why Europass would refuse it
        others = [c for c in result.failures if not (fmt == "elm" and c.name == "conformance")]
        assert (not others) is not revoked, result.to_text()
        if fmt == "elm":
            assert "credentialStatus" in next(c for c in result.checks if c.name == "conformance").reason


def test_a_legacy_entry_without_its_context_fails_the_proof(records, issuer) -> None:
    unsigned = {k: v for k, v in issue(records["model1-single"], fmt="elm", signer=issuer, proof="eddsa-rdfc-2022",
                                       now=NOW).credential.items() if k != "proof"}
    doc = {**unsigned, "credentialStatus": entry("sl2021", f"{BASE}/sl2021", "1")}
    with pytest.raises(EdcIssuerError, match="statusListIndex|statusPurpose|statusListCredential"):
        add_proof(doc, issuer, cryptosuite="eddsa-rdfc-2022", created=NOW)


def test_every_kind_is_checked_in_one_credential(issuer, tmp_path) -> None:
    from edcissuer.status.publish import StatusListSettings, sign_status_list
    from edcissuer.ledger import StatusListInfo

    settings = StatusListSettings(BASE, tmp_path / "bsl", issuer)
    bsl = sign_status_list(settings, StatusListInfo("ab12", BASE, settings.issuer_id, MIN_ENTRIES, 1),
                           purpose="revocation", indices=[], now=NOW)
    lists = {bsl["id"]: bsl, f"{BASE}/sl": legacy_list("sl2021", f"{BASE}/sl", issuer, purpose="suspension"),
             f"{BASE}/rl": legacy_list("rl2020", f"{BASE}/rl", issuer, indices=[5])}
    status_dir = folder(tmp_path, lists)
    status = [status_entries(BASE, "ab12", 5, ["revocation"])[0], entry("sl2021", f"{BASE}/sl", "5", "suspension")]
    ok = status_of(status_dir, issuer.did_key, status)
    assert ok.passed and [e["type"] for e in ok.details["entries"]] == ["BitstringStatusListEntry",
                                                                          "StatusList2021Entry"]
    flagged = status_of(status_dir, issuer.did_key, [*status, entry("rl2020", f"{BASE}/rl", "5")])
    assert not flagged.passed and flagged.reason.startswith(f"REVOKED (list {BASE}/rl, index 5)")


def test_a_suspended_status_list_2021_entry_is_reported_as_such(issuer, tmp_path) -> None:
    url = f"{BASE}/sl-suspension"
    status_dir = folder(tmp_path, {url: legacy_list("sl2021", url, issuer, indices=[4], purpose="suspension")})
    result = status_of(status_dir, issuer.did_key, entry("sl2021", url, "4", "suspension"))
    assert not result.passed and result.reason.startswith("SUSPENDED") and result.details["suspended"]


def test_a_legacy_list_with_a_mixed_proof_set_is_read_on_its_supported_proof(issuer, tmp_path) -> None:
    url = f"{BASE}/sl2021"
    doc = legacy_list("sl2021", url, issuer, indices=[2])
    doc["proof"] = [doc["proof"], {"type": "BbsBlsSignature2020", "created": iso_z(NOW),
                                   "verificationMethod": "did:example:other#key-1",
                                   "proofPurpose": "assertionMethod", "proofValue": "x"}]
    result = status_of(folder(tmp_path, {url: doc}), issuer.did_key, entry("sl2021", url, "2"))
    assert not result.passed and result.reason.startswith("REVOKED"), result.reason


# --- encodings -------------------------------------------------------------------------------------------

def test_both_base64_alphabets_and_padding_decode_alike() -> None:
    raw = bits([0, 131071])
    for alphabet in ("url", "standard"):
        assert statuslist2021.decode_list(encoded(raw, alphabet=alphabet)) == raw
        assert revocation2020.decode_list(encoded(raw, alphabet=alphabet)) == raw
    for bad in ("", "a", "ab$c", "abc=d", 5, None):
        with pytest.raises(ValueError, match="base64"):
            decode_base64(bad)


def test_revocation_list_2020_reads_zlib_as_its_text_says_status_list_2021_reads_only_gzip() -> None:
    raw = bits([3])
    assert revocation2020.decode_list(encoded(raw, framing="zlib")) == raw
    with pytest.raises(ValueError, match="not GZIP data"):
        statuslist2021.decode_list(encoded(raw, framing="zlib"))


def test_a_multibase_prefix_is_not_part_of_a_legacy_encoded_list() -> None:
    for indices in ([1], [2, 70_000]):   # a Bitstring Status List value ('u' + base64url), whatever its length
        with pytest.raises(ValueError, match="encodedList is not (base64|GZIP)"):
            statuslist2021.decode_list(encode_list(indices))


def test_legacy_gzip_bombs_are_refused() -> None:
    bomb = base64.urlsafe_b64encode(gzip.compress(bytes(64 * 1024 * 1024))).decode().rstrip("=")
    for module in (statuslist2021, revocation2020):
        with pytest.raises(ValueError, match="inflates past"):
            module.decode_list(bomb)


# --- never passes silently ---------------------------------------------------------------------------------

def _case(case: str, issuer: KeyPair, other: KeyPair) -> tuple[str, dict[str, Any], Any, Any]:
    """(kind, list credential, status entry, now) for one failure case."""
    kind = "rl2020" if case.startswith("rl-") else "sl2021"
    url = f"{BASE}/{kind}"
    doc: dict[str, Any] = legacy_list(kind, url, issuer)
    status: Any = entry(kind, url, "5")
    now = NOW
    if case in ("sl-expired", "rl-expired"):
        doc = legacy_list(kind, url, issuer, expirationDate=iso_z(NOW - timedelta(hours=1)))
    elif case == "sl-not-yet-valid":
        doc = {k: v for k, v in doc.items() if k != "proof"}
        doc["issuanceDate"] = iso_z(NOW + timedelta(days=1))
        doc = add_proof(doc, issuer, cryptosuite="Ed25519Signature2020", created=NOW)
    elif case == "sl-wrong-purpose":
        doc = legacy_list(kind, url, issuer, purpose="suspension")
    elif case == "sl-message-purpose":
        status = entry(kind, url, "5", "message")
    elif case in ("sl-short", "rl-short"):
        doc = legacy_list(kind, url, issuer, encoded_list=encoded(bytes(1024)))
    elif case == "sl-multibase":
        doc = legacy_list(kind, url, issuer, encoded_list=encode_list([]))
    elif case == "sl-bsl-list":
        doc = add_proof(bitstring_list(url=url, issuer=issuer.did_key, purpose="revocation",
                                       encoded_list=encode_list([]), valid_from=NOW), issuer,
                        cryptosuite="eddsa-rdfc-2022", created=NOW)
    elif case == "rl-list-for-sl-entry":
        status = entry("sl2021", url, "5")
        doc = legacy_list("rl2020", url, issuer)
    elif case == "sl-ambiguous-type":
        status = {**status, "type": ["StatusList2021Entry", "RevocationList2020Status"]}
    elif case == "rl-number-index":
        status = entry(kind, url, 5)
    elif case == "rl-arabic-indic-index":
        status = entry(kind, url, "٥")
    elif case == "rl-out-of-range":
        status = entry(kind, url, str(MIN_ENTRIES))
    elif case == "sl-wrong-id":
        doc = legacy_list(kind, url + "-other", issuer)
    elif case == "sl-signed-by-another-key":
        doc = legacy_list(kind, url, other, issuer=issuer.did_key)
    elif case == "rl-other-issuer":
        doc = legacy_list(kind, url, other)
    elif case == "rl-tampered":
        doc["credentialSubject"]["encodedList"] = encoded(bits([1]))
    elif case == "sl-unsigned":
        doc = {k: v for k, v in doc.items() if k != "proof"}
    return kind, doc, status, now


@pytest.mark.parametrize("case, expect", [
    ("sl-expired", "expired on"), ("rl-expired", "(expirationDate)"),
    ("sl-not-yet-valid", "not yet valid (issuanceDate"),
    ("sl-wrong-purpose", "not a revocation list"),
    ("sl-message-purpose", "not supported for StatusList2021Entry"),
    ("sl-short", "STATUS_LIST_LENGTH_ERROR"), ("rl-short", "STATUS_LIST_LENGTH_ERROR"),
    ("sl-multibase", "encodedList is not"),
    ("sl-bsl-list", "is not a StatusList2021Credential"),
    ("rl-list-for-sl-entry", "is not a StatusList2021Credential"),
    ("sl-ambiguous-type", "ambiguous"),
    ("rl-number-index", "revocationListIndex 5 is not a non-negative integer string (MALFORMED_VALUE_ERROR)"),
    ("rl-arabic-indic-index", "MALFORMED_VALUE_ERROR"),
    ("rl-out-of-range", "RANGE_ERROR"),
    ("sl-wrong-id", "names itself"),
    ("sl-signed-by-another-key", "STATUS_VERIFICATION_ERROR"),
    ("rl-other-issuer", "not by the credential's issuer"),
    ("rl-tampered", "STATUS_VERIFICATION_ERROR"),
    ("sl-unsigned", "STATUS_VERIFICATION_ERROR"),
])
def test_a_legacy_status_never_passes_silently(issuer, demo_keys, tmp_path, case, expect) -> None:
    other = next(iter(demo_keys.learners.values()))
    kind, doc, status, now = _case(case, issuer, other)
    result = status_of(folder(tmp_path, {f"{BASE}/{kind}": doc}), issuer.did_key, copy.deepcopy(status), now=now)
    assert result.name == "status" and not result.passed
    assert expect in result.reason, result.reason


def test_unknown_status_types_name_every_supported_kind(tmp_path) -> None:
    result = status_of(tmp_path, "did:example:i", {"type": "CredentialStatusList2017", "id": "urn:x"})
    assert not result.passed and "not supported" in result.reason
    for name in ("BitstringStatusListEntry", "StatusList2021Entry", "RevocationList2020Status"):
        assert name in result.reason
