"""Ours -> theirs: every sample record x every OB3 proof we emit, verified by every peer.

One batch per peer for the whole module (one node process each, run in parallel); the
openbadgeslib verifiers run in this process. A tampered copy of each credential (the
achievement name changed after signing) must be refused by every peer that verifies the
original. Cells a peer cannot take are xfail(strict=True) with the peer's own refusal as
evidence (cases.LIMITATIONS): an unexpected refusal fails, and so does an unexpected pass.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from openbadgeslib.ob3 import OB3LdpVerifier, OB3Verifier, verify_data_integrity_proof

from conftest import NOW
from edcissuer.crypto.did import did_web_document, did_web_url
from edcissuer.crypto.keys import KeyPair
from edcissuer.issue import issue
from edcissuer.ledger import StatusListInfo
from edcissuer.models.records import load_record
from edcissuer.status.bitstring import MIN_ENTRIES, status_entries
from edcissuer.status.publish import StatusListSettings, sign_status_list

from .cases import (
    DID_WEB,
    DRIVERS,
    PEERS,
    RECORDS,
    SIGNED_LIST_LIMITATION,
    STATUS_PEERS,
    OurProof,
    limitation,
    our_cases,
    our_matrix,
)
from .runners import PeerLimitation, Verdict, in_process, rename_achievement, run_all, tamper

STATUS_BASE = "https://credentials.univ-lusitania.example/status"
LIST_ID = "interop"
CLEAR_INDEX, REVOKED_INDEX = 41, 42
EXTENDED = "single-eddsa-rdfc-2022-extended"
EXTENSION_CONTEXT = "https://w3id.org/edcissuer/contexts/mc/v1"
LD_PEERS = [peer for peer, family in PEERS.items() if family == "ld"]
#: how each peer refuses the extended form (verifier-core reports the unloadable context,
#: a jsonld.InvalidUrl, as an invalid signature: see docs/interop.md)
EXTENDED_REFUSAL = {"digitalbazaar-vc": "jsonld.InvalidUrl", "dcc-vc": "jsonld.InvalidUrl",
                    "verifier-core": "The signature is not valid",
                    "openbadgeslib-ldp": f"context '{EXTENSION_CONTEXT}' is not in the bundled allowlist",
                    "openbadgeslib-di": f"context '{EXTENSION_CONTEXT}' is not in the bundled allowlist"}


@dataclass
class Issued:
    proof: OurProof
    key: KeyPair
    artefact: dict[str, Any] | str

    @property
    def issuer(self) -> str:
        return DID_WEB if self.proof.did_web else self.key.did_key


@dataclass
class Run:
    issued: dict[str, Issued]               # case id -> our artefact
    verdicts: dict[str, dict[str, Verdict]]  # driver -> job id -> verdict
    documents: dict[str, Any]               # the offline map (status lists)


def _status_documents(key: KeyPair, tmp: Any) -> dict[str, Any]:
    """The published revocation + suspension lists (bit REVOKED_INDEX revoked), signed now.

    Peers read the wall clock, so the lists are valid from now (not from the tests' NOW).
    """
    settings = StatusListSettings(STATUS_BASE, tmp, key)
    info = StatusListInfo(LIST_ID, STATUS_BASE, settings.issuer_id, MIN_ENTRIES, REVOKED_INDEX + 1)
    now = datetime.now(timezone.utc)
    docs = {}
    for purpose, bits in (("revocation", [REVOKED_INDEX]), ("suspension", [])):
        doc = sign_status_list(settings, info, purpose=purpose, indices=bits, now=now)
        docs[doc["id"]] = doc
    return docs


def _jobs(run_cases: dict[str, Issued], status: dict[str, Issued]) -> dict[str, list[dict[str, Any]]]:
    batches: dict[str, list[dict[str, Any]]] = {d: [] for d in DRIVERS.values()}
    for case, got in run_cases.items():
        for peer, driver in DRIVERS.items():
            if PEERS[peer] != got.proof.family:
                continue
            for kind, artefact in (("verify", got.artefact), ("tampered", tamper(got.artefact, rename_achievement))):
                job: dict[str, Any] = {"id": f"{kind}:{case}", "op": "verify"}
                if isinstance(artefact, str):
                    job.update(token=artefact, form=got.proof.form)
                    if got.proof.key == "RSA":
                        job["jwk"] = got.key.to_jwk()
                else:
                    job["credential"] = artefact
                batches[driver].append(job)
    for case, got in status.items():
        for peer in STATUS_PEERS:
            if peer in DRIVERS:
                batches[DRIVERS[peer]].append({"id": f"status:{case}", "op": "verify", "credential": got.artefact,
                                               "status": True})
    return batches


@pytest.fixture(scope="module")
def run(demo_keys, tmp_path_factory) -> Run:
    keys = {"Ed25519": demo_keys.issuer, "P-256": demo_keys.issuer_p256,
            "RSA": KeyPair.from_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))}
    records = {name: load_record(path) for name, path in RECORDS.items()}
    issued = {case: Issued(proof, keys[proof.key],
                           issue(records[record], fmt="ob3", signer=keys[proof.key], proof=proof.proof, now=NOW,
                                 issuer_did=DID_WEB if proof.did_web else None).artefact)
              for case, record, proof in our_cases()}
    ed = keys["Ed25519"]
    documents = {**_status_documents(ed, tmp_path_factory.mktemp("status")),
                 did_web_url(DID_WEB): did_web_document(DID_WEB, [ed])}
    status = {}
    for name, index in (("status-clear", CLEAR_INDEX), ("status-revoked", REVOKED_INDEX)):
        entries = status_entries(STATUS_BASE, LIST_ID, index)
        status[name] = Issued(OurProof("eddsa-rdfc-2022", "eddsa-rdfc-2022", "Ed25519", "ld"), ed,
                              issue(records["single"], fmt="ob3", signer=ed, proof="eddsa-rdfc-2022", now=NOW,
                                    status=entries).artefact)
    ext = issue(records["single"], fmt="ob3", signer=ed, proof="eddsa-rdfc-2022", now=NOW, ob3_form="extended")
    extended = {EXTENDED: Issued(OurProof("eddsa-rdfc-2022", "eddsa-rdfc-2022", "Ed25519", "ld"), ed, ext.artefact)}
    batches = _jobs(issued, status)
    for peer in LD_PEERS:
        if peer in DRIVERS:
            batches[DRIVERS[peer]].append({"id": f"verify:{EXTENDED}", "op": "verify", "credential": ext.artefact})
    verdicts = run_all(batches, documents)
    return Run({**issued, **status, **extended}, verdicts, documents)


def _openbadgeslib(peer: str, got: Issued, artefact: dict[str, Any] | str, *, status: bool = False,
                   verify_list: bool = False, documents: dict[str, Any] | None = None) -> Verdict:
    issuer = got.issuer

    def download(url: str) -> bytes:
        if documents is None or url not in documents:
            raise OSError(f"{url} is not in the offline map")
        return json.dumps(documents[url]).encode()

    if peer == "openbadgeslib-jwt":
        assert isinstance(artefact, str)
        return in_process(lambda: OB3Verifier.for_issuer_did(issuer, download=download).verify(artefact))
    assert isinstance(artefact, dict)
    if peer == "openbadgeslib-di":
        return in_process(lambda: verify_data_integrity_proof(artefact, got.key.to_pem()))

    return in_process(lambda: OB3LdpVerifier.for_issuer_did(issuer).verify(
        artefact, check_status=status, download=download, verify_status_list=verify_list))


def verdict(run: Run, peer: str, case: str, kind: str) -> Verdict:
    """What `peer` answered for `case`; kind: "verify", "tampered", "status", "status-list"."""
    got = run.issued[case]
    if peer in DRIVERS:
        return run.verdicts[DRIVERS[peer]][f"{kind}:{case}"]
    artefact = tamper(got.artefact, rename_achievement) if kind == "tampered" else got.artefact
    return _openbadgeslib(peer, got, artefact, status=kind.startswith("status"), verify_list=kind == "status-list",
                          documents=run.documents)


def _cell(case: str, peer: str) -> Any:
    known = limitation(peer, case)
    marks = [pytest.mark.xfail(strict=True, raises=PeerLimitation, reason=known.reason)] if known else []
    return pytest.param(case, peer, id=f"{case}-{peer}", marks=marks)


@pytest.mark.parametrize("case, peer", [_cell(c, p) for c, p in our_matrix()])
def test_ours_verify_in_peer(run, case, peer):
    got = verdict(run, peer, case, "verify")
    known = limitation(peer, case)
    if known is not None and not got.ok and known.evidence in got.error:
        raise PeerLimitation(got.error)
    assert got.ok, f"{peer} refused our {case}: {got.error}"


@pytest.mark.parametrize("case, peer", [pytest.param(c, p, id=f"{c}-{p}") for c, p in our_matrix()
                                        if limitation(p, c) is None])
def test_ours_tampered_refused_by_peer(run, case, peer):
    got = verdict(run, peer, case, "tampered")
    assert not got.ok, f"{peer} accepted our {case} with the achievement name changed after signing"
    assert got.error


#: openbadgeslib's status cells run with verify_status_list=False; the cell with the list's
#: own proof checked is a limitation (cases.SIGNED_LIST_LIMITATION)
STATUS_CELLS = [pytest.param(case, peer, id=f"{case}-{peer}") for case in ("status-clear", "status-revoked")
                for peer in STATUS_PEERS]
STATUS_CELLS.append(pytest.param("status-clear-list-proof", "openbadgeslib-ldp",
                                 id="status-clear-list-proof-openbadgeslib-ldp",
                                 marks=pytest.mark.xfail(strict=True, raises=PeerLimitation,
                                                         reason=SIGNED_LIST_LIMITATION.reason)))


@pytest.mark.parametrize("case, peer", STATUS_CELLS)
def test_ours_status_in_peer(run, case, peer):
    """A revocable credential verifies where its bit is clear and is refused where it is set."""
    if case == "status-clear-list-proof":
        got = verdict(run, peer, "status-clear", "status-list")
        if not got.ok and SIGNED_LIST_LIMITATION.evidence in got.error:
            raise PeerLimitation(got.error)
        assert got.ok, got.error
    elif case == "status-clear":
        got = verdict(run, peer, case, "status")
        assert got.ok, f"{peer} refused our revocable credential (bit clear): {got.error}"
    else:
        got = verdict(run, peer, case, "status")
        assert not got.ok, f"{peer} accepted our revoked credential"
        assert "revo" in got.error.lower(), f"{peer} refused our revoked credential, not for its status: {got.error}"


@pytest.mark.parametrize("peer", LD_PEERS)
def test_ours_extended_form_is_refused_by_peer(run, peer):
    """The README's interop cost of ob3_form="extended": no peer bundles our extension context."""
    got = verdict(run, peer, EXTENDED, "verify")
    assert not got.ok, f"{peer} verified the extended form"
    assert EXTENDED_REFUSAL[peer] in got.error, got.error


def test_openbadgeslib_verifies_our_rs256_jwt_with_the_issuer_key_pinned(run):
    got = run.issued["single-jwt-ob3-RS256"]
    assert isinstance(got.artefact, str)
    credential = OB3Verifier(pubkey_pem=got.key.to_pem()).verify(got.artefact)
    assert credential.issuer.id == got.issuer
