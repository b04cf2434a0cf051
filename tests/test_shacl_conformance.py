"""The verifier's ELM conformance verdict equals the official EDC-generic-full SHACL verdict.

Every ELM credential the tests can build is checked both ways: each sample record issued with a
Data Integrity proof and with a JAdES seal, with and without status, and hostile variants of a
signed credential (two statuses, a status entry node, each member removed, each concept moved to
another scheme, doubled, left without an IRI or with an untyped scheme). pyshacl runs against the
official shapes in ../shared/reference (skipped when absent); `check_conformance` runs our own
rules (edcissuer.conformance, no SHACL at run time). A disagreement names the variant and both
verdicts.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import NOW, SAMPLES
from elm_shacl import official_shapes, shacl_verdict
from edcissuer.conformance import check_conformance
from edcissuer.issue import issue
from edcissuer.status.bitstring import status_entries, status_reference, with_status_context

pytestmark = pytest.mark.reference
BASE = "https://credentials.univ-lusitania.example/status"
PROOFS = ("eddsa-rdfc-2022", "jades")
Variant = tuple[str, dict[str, Any]]


@pytest.fixture(scope="module")
def issued(records, demo_keys) -> dict[tuple[str, str, bool], dict[str, Any]]:
    """(sample, proof, with status) -> the credential as secured."""
    official_shapes()
    out = {}
    for path in SAMPLES:
        for proof in PROOFS:
            signer = demo_keys.seal if proof == "jades" else demo_keys.issuer
            for with_status in (False, True):
                status = status_reference(BASE, "ab12", 4711) if with_status else None
                out[(path.stem, proof, with_status)] = issue(records[path.stem], fmt="elm", signer=signer,
                                                             proof=proof, now=NOW, status=status).credential
    return out


def disagreements(variants: list[Variant]) -> list[str]:
    found = []
    for name, credential in variants:
        ours = check_conformance(credential, "elm")
        theirs, text = shacl_verdict(credential)
        if ours.passed != theirs:
            found.append(f"{name}: ours {'conforms' if ours.passed else ours.reason!r}; official "
                         f"{'conforms' if theirs else text[:600]}")
    return found


def test_every_issued_sample_conforms_both_ways(issued):
    assert disagreements([(" ".join(map(str, key)), cred) for key, cred in issued.items()]) == []
    assert all(check_conformance(cred, "elm").passed for cred in issued.values())


# --- hostile variants ---------------------------------------------------------------------------

def with_status(credential: dict[str, Any], status: Any, *, context: bool = False) -> dict[str, Any]:
    doc = with_status_context(credential) if context else dict(credential)
    return {**doc, "credentialStatus": status}


def status_variants(credential: dict[str, Any]) -> list[Variant]:
    plain = {k: v for k, v in credential.items() if k != "credentialStatus"}
    ref = status_reference(BASE, "ab12", 7)
    return [
        ("no status", plain),
        ("one URI reference", with_status(plain, ref)),
        ("one reference in a list", with_status(plain, [ref])),
        ("two URI references", with_status(plain, [ref, status_reference(BASE, "ab12", 7, "suspension")])),
        ("reference typed xsd:string", with_status(plain, {"@value": ref["@value"], "type": "xsd:string"})),
        ("reference as an IRI (plain string)", with_status(plain, ref["@value"])),
        ("one status entry node", with_status(plain, status_entries(BASE, "ab12", 7)[:1], context=True)),
        ("revocation + suspension entries (the old batch output)",
         with_status(plain, status_entries(BASE, "ab12", 7), context=True)),
    ]


def nodes(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every JSON object of `doc` with its path (keys and list indices)."""
    if isinstance(doc, dict):
        yield path, doc
        for key, value in doc.items():
            if key not in ("@context", "proof"):
                yield from nodes(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from nodes(value, (*path, index))


def at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def edit_everywhere(credential: dict[str, Any], path: tuple[Any, ...],
                    change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """A copy with `change` applied to the node at `path` and, when it has an id, to every other copy of it
    (the graph merges them: changing one occurrence would change nothing)."""
    doc = copy.deepcopy(credential)
    target = at(doc, path)
    node_id = target.get("id")
    for _, node in nodes(doc):
        if node is target or (isinstance(node_id, str) and node.get("id") == node_id):
            change(node)
    return doc


def removal_variants(credential: dict[str, Any]) -> list[Variant]:
    """Each member of each kind of node removed (first node of each type; every copy of it)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for path, node in nodes(credential):
        kind = str(node.get("type"))
        for key in node:
            if key in ("id", "type", "@context", "proof", "@value") or (kind, key) in seen:
                continue
            seen.add((kind, key))
            out.append((f"without {'.'.join(map(str, path))}.{key} ({kind})",
                        edit_everywhere(credential, path, lambda n, k=key: n.pop(k, None))))
    return out


def untyped_variants(credential: dict[str, Any]) -> list[Variant]:
    """Each kind of node (first of each type) with its `type` removed from every copy of it: the member
    pointing at it then names a node of no class."""
    seen: set[str] = set()
    out = []
    for path, node in nodes(credential):
        kind = str(node.get("type"))
        if not path or "type" not in node or kind in seen:
            continue
        seen.add(kind)
        out.append((f"{'.'.join(map(str, path))} without its type ({kind})",
                    edit_everywhere(credential, path, lambda n: n.pop("type", None))))
    return out


WRONG_SCHEME = "http://data.europa.eu/snb/not-this-scheme/25831c2"


def concept_variants(credential: dict[str, Any]) -> list[Variant]:
    """Each concept property (first of each parent type and term): wrong scheme, two values, no IRI,
    an inScheme not typed ConceptScheme."""
    seen: set[tuple[str, str]] = set()
    out = []
    for path, node in nodes(credential):
        for key, value in node.items():
            first = value[0] if isinstance(value, list) and value else value
            if not (isinstance(first, dict) and first.get("type") == "Concept"):
                continue
            mark = (str(node.get("type")), key)
            if mark in seen:
                continue
            seen.add(mark)
            where = f"{'.'.join(map(str, (*path, key)))}"
            scheme = first.get("inScheme")
            fresh = {**first, "id": "http://example.org/concept/fresh"}

            def put(value: Any, p: tuple[Any, ...] = path, k: str = key) -> dict[str, Any]:
                doc = copy.deepcopy(credential)
                at(doc, p)[k] = value
                return doc

            out += [
                (f"{where}: a concept of another scheme",
                 put({**fresh, "inScheme": {"id": WRONG_SCHEME, "type": "ConceptScheme"}})),
                (f"{where}: two concepts", put([first, fresh])),
                (f"{where}: a concept without IRI", put({k: v for k, v in first.items() if k != "id"})),
                (f"{where}: an inScheme not typed ConceptScheme",
                 put({**fresh, "inScheme": [scheme, {"id": "http://example.org/untyped-scheme"}]})),
            ]
    return out


@pytest.mark.parametrize("sample", [p.stem for p in SAMPLES])
def test_status_variants_get_the_official_verdict(issued, sample):
    for proof in PROOFS:
        assert disagreements(status_variants(issued[(sample, proof, True)])) == []


def test_each_removed_member_gets_the_official_verdict(issued):
    credential = issued[(SAMPLES[-1].stem, "eddsa-rdfc-2022", True)]
    variants = removal_variants(credential)
    assert len(variants) > 90
    assert disagreements(variants) == []


def test_each_concept_out_of_its_scheme_gets_the_official_verdict(issued):
    credential = issued[(SAMPLES[0].stem, "jades", True)]
    variants = concept_variants(credential)
    assert len(variants) > 40
    assert disagreements(variants) == []


def test_the_old_two_entry_status_is_refused_naming_credential_status(issued):
    credential = issued[(SAMPLES[0].stem, "eddsa-rdfc-2022", False)]
    result = check_conformance(with_status(credential, status_entries(BASE, "ab12", 7), context=True), "elm")
    assert not result.passed
    assert "credentialStatus: EDC-generic-full allows at most one value, found 2" in result.reason


def test_each_node_without_its_class_gets_the_official_verdict(issued):
    credential = issued[(SAMPLES[1 % len(SAMPLES)].stem, "eddsa-rdfc-2022", True)]
    variants = untyped_variants(credential)
    assert len(variants) > 25
    assert disagreements(variants) == []
