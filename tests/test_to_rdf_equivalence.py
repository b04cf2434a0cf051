"""ld/to_rdf.py turns expanded JSON-LD into the same RDF as pyld's node map + RDF conversion.

canonize() used to run pyld's `_create_node_map` and `_graph_to_rdf` after our strict
expansion; it now runs ld/to_rdf.py. What Data Integrity signs is the RDFC-1.0 canonical
form, so that must be byte-identical — or, for a document refused, the same refusal. Each
case is canonicalised both ways (`canonize._to_quads_pyld` keeps the former path):
every W3C / 1EdTech vector and reference sample the vector tests read, the legacy
fixtures, every sample record in both formats (mapped, and issued with both RDFC suites,
proof included, alone and inside a presentation, i.e. in named graphs), the small
documents of test_canonize, and two hypothesis fuzzes: JSON-LD documents over a context
with every container and value kind, and expanded JSON-LD handed straight to both
converters (relative IRIs, blank-node predicates, @reverse, @included, nested graphs,
numbers pyld conflates, @json values, duplicates), which strict expansion would refuse
or never produce.

More examples:  EDCISSUER_FUZZ_EXAMPLES=2000 PYTHONPATH=src python -m pytest tests/test_to_rdf_equivalence.py
"""
from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import NOW, REF
from edcissuer.errors import EdcIssuerError
from edcissuer.issue import issue, map_record
from edcissuer.ld.canonize import _pyld_expanded_to_quads, _to_quads_pyld, canonicalize_quads, canonize
from edcissuer.ld.loader import DocumentLoader, default_loader, make_loader
from edcissuer.ld.to_rdf import expanded_to_quads

EXAMPLES = int(os.environ.get("EDCISSUER_FUZZ_EXAMPLES", "150"))
FUZZ = settings(derandomize=True, max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
V = "http://example.org/vocab#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def outcome(fn: Callable[[], str]) -> tuple[str, str]:
    """("ok", canonical N-Quads) or (error class, message)."""
    try:
        return "ok", fn()
    except EdcIssuerError as exc:
        return type(exc).__name__, f"{exc.message} [{exc.field}]"


def assert_same(doc: Any, loader: DocumentLoader, hash_algorithm: str = "sha256") -> str:
    """Both paths give the same canonical form (or the same refusal); returns its kind.

    One exception: a node met twice with the same @index makes pyld's node map fail with a
    TypeError (it indexes a string); the spec allows it, to_rdf.py converts it."""
    new = outcome(lambda: canonize(doc, loader, hash_algorithm=hash_algorithm))
    try:
        old = outcome(lambda: canonicalize_quads(_to_quads_pyld(doc, loader), hash_algorithm=hash_algorithm))
    except TypeError as exc:
        assert "string indices" in str(exc)
        return "pyld fails"
    assert new == old
    return new[0]


def same_from_expanded(expanded: list[Any]) -> str:
    """Both converters, on the same expanded JSON-LD, give the same canonical form (or both
    exceed RDFC-1.0's work limit: random graphs can be "poison" ones)."""
    ours = outcome(lambda: canonicalize_quads(expanded_to_quads(expanded), max_work_factor=3))
    theirs = outcome(lambda: canonicalize_quads(_pyld_expanded_to_quads(copy.deepcopy(expanded), default_loader),
                                                max_work_factor=3))
    assert ours == theirs
    return ours[1]


# --- reference vectors and samples --------------------------------------------------------------

def _extra_contexts() -> dict[str, Any]:
    from test_vectors import EXTRA_CONTEXTS

    return {url: json.loads((REF / "contexts" / name).read_text(encoding="utf-8"))
            for url, name in EXTRA_CONTEXTS.items() if (REF / "contexts" / name).is_file()}


def _reference_documents() -> list[Path]:
    folders = [REF / "vectors", REF / "ob3", REF / "elm" / "samples"]
    return sorted(p for f in folders if f.is_dir() for p in f.rglob("*") if p.suffix in (".json", ".jsonld"))


@pytest.mark.reference
def test_every_reference_vector_and_sample_canonicalises_the_same() -> None:
    """W3C vc-di-eddsa / vc-di-ecdsa / bitstring / JOSE vectors, the OB 3.0 examples and
    the ELM samples: unsigned, proof configurations and signed files (proofs are named graphs)."""
    loader = make_loader(extra=_extra_contexts())
    kinds: dict[str, int] = {}
    for path in _reference_documents():
        doc = json.loads(path.read_text(encoding="utf-8"))
        for item in doc if isinstance(doc, list) else [doc]:
            if isinstance(item, dict):
                for hash_algorithm in ("sha256", "sha384"):
                    kind = assert_same(item, loader, hash_algorithm)
                kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds.get("ok", 0) >= 40, kinds  # most are credentials our contexts define


@pytest.mark.reference
def test_w3c_canonical_forms_are_still_reproduced() -> None:
    from test_vectors import DI_CASES, VECTORS

    loader = make_loader(extra=_extra_contexts())
    for case, (folder, sfx, _, unsigned_file) in sorted(DI_CASES.items()):
        rdfc_hash = "sha384" if "p384" in case else "sha256"
        unsigned = json.loads((VECTORS / unsigned_file).read_text(encoding="utf-8"))
        config = json.loads((VECTORS / folder / f"proofConfig{sfx}.json").read_text(encoding="utf-8"))
        assert canonize(unsigned, loader, hash_algorithm=rdfc_hash) == \
            (VECTORS / folder / f"canonDoc{sfx}.txt").read_text(encoding="utf-8"), case
        assert canonize(config, loader, hash_algorithm=rdfc_hash) == \
            (VECTORS / folder / f"proofCanon{sfx}.txt").read_text(encoding="utf-8"), case


def test_legacy_fixtures_canonicalise_the_same() -> None:
    for path in sorted((Path(__file__).parent / "fixtures" / "legacy").glob("*.json")):
        assert_same(json.loads(path.read_text(encoding="utf-8")), default_loader)


@pytest.mark.parametrize("fmt", ["ob3", "elm"])
def test_every_sample_record_canonicalises_the_same_mapped_signed_and_presented(records, demo_keys,
                                                                                 fmt: str) -> None:
    signed = []
    for record in records.values():
        assert assert_same(map_record(record, fmt), default_loader) == "ok"
        for proof, key in (("eddsa-rdfc-2022", demo_keys.issuer), ("ecdsa-rdfc-2019", demo_keys.issuer_p256)):
            credential = issue(record, fmt=fmt, signer=key, proof=proof, now=NOW).credential
            assert assert_same(credential, default_loader) == "ok"  # with its proof: a named graph
            signed.append(credential)
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:7a1e4c3e-0b6b-4d43",
                    "type": ["VerifiablePresentation"], "holder": demo_keys.issuer.did_key,
                    "verifiableCredential": signed,
                    "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                              "created": "2026-11-24T12:00:00Z", "proofPurpose": "authentication",
                              "verificationMethod": demo_keys.issuer.did_key + "#key", "challenge": "c",
                              "domain": "example.org", "proofValue": "z1"}}
    assert assert_same(presentation, default_loader) == "ok"  # credentials and proofs: nested graphs


CTX_SMALL = {"name": "https://schema.org/name", "knows": {"@id": "https://schema.org/knows", "@type": "@id"},
             "Person": "https://schema.org/Person", "id": "@id", "type": "@type"}


@pytest.mark.parametrize("doc", [
    {"@context": CTX_SMALL, "id": "urn:ex:1", "type": "Person", "name": ["Ana", 'quote " and \\ and \n'],
     "knows": [{"name": "B"}, {"name": "C", "knows": {"name": "D"}}]},
    {"@context": CTX_SMALL, "id": "urn:ex:1", "name": "bell\x07 backspace\x08 formfeed\x0c del\x7f"},
    {"@context": CTX_SMALL, "id": "relative/id", "name": "x"},  # refused, the same way
    {"@context": CTX_SMALL, "knows": [{"knows": {"id": "_:x"}}, {"id": "_:x", "knows": {"id": "_:x"}}]},
])
def test_small_documents_canonicalise_the_same(doc: dict[str, Any]) -> None:
    assert_same(doc, default_loader)


# --- fuzz: documents over a context with every kind of term ---------------------------------------

CTX: dict[str, Any] = {
    "@vocab": V, "id": "@id", "type": "@type", "inc": "@included",
    "ref": {"@id": V + "ref", "@type": "@id"},
    "list": {"@id": V + "list", "@container": "@list"},
    "json": {"@id": V + "json", "@type": "@json"},
    "en": {"@id": V + "en", "@language": "en"},
    "rtl": {"@id": V + "rtl", "@language": "ar", "@direction": "rtl"},
    "dbl": {"@id": V + "dbl", "@type": XSD + "double"},
    "int": {"@id": V + "int", "@type": XSD + "integer"},
    "date": {"@id": V + "date", "@type": XSD + "dateTime"},
    "idx": {"@id": V + "idx", "@container": "@index"},
    "lang": {"@id": V + "lang", "@container": "@language"},
    "g": {"@id": V + "g", "@container": "@graph"},
    "gid": {"@id": V + "gid", "@container": ["@graph", "@id"]},
    "rev": {"@reverse": V + "rel"},
    "other": "http://other.example/p",
}
NODE_IDS = st.sampled_from(["urn:ex:1", "urn:ex:2", "https://ex.org/a", "_:a", "_:b", "did:key:z6Mk"])
numbers = (st.integers(min_value=-10**25, max_value=10**25) | st.sampled_from([0, -0.0, 1.0, 1e21, 1e-7, 5e-324, 2**53 + 1])
           | st.floats(allow_nan=False, allow_infinity=False))
scalars = (st.text(max_size=6) | st.sampled_from(["", "\x00\x08\x1f\x7f", "é 学", "2024-01-01T00:00:00Z", "1.5"])
           | numbers | st.booleans())
json_values = st.recursive(st.none() | st.booleans() | numbers | st.text(max_size=3),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner,
                                                                                       max_size=3), max_leaves=5)


def _member(key: str, node: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    plain = scalars | node | st.lists(scalars | node, max_size=3)
    return {
        "ref": NODE_IDS | st.lists(NODE_IDS, max_size=3) | node,
        "list": st.lists(scalars | node | st.builds(lambda v: {"@list": v}, st.lists(scalars, max_size=2)),
                         max_size=4),
        "json": json_values,
        "en": st.text(max_size=4) | st.lists(st.text(max_size=3), max_size=2),
        "rtl": st.text(max_size=4),
        "dbl": numbers | st.sampled_from(["1.5", "abc", " 2 ", "1_0", "nan"]),
        "int": numbers | st.sampled_from(["12", "x"]),
        "date": st.sampled_from(["2024-01-01T00:00:00Z", "later"]),
        "idx": st.dictionaries(st.sampled_from(["a", "b", "@none"]), scalars | node, max_size=2),
        "lang": st.dictionaries(st.sampled_from(["en", "fr-CA", "@none"]), st.text(max_size=3), max_size=2),
        "g": node | st.lists(node, max_size=2),
        "gid": st.dictionaries(st.sampled_from(["urn:g:1", "_:g", "@none"]), node, max_size=2),
        "rev": node | st.lists(node, max_size=2),
        "inc": st.lists(node, max_size=2),
        "type": st.sampled_from(["T1", "T2", "_:t", "http://ex.org/T"]) | st.lists(st.sampled_from(["T1", "T2"]),
                                                                                    max_size=2),
        "id": NODE_IDS,
    }.get(key, plain)


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    node: st.SearchStrategy[Any] = documents(depth + 1) if depth < 2 else st.fixed_dictionaries(
        {"id": NODE_IDS}) | st.fixed_dictionaries({"name": st.text(max_size=3)})
    keys = draw(st.lists(st.sampled_from(["id", "type", "name", "other", "ref", "list", "json", "en", "rtl", "dbl",
                                          "int", "date", "idx", "lang", "g", "gid", "rev", "inc", "value"]),
                         max_size=5, unique=True))
    return {key: draw(_member(key, node)) for key in keys}


@FUZZ
@given(documents())
def test_random_json_ld_documents_canonicalise_the_same(doc: dict[str, Any]) -> None:
    assert_same({"@context": CTX, **doc}, default_loader)


# --- fuzz: expanded JSON-LD straight into both converters -------------------------------------------

IRIS = st.sampled_from(["urn:ex:1", "urn:ex:2", "http://ex.org/a", "https://ex.org/a,b", "a,b:c", "_:x", "_:y",
                        "relative", "rel/x", "http://ex.org/nl\n"])
GOOD_IRIS = st.sampled_from(["urn:ex:1", "urn:ex:2", "http://ex.org/a", "_:x", "_:y"])
PREDICATES = st.sampled_from([V + "p", V + "q", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "_:bp",
                              "relative-pred", "@unknown", "a,b:p"])
DATATYPES = st.sampled_from([None, XSD + "double", XSD + "integer", XSD + "boolean", XSD + "string", V + "dt",
                             "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString", "relative-dt", ""])


@st.composite
def value_objects(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 5)) == 0:
        return {"@value": draw(json_values), "@type": "@json"}
    value: dict[str, Any] = {"@value": draw(scalars)}
    datatype = draw(DATATYPES)
    if datatype is not None:
        value["@type"] = datatype
    elif draw(st.booleans()) and isinstance(value["@value"], str):
        value["@language"] = draw(st.sampled_from(["en", "EN", "fr-CA", ""]))
        if draw(st.booleans()):
            value["@direction"] = draw(st.sampled_from(["ltr", "rtl"]))
    if draw(st.integers(0, 3)) == 0:
        value["@index"] = draw(st.sampled_from(["i", "j"]))
    return value


def _list_object(item: st.SearchStrategy[Any], depth: int) -> st.SearchStrategy[Any]:
    entry = item | value_objects() | st.builds(lambda i: {"@id": i}, GOOD_IRIS)
    if depth < 2:
        entry = entry | st.deferred(lambda: _list_object(item, depth + 1))
    return st.builds(lambda items: {"@list": items}, st.lists(entry, max_size=3))


@st.composite
def expanded_nodes(draw: st.DrawFn, depth: int = 0, in_list: bool = False) -> dict[str, Any]:
    node: dict[str, Any] = {}
    if draw(st.integers(0, 3)) > 0:
        node["@id"] = draw(GOOD_IRIS if in_list else IRIS)  # pyld fails on a relative IRI in a list
    elif draw(st.integers(0, 4)) == 0:
        node["@index"] = "n"  # only on fresh blank nodes: pyld fails when a node is met twice with @index
    if draw(st.booleans()):
        node["@type"] = draw(st.lists(st.sampled_from([V + "T1", V + "T2", "_:t", "T-relative"]), max_size=3))
    if depth >= 2:
        return node
    child = expanded_nodes(depth + 1)
    objects = (child | value_objects() | st.builds(lambda i: {"@id": i}, IRIS)
               | _list_object(expanded_nodes(depth + 1, in_list=True), 0))
    for predicate in draw(st.lists(PREDICATES, max_size=3, unique=True)):
        node[predicate] = draw(st.lists(objects, max_size=3))
    extras = draw(st.lists(st.sampled_from(["@reverse", "@graph", "@included"]), max_size=2, unique=True))
    if "@reverse" in extras:
        node["@reverse"] = draw(st.dictionaries(PREDICATES, st.lists(child | value_objects(), max_size=2),
                                                max_size=2))
    if "@graph" in extras:
        node["@graph"] = draw(st.lists(child, max_size=2))
    if "@included" in extras:
        node["@included"] = draw(st.lists(child, max_size=2))
    return node


@FUZZ
@given(st.lists(expanded_nodes() | value_objects(), max_size=3))
def test_random_expanded_json_ld_gives_the_same_rdf_as_pyld(expanded: list[Any]) -> None:
    same_from_expanded(expanded)


def test_values_pyld_counts_as_equal_keep_the_first_met() -> None:
    """pyld's compare_values: 1 == 1.0 (one triple), a boolean never equals a number, and
    nested @json booleans do equal numbers — the first in pyld's walk order is the one kept."""
    s = {"@id": "urn:s"}
    out = same_from_expanded([{**s, V + "p": [{"@value": 1}, {"@value": 1.0}, {"@value": True}]},
                              {**s, V + "j": [{"@value": {"a": True}, "@type": "@json"},
                                              {"@value": {"a": 1}, "@type": "@json"}]}])
    assert out.count(f"<{V}p>") == 2 and f'"{{\\"a\\":true}}"' in out and out.count(f"<{V}j>") == 1
    # node urn:n met twice: first under V+"a" (pyld walks members sorted), not V+"b" (first in the JSON)
    n = {"@id": "urn:n"}
    out = same_from_expanded([{**s, V + "b": [{**n, V + "j": [{"@value": {"a": 1}, "@type": "@json"}]}],
                               V + "a": [{**n, V + "j": [{"@value": {"a": True}, "@type": "@json"}]}]}])
    assert f'"{{\\"a\\":true}}"' in out and '"{\\"a\\":1}"' not in out


def test_equal_values_with_different_index_give_the_triple_twice_as_in_pyld() -> None:
    """Same value, different @index: pyld keeps both, so a blank node subject has the quad
    twice in its first-degree hash; the canonical form must still agree."""
    out = same_from_expanded([{"@id": "urn:s", V + "p": [{V + "q": [{"@value": "v", "@index": "i"},
                                                                     {"@value": "v", "@index": "j"}]},
                                                         {V + "q": [{"@value": "v"}]}]}])
    assert out.count(f'<{V}q> "v"') == 2


def test_relative_iris_and_blank_node_predicates_are_dropped_but_their_nodes_kept() -> None:
    out = same_from_expanded([{"@id": "rel/s", V + "p": [{"@id": "urn:o", V + "q": [{"@value": "kept"}]}]},
                              {"@id": "urn:s", "_:bp": [{"@id": "urn:o2", V + "q": [{"@value": "kept too"}]}],
                               V + "p": [{"@id": "relative"}], "@type": ["T-relative", V + "T"]}])
    assert out == (f'<urn:o2> <{V}q> "kept too" .\n<urn:o> <{V}q> "kept" .\n'
                   f"<urn:s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{V}T> .\n")


def test_numbers_follow_pyld_canonical_forms() -> None:
    values = [5, 5.0, -0.0, 1.5, 10**21, 1e21, 2**53 + 1, True, "1.5"]
    out = same_from_expanded([{"@id": "urn:s", V + "n": [{"@value": v} for v in values],
                               V + "d": [{"@value": "1.5", "@type": XSD + "double"},
                                         {"@value": "abc", "@type": XSD + "double"}]}])
    for text in ('"5"^^<http://www.w3.org/2001/XMLSchema#integer>', '"1.5E0"', '"1.0E21"',
                 '"9007199254740993"', '"true"^^', '"abc"^^<http://www.w3.org/2001/XMLSchema#double>'):
        assert text in out


def test_conflicting_index_is_refused_like_pyld() -> None:
    from pyld.jsonld import JsonLdError

    expanded = [{"@id": "urn:s", "@index": "a"}, {"@id": "urn:s", "@index": "b"}]
    for convert in (expanded_to_quads, lambda e: _pyld_expanded_to_quads(e, default_loader)):
        with pytest.raises(JsonLdError, match="conflicting @index"):
            convert(copy.deepcopy(expanded))


def test_a_node_under_two_index_keys_is_a_context_error_not_a_crash() -> None:
    """canonize refuses it (ContextError) instead of letting pyld's JsonLdError escape;
    under one key twice it is no conflict (pyld itself fails there with a TypeError)."""
    from edcissuer.errors import ContextError

    two_keys = {"@context": CTX, "id": "urn:ex:s", "idx": {"a": {"id": "urn:ex:1"}, "b": {"id": "urn:ex:1"}}}
    assert assert_same(two_keys, default_loader) == "ContextError"
    with pytest.raises(ContextError, match="conflicting indexes"):
        canonize(two_keys, default_loader)
    one_key = {"@context": CTX, "id": "urn:ex:s", "idx": {"a": [{"id": "urn:ex:1"}, {"id": "urn:ex:1"}]}}
    assert assert_same(one_key, default_loader) == "pyld fails"
    assert canonize(one_key, default_loader) == f"<urn:ex:s> <{V}idx> <urn:ex:1> .\n"
