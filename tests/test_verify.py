"""Issued credentials verify; any change to a signed field makes verification fail, by name."""
from __future__ import annotations

import copy
import json

import pytest

from conftest import NOW, SAMPLES
from hostile import leaf_paths
from edcissuer.issue import issue
from edcissuer.verify import VerifyOptions, verify

NAMES = [p.stem for p in SAMPLES]
PROOFS = [("elm", "jades"), ("ob3", "eddsa-rdfc-2022"), ("elm", "eddsa-rdfc-2022"),
          ("ob3", "ecdsa-rdfc-2019"), ("ob3", "jwt")]


def signer_for(proof, keys):
    if proof == "jades":
        return keys.seal
    return keys.issuer_p256 if proof == "ecdsa-rdfc-2019" else keys.issuer


@pytest.fixture(scope="module")
def options(demo_keys):
    return VerifyOptions(now=NOW, trust_anchors=demo_keys.trust_anchors)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt,proof", PROOFS, ids=lambda x: x)
def test_issued_credential_verifies_with_every_check_passing(records, demo_keys, options, name, fmt, proof):
    issued = issue(records[name], fmt=fmt, signer=signer_for(proof, demo_keys), proof=proof, now=NOW)
    result = verify(issued.artefact, options)
    assert result.verified, result.to_text()
    names = {c.name for c in result.checks}
    assert {"format", "validity", "conformance", "elements"} <= names
    assert result.format == fmt


def tampered(doc, path):
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    value = node[path[-1]]
    if isinstance(value, bool):
        node[path[-1]] = not value
    elif isinstance(value, (int, float)):
        node[path[-1]] = value + 1
    else:
        node[path[-1]] = f"{value}x" if not str(value).startswith("http") else f"{value}/x"
    return doc


def test_tampering_any_field_of_a_sealed_elm_credential_fails_the_seal(records, demo_keys, options):
    issued = issue(records["model2-cooperative"], fmt="elm", signer=demo_keys.seal, now=NOW)
    payload = json.loads(issued.artefact["payload"])
    paths = [p for p in leaf_paths(payload) if "content" not in p][::7]
    assert len(paths) > 30
    for path in paths:
        jws = {**issued.artefact, "payload": json.dumps(tampered(payload, path))}
        result = verify(jws, options)
        assert not result.verified, path
        assert "proof" in {c.name for c in result.failures}, (path, result.to_text())


@pytest.mark.parametrize("fmt", ["ob3", "elm"])
def test_tampering_any_field_of_a_data_integrity_credential_fails_the_proof(records, demo_keys, options, fmt):
    issued = issue(records["model3-joint"], fmt=fmt, signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    signed = issued.artefact
    paths = [p for p in leaf_paths({k: v for k, v in signed.items() if k != "proof"})
             if "content" not in p and p[0] != "@context"][::5]
    assert len(paths) > 20
    for path in paths:
        result = verify(tampered(signed, path), options)
        assert not result.verified, path
        assert any(c.name == "proof" for c in result.failures), (path, result.to_text())


def test_expired_credential_fails_validity_by_name(records, demo_keys):
    issued = issue(records["model3-joint"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    later = VerifyOptions(now=NOW.replace(year=2040))
    result = verify(issued.artefact, later)
    assert [c.name for c in result.failures] == ["validity"]
    assert "expired" in result.failures[0].reason


def test_credential_issued_in_the_future_fails_validity(records, demo_keys):
    issued = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    earlier = VerifyOptions(now=NOW.replace(year=2025))
    result = verify(issued.artefact, earlier)
    assert any(c.name == "validity" and "future" in c.reason for c in result.failures)


def test_unsecured_credential_is_not_verified(records):
    from edcissuer.mapping.ob3 import to_ob3

    result = verify(to_ob3(records["model1-single"]), VerifyOptions(now=NOW))
    assert not result.verified and result.failures[0].name == "proof"


def test_malformed_json_gives_an_input_failure_not_an_exception():
    result = verify(b"{not json", VerifyOptions(now=NOW))
    assert not result.verified and result.checks[0].name == "input"
    assert "malformed JSON" in result.checks[0].reason


def test_non_credential_json_is_reported_as_such():
    result = verify({"hello": "world", "proof": {"type": "DataIntegrityProof"}}, VerifyOptions(now=NOW))
    assert not result.verified


def test_seal_without_configured_trust_anchor_fails_the_chain_check(records, demo_keys):
    issued = issue(records["model1-single"], fmt="elm", signer=demo_keys.seal, now=NOW)
    result = verify(issued.artefact, VerifyOptions(now=NOW))
    assert [c.name for c in result.failures] == ["trust.chain"]


def test_element_removed_after_mapping_is_reported_missing(records, demo_keys, options):
    from edcissuer.issue import secure
    from edcissuer.mapping.ob3 import to_ob3

    cred = to_ob3(records["model1-single"])
    achievement = cred["credentialSubject"]["achievement"]
    achievement["alignment"] = [a for a in achievement["alignment"]
                                if not a["targetType"].startswith("ext:QualityAssurance")]
    issued = secure(cred, demo_keys.issuer, fmt="ob3", proof="eddsa-rdfc-2022", now=NOW)
    result = verify(issued.artefact, options)
    failure = next(c for c in result.failures if c.name == "elements")
    assert "k) type of quality assurance" in failure.reason


@pytest.mark.parametrize("proof", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"])
def test_signed_ob3_credential_validates_against_official_schema(records, demo_keys, options, proof):
    import jsonschema

    from conftest import need_reference

    schema = json.loads(need_reference("ob3", "schema", "ob_v3p0_achievementcredential_schema.json").read_text())
    issued = issue(records["model2-cooperative"], fmt="ob3", signer=signer_for(proof, demo_keys), proof=proof,
                   now=NOW)
    assert not [e.message for e in jsonschema.Draft201909Validator(schema).iter_errors(issued.artefact)]
    assert verify(issued.artefact, options).verified


def test_credential_signed_by_a_key_other_than_the_issuers_fails_issuer_binding(records, options):
    from edcissuer.crypto.keys import KeyPair
    from edcissuer.issue import secure
    from edcissuer.mapping.ob3 import to_ob3

    cred = to_ob3(records["model1-single"])   # issuer: the university's did:web
    forger = KeyPair.generate("Ed25519")
    issued = secure(cred, forger, fmt="ob3", proof="eddsa-rdfc-2022", now=NOW)
    result = verify(issued.artefact, options)
    assert [c.name for c in result.failures] == ["issuer.binding"]
    assert "not controlled by the issuer did:web:credentials.univ-lusitania.example" in result.failures[0].reason


def test_data_integrity_signed_elm_still_conforms_to_edc_shacl(records, demo_keys):
    pyshacl = pytest.importorskip("pyshacl")
    rdflib = pytest.importorskip("rdflib")
    from pyld import jsonld

    from conftest import need_reference
    from edcissuer.ld.loader import default_loader

    shapes_dir = need_reference("elm", "shacl", "ttl")
    shapes = rdflib.Graph()
    for f in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl"):
        shapes.parse(shapes_dir / f)
    issued = issue(records["model3-joint"], fmt="elm", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    nquads = jsonld.to_rdf(issued.artefact, {"documentLoader": default_loader, "format": "application/n-quads"})
    data = rdflib.Dataset()
    data.parse(data=nquads, format="nquads")
    graph = rdflib.Graph()
    for s, p, o, g in data.quads():
        if g is None or g == data.default_graph.identifier or str(g).startswith("urn:x-rdflib:default"):
            graph.add((s, p, o))
    assert len(graph) > 200  # the credential itself, without the proof graph
    conforms, _, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none")
    assert conforms, text
