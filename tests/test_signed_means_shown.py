"""What the verifier shows is what was signed: JSON-LD tricks that keep the signed graph
while changing the JSON are refused before any element is read (docs/security.md).

Each attack is built for real: the tests first prove that the altered document has exactly
the canonical N-Quads of the signed one (so its proof still verifies), then that the
verifier refuses it, names why, and reports no elements.
"""
from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from conftest import NOW, ROOT
from edcissuer.errors import EdcIssuerError
from edcissuer.issue import issue, secure
from edcissuer.ld.canonize import canonize
from edcissuer.ld.guard import guard_problem
from edcissuer.ld.loader import default_loader
from edcissuer.mapping.ob3 import to_ob3
from edcissuer.proofs.data_integrity import verify_proof
from edcissuer.verify import VerifyOptions, verify_document

MARK = "urn:edcissuer:test:marker"
Path_ = tuple[Any, ...]


def _node(doc: dict[str, Any], path: Path_) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _predicate(doc: dict[str, Any], path: Path_, key: str) -> tuple[str, str]:
    """(predicate IRI, object kind) of `key` at `path`, read from the canonical N-Quads with a marker."""
    probe = copy.deepcopy({k: v for k, v in doc.items() if k != "proof"})
    node = _node(probe, path)
    value = node[key]
    if isinstance(value, dict) and "id" in value:
        value["id"] = MARK
    elif isinstance(value, dict):  # a language map
        node[key] = {lang: MARK for lang in value}
    else:
        node[key] = MARK
    for line in canonize(probe, default_loader).splitlines():
        if MARK in line and not line.startswith(f"<{MARK}>"):  # the value, not the marked node's own triples
            predicate = re.match(r"^\S+ <([^>]+)> (.+) \.$", line)
            assert predicate, line
            obj = predicate.group(2)
            kind = "id" if obj.startswith(f"<{MARK}") else "lang" if "@" in obj.rsplit('"', 1)[-1] else \
                ("typed:" + obj.rsplit("^^<", 1)[1].split(">")[0] if "^^<" in obj else "plain")
            return predicate.group(1), kind
    raise AssertionError(f"{key} at {path} is not in the graph")


def alias_attack(signed: dict[str, Any], path: Path_, key: str, shown: Any) -> dict[str, Any]:
    """Move the signed value of `key` to a fresh alias term and show `shown` under `key`,
    aliased to @index (dropped from the RDF): the graph stays the same, the JSON lies."""
    iri, kind = _predicate(signed, path, key)
    alias = f"signed{key[0].upper()}{key[1:]}"
    definition: dict[str, Any] = {"@id": iri}
    if kind == "id":
        definition["@type"] = "@id"
    elif kind == "lang":
        definition["@container"] = "@language"
    elif kind.startswith("typed:"):
        definition["@type"] = kind[len("typed:"):]
    attacked = copy.deepcopy(signed)

    def move(node: Any) -> None:  # every use of `key` moves, or the others would vanish from the graph
        if isinstance(node, dict):
            if key in node:
                node[alias] = node.pop(key)
            for name, value in node.items():
                if name != "proof":
                    move(value)
        elif isinstance(node, list):
            for item in node:
                move(item)

    move(attacked)
    _node(attacked, path)[key] = shown
    attacked["@context"] = [*attacked["@context"], {key: "@index", alias: definition}]
    return attacked


def _same_graph(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = lambda d: {k: v for k, v in d.items() if k != "proof"}  # noqa: E731
    return canonize(strip(a), default_loader) == canonize(strip(b), default_loader)


@pytest.fixture(scope="module", params=["Ed25519", "P-256"])
def elm_signed(request, records, demo_keys) -> dict[str, Any]:
    key = demo_keys.issuer if request.param == "Ed25519" else demo_keys.issuer_p256
    return issue(records["model1-single"], fmt="elm", signer=key, now=NOW).credential


ELM_ATTACKS: dict[str, tuple[Path_, str, Any]] = {
    "ects 5 shown as 60": (("credentialSubject", "hasClaim", "specifiedBy", "creditPoint"), "point", "60"),
    "credited ects shown as 60": (("credentialSubject", "hasClaim", "creditReceived"), "point", "60"),
    "learner name replaced": (("credentialSubject",), "fullName", "Mallory Impostor"),
    "EQF 6 shown as EQF 8": (("credentialSubject", "hasClaim", "specifiedBy"), "eqfLevel",
                             "http://data.europa.eu/snb/eqf/8"),
}


@pytest.mark.parametrize("attack", sorted(ELM_ATTACKS))
def test_an_alias_to_index_keeps_the_graph_but_is_refused(elm_signed, attack):
    path, key, shown = ELM_ATTACKS[attack]
    attacked = alias_attack(elm_signed, path, key, shown)
    assert _same_graph(attacked, elm_signed), "the attack must keep the signed graph"
    assert verify_proof(attacked, now=NOW).passed, "so the bare proof check is fooled"
    result = verify_document(attacked, VerifyOptions(now=NOW))
    assert not result.verified and result.elements is None
    failed = {c.name: c.reason for c in result.failures}
    assert "inline @context objects are refused" in failed["contexts"]


def test_the_original_verifies_and_shows_its_signed_values(elm_signed):
    result = verify_document(elm_signed, VerifyOptions(now=NOW))
    assert result.verified, result.to_text()
    assert result.elements["ects"] == 5 and result.elements["eqf"] == 6


@pytest.mark.parametrize("variant", ["index member", "nest member", "unknown keyword", "nested context",
                                     "vocab keyword"])
def test_keywords_that_hide_or_reshape_json_are_refused_in_every_format(records, demo_keys, variant):
    base = to_ob3(records["model1-single"])
    achievement = base["credentialSubject"]["achievement"]
    issuer = base["issuer"]
    if variant == "index member":
        achievement["@index"] = "60 ECTS, EQF 8"
    elif variant == "nest member":
        achievement["@nest"] = {"name": "Something else"}
    elif variant == "unknown keyword":
        achievement["@foo"] = "bar"
    elif variant == "vocab keyword":
        achievement["@vocab"] = "https://evil.example/"
    else:
        achievement["@context"] = {"name": "@index"}
    verified_some = 0
    for proof, signer in (("eddsa-rdfc-2022", demo_keys.issuer), ("ecdsa-rdfc-2019", demo_keys.issuer_p256),
                          ("jwt", demo_keys.issuer)):
        issuer["id"] = signer.did_key
        try:
            issued = secure(base, signer, fmt="ob3", proof=proof, now=NOW)
        except EdcIssuerError:  # the issuer side may already refuse it (strict expansion): nothing to verify
            continue
        verified_some += 1
        result = verify_document(issued.artefact, VerifyOptions(now=NOW))
        assert not result.verified and result.elements is None, (variant, proof)
        assert not next(c for c in result.checks if c.name == "contexts").passed
    assert verified_some, "at least the JWT (which signs bytes, not a graph) must reach the verifier"


def test_a_signed_jwt_with_an_inline_context_is_refused_too(records, demo_keys):
    """A JWT signs its JSON bytes, but their JSON-LD reading could still differ: refused as well."""
    base = to_ob3(records["model1-single"])
    base["@context"] = [*base["@context"], {"eqfLevelShown": "@index"}]
    base["issuer"]["id"] = demo_keys.issuer.did_key
    issued = secure(base, demo_keys.issuer, fmt="ob3", proof="jwt", now=NOW)
    result = verify_document(issued.artefact, VerifyOptions(now=NOW))
    assert next(c for c in result.checks if c.name == "proof").passed
    assert not result.verified and result.elements is None


def test_a_sealed_elm_with_a_nested_context_is_refused(records, demo_keys):
    from edcissuer.mapping.elm import to_elm

    base = to_elm(records["model1-single"])
    base["credentialSubject"]["@context"] = {"fullName": "@index"}
    issued = secure(base, demo_keys.seal, fmt="elm", proof="jades", now=NOW)
    result = verify_document(issued.artefact, VerifyOptions(now=NOW, trust_anchors=demo_keys.trust_anchors))
    assert not result.verified and result.elements is None
    assert "below the top" in next(c for c in result.checks if c.name == "contexts").reason


@pytest.mark.parametrize("text,reason", [
    ('{"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "a", "id": "b"}', "appears twice"),
    ('{"@context": ["https://www.w3.org/ns/credentials/v2"], "n": NaN}', "NaN is not a JSON number"),
])
def test_json_that_parsers_read_differently_is_refused(text, reason):
    result = verify_document(text, VerifyOptions(now=NOW))
    assert [c.name for c in result.checks] == ["input"] and reason in result.checks[0].reason


@pytest.mark.parametrize("context,reason", [("x", "not an absolute context URL"), (5, "not int"),
                                            ([], "is empty"), ([{"a": "@index"}], "inline @context")])
def test_context_values_that_are_not_urls_get_a_named_reason(context, reason):
    problem = guard_problem({"@context": context, "type": "VerifiableCredential"})
    assert problem is not None and reason in str(problem)


def test_a_lone_surrogate_is_refused_before_hashing():
    problem = guard_problem({"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "a\ud800b"})
    assert problem is not None and "surrogate" in problem.reason


def test_deep_nesting_is_refused_without_recursion():
    doc: dict[str, Any] = {"@context": ["https://www.w3.org/ns/credentials/v2"]}
    node = doc
    for _ in range(100_000):
        node["x"] = {}
        node = node["x"]
    problem = guard_problem(doc)
    assert problem is not None and "nested deeper than" in problem.reason


def test_no_bundled_context_aliases_a_term_to_a_keyword_that_hides_data():
    """The guard relies on this: pinned contexts never drop JSON values from the graph."""
    import json

    hiding = {"@index", "@nest", "@none"}
    for path in sorted((ROOT / "contexts").glob("*.json*")):
        if path.name == "index.json":
            continue
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text)

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    assert not (isinstance(value, str) and value in hiding), (path.name, key, value)
                    if key == "@container":
                        containers = value if isinstance(value, list) else [value]
                        assert "@index" not in containers, (path.name, key)
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(doc)


def test_an_export_of_the_altered_document_is_refused(elm_signed):
    from edcissuer.export.authentic import check_authenticity
    from edcissuer.securing.artefact import load_artefact

    path, key, shown = ELM_ATTACKS["ects 5 shown as 60"]
    attacked = alias_attack(elm_signed, path, key, shown)
    result = check_authenticity(load_artefact(attacked), now=NOW)
    assert [c.name for c in result.failures] == ["contexts"]
    assert not check_authenticity(load_artefact(elm_signed), now=NOW).failures


def test_copies_of_one_node_are_read_as_their_union():
    from edcissuer.mapping.extract import merge_node_copies

    doc = {"@context": ["https://www.w3.org/ns/credentials/v2"],
           "issuer": {"id": "urn:org", "name": {"en": "Uni"}},
           "credentialSubject": {"awardedBy": {"id": "urn:org", "name": {}, "url": "https://uni.example"}}}
    merged = merge_node_copies(doc)
    assert merged["issuer"] == merged["credentialSubject"]["awardedBy"] == \
        {"id": "urn:org", "name": {"en": "Uni"}, "url": "https://uni.example"}
    assert doc["issuer"] == {"id": "urn:org", "name": {"en": "Uni"}}  # the input is not changed


def test_merging_is_linear_in_the_number_of_nodes():
    """50,000 distinct nodes and 50,000 repeated ones: quadratic work here would never finish."""
    from edcissuer.mapping.extract import merge_node_copies

    nodes = [{"id": f"urn:n:{i}", "v": i} for i in range(50_000)] + [{"id": f"urn:n:{i}"} for i in range(50_000)]
    merged = merge_node_copies({"@context": ["https://www.w3.org/ns/credentials/v2"], "items": nodes})
    assert merged["items"][-1] == {"id": "urn:n:49999", "v": 49999}
