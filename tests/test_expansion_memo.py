"""The expansion memos (ld.expand) change how fast canonical N-Quads come, never what they are.

Each case is canonicalised with the memos off (pyld's expansion of every node) and then
several times through one loader with them on, so that subtrees are stored and then
served from the memo: the results must be byte-identical, and refusals must be the same
refusals with the same messages. Cases: every sample record in both formats, a cohort
batch (learners differ only in their own fields and in the per-credential urn:uuid node
ids the memo abstracts), the W3C Data Integrity vectors, fuzzed mutants of the signed
samples, and hand-made documents aimed at the memo's soundness conditions.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import NOW, ROOT
from edcissuer.errors import EdcIssuerError
from edcissuer.issue import issue, map_record
from edcissuer.ld import expand
from edcissuer.ld.canonize import canonize
from edcissuer.ld.loader import DocumentLoader, make_loader

V = "http://example.org/vocab#"


@contextmanager
def memos_off() -> Iterator[None]:
    saved = expand.IRI_MEMO_SIZE, expand.SUBTREE_MEMO_CHARS
    expand.IRI_MEMO_SIZE = expand.SUBTREE_MEMO_CHARS = 0
    try:
        yield
    finally:
        expand.IRI_MEMO_SIZE, expand.SUBTREE_MEMO_CHARS = saved


def outcome(fn: Callable[[], str]) -> tuple[str, str]:
    """("ok", canonical N-Quads) or (error class, message, field) as text."""
    try:
        return "ok", fn()
    except EdcIssuerError as exc:
        return type(exc).__name__, f"{exc.message} [{exc.field}]"


def assert_memo_invisible(docs: list[dict[str, Any]], loader: DocumentLoader, *, passes: int = 3,
                          **kw: Any) -> None:
    """Every doc gives the same outcome with the memos on (pass after pass) as with them off."""
    with memos_off():
        expected = [outcome(lambda: canonize(d, loader, **kw)) for d in docs]
    for _ in range(passes):
        got = [outcome(lambda: canonize(d, loader, **kw)) for d in docs]
        assert got == expected


def subtree_memo(loader: DocumentLoader) -> Any:
    return expand._state_for(loader).subtrees


@pytest.fixture(scope="module")
def cohort() -> list[Any]:
    """Records of 12 learners of the sample programme (as a batch run builds them)."""
    from edcissuer.batch import load_programme, record_data
    from edcissuer.models.records import parse_record

    programme = load_programme(ROOT / "samples" / "batch" / "programme.yaml")
    with (ROOT / "samples" / "batch" / "cohort.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["family_name"] and "(at)" not in r["email"]]
    return [parse_record(record_data(programme, row)) for row in rows[:12]]


@pytest.mark.parametrize("fmt", ["ob3", "elm"])
def test_every_sample_record_canonicalises_identically_with_the_memos(records, fmt: str) -> None:
    loader = make_loader()
    assert_memo_invisible([map_record(r, fmt) for r in records.values()], loader)


@pytest.mark.parametrize("fmt", ["ob3", "elm"])
def test_a_cohort_batch_canonicalises_identically_and_is_served_from_the_memo(cohort, fmt: str) -> None:
    loader = make_loader()
    docs = [map_record(r, fmt) for r in cohort]
    assert_memo_invisible(docs, loader, passes=1)
    memo = subtree_memo(loader)
    assert memo.usable
    # from the third learner on (seen, stored, served) the programme part comes from the memo
    assert memo.hits >= 2 * (len(docs) - 2), (memo.hits, memo.misses)


@pytest.mark.parametrize("fmt", ["ob3", "elm"])
def test_signed_cohort_credentials_verify_and_keep_their_proof_values(cohort, demo_keys, fmt: str) -> None:
    from edcissuer.proofs.data_integrity import verify_proof

    key = demo_keys.issuer
    with memos_off():
        expected = [issue(r, fmt=fmt, signer=key, now=NOW, proof="eddsa-rdfc-2022").credential for r in cohort[:4]]
    got = [issue(r, fmt=fmt, signer=key, now=NOW, proof="eddsa-rdfc-2022").credential for r in cohort[:4]]
    assert got == expected  # proofs (Ed25519 is deterministic) included
    assert all(verify_proof(c, now=NOW).passed for c in got)


def test_w3c_data_integrity_vectors_canonicalise_identically_with_the_memos() -> None:
    from test_vectors import DI_CASES, EXTRA_CONTEXTS, REF, VECTORS, need, read_json, read_text

    extra = {url: read_json(need(REF / "contexts" / name)) for url, name in EXTRA_CONTEXTS.items()}
    loader = make_loader(extra=extra)
    for case, (folder, sfx, key_file, unsigned_file) in sorted(DI_CASES.items()):
        unsigned = read_json(need(VECTORS / unsigned_file))
        proof_config = read_json(VECTORS / folder / f"proofConfig{sfx}.json")
        rdfc_hash = "sha384" if "p384" in case else "sha256"
        for _ in range(3):  # seen, stored, served
            assert canonize(unsigned, loader, hash_algorithm=rdfc_hash) == read_text(
                VECTORS / folder / f"canonDoc{sfx}.txt"), case
            assert canonize(proof_config, loader, hash_algorithm=rdfc_hash) == read_text(
                VECTORS / folder / f"proofCanon{sfx}.txt"), case


@pytest.fixture(scope="module")
def fuzz_bases(records) -> list[dict[str, Any]]:
    return [map_record(r, fmt) for r in records.values() for fmt in ("ob3", "elm")]


_FUZZ_LOADER = make_loader()


@given(data=st.data())
def test_fuzzed_documents_canonicalise_or_fail_identically_with_the_memos(fuzz_bases, data) -> None:
    from test_fuzz import FUZZ, mutate  # noqa: F401  (FUZZ: the settings the fuzz suite runs with)

    base = fuzz_bases[data.draw(st.integers(0, len(fuzz_bases) - 1), label="sample")]
    assert_memo_invisible([base, mutate(base, data)], _FUZZ_LOADER, passes=2)


test_fuzzed_documents_canonicalise_or_fail_identically_with_the_memos = __import__("test_fuzz").FUZZ(
    test_fuzzed_documents_canonicalise_or_fail_identically_with_the_memos)


def _nested(ctx: dict[str, Any], leaf: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents whose repeated subtree holds `leaf` (different root ids, so only subtrees repeat)."""
    return [{"@context": ctx, "@id": f"urn:example:doc{i}", "a": {"@id": "urn:uuid:1", "b": leaf}}
            for i in range(4)]


def test_a_context_that_defines_the_urn_prefix_turns_the_subtree_memo_off() -> None:
    ctx = {"@vocab": V, "urn": {"@id": "http://evil.example/", "@prefix": True}}
    loader = make_loader()
    docs = _nested(ctx, {"@id": "urn:uuid:1234", "c": "x"})
    assert_memo_invisible(docs, loader)
    assert "<http://evil.example/uuid:1234>" in canonize(docs[0], loader)
    assert not subtree_memo(loader).usable


def test_a_type_named_like_a_urn_uuid_with_a_scoped_context_turns_the_subtree_memo_off() -> None:
    ctx = {"@vocab": V, "urn:uuid:7": {"@id": "urn:uuid:7", "@context": {"p": "http://evil.example/p"}}}
    loader = make_loader()
    docs = _nested(ctx, {"@type": "urn:uuid:7", "p": "x"})
    assert_memo_invisible(docs, loader)
    assert "<http://evil.example/p>" in canonize(docs[0], loader)
    assert not subtree_memo(loader).usable


def test_equal_and_different_ids_in_a_stored_subtree_come_back_as_they_were() -> None:
    ctx = {"@vocab": V, "ref": {"@id": f"{V}ref", "@type": "@id"}}
    loader = make_loader()
    docs = [{"@context": ctx, "@id": f"urn:example:doc{i}",
             "a": {"@id": f"urn:uuid:a{i}", "ref": [f"urn:uuid:b{i}", f"urn:uuid:a{i}"], "label": f"urn:uuid:b{i}",
                   "raw": {"@value": f"urn:uuid:c{i}", "@type": "urn:uuid:datatype"}}} for i in range(5)]
    assert_memo_invisible(docs, loader)
    assert subtree_memo(loader).hits > 0
    assert f'"urn:uuid:b3"' in canonize(docs[3], loader)


def test_index_and_type_maps_do_not_corrupt_stored_subtrees() -> None:
    """pyld's index-map expansion writes @index / @type into the items it gets back."""
    ctx = {"@vocab": V, "byIndex": {"@id": f"{V}byIndex", "@container": "@index"},
           "byType": {"@id": f"{V}byType", "@container": "@type"}, "T": f"{V}T", "U": f"{V}U"}
    loader = make_loader()
    docs = [{"@context": ctx, "@id": f"urn:example:doc{i}",
             "a": {"byIndex": {"one": {"@id": "urn:uuid:x", "n": 1}, "two": {"@id": "urn:uuid:y", "n": 1}},
                   "byType": {"T": {"@id": "urn:uuid:z", "n": 1}, "U": {"@id": "urn:uuid:z", "n": 1}}}}
            for i in range(4)]
    assert_memo_invisible(docs, loader, passes=4)


def test_what_pyld_writes_into_a_served_subtree_never_reaches_the_stored_one() -> None:
    """A hit shares the parts of a stored subtree pyld never changes. What it changes in the
    results it gets back is copied: a property-valued index appends to the item's array,
    @id / @type maps set members of each item (also of items a list-valued result holds)."""
    ctx = {"@vocab": V, "T": f"{V}T", "U": f"{V}U",
           "byProp": {"@id": f"{V}byProp", "@container": "@index", "@index": f"{V}tag"},
           "byId": {"@id": f"{V}byId", "@container": "@id"},
           "byType": {"@id": f"{V}byType", "@container": "@type"},
           "inGraph": {"@id": f"{V}inGraph", "@container": ["@graph", "@index"]}}
    loader = make_loader()
    shared = {"tag": ["kept"], "n": [{"@value": 1, "@type": f"{V}dt"}], "deep": {"m": ["x", "y"]}}
    # the map keys differ per document, the subtrees under them do not (so they are hits)
    docs = [{"@context": ctx, "@id": f"urn:example:doc{i}",
             "a": {"byProp": {f"one{i}": dict(shared), f"two{i}": [dict(shared), {"@set": [dict(shared)]}]},
                   "byId": {f"urn:ex:{i}": dict(shared), f"urn:ex:{i}b": {"@set": [dict(shared)]}},
                   "byType": {"TU"[i % 2]: dict(shared), "UT"[i % 2]: [{"@set": [dict(shared)]}]},
                   "inGraph": {f"g{i}": dict(shared)}}} for i in range(6)]
    assert_memo_invisible(docs, loader, passes=4)
    assert subtree_memo(loader).hits > 0
    assert f'<{V}tag> "kept"' in canonize(docs[3], loader)


def test_refusals_in_and_around_served_subtrees_are_still_found() -> None:
    """The strict walk skips the shared parts of a served subtree only when the stored one
    holds nothing it refuses, even without issuer-dependent terms; what pyld writes into a
    served result (an @id from an @id map key) is still walked."""
    ctx = {"@vocab": "https://www.w3.org/ns/credentials/issuer-dependent#", "known": f"{V}known",
           "byId": {"@id": f"{V}byId", "@container": "@id"}}
    loader = make_loader()
    clean = {"known": {"known": "x"}}
    vague = {"known": {"free": "x"}}  # an issuer-dependent term
    docs = [{"@context": ctx, "@id": f"urn:example:doc{i}", "known": [dict(clean), dict(vague)],
             "byId": {"relative-key" if i % 2 else f"urn:ex:{i}": dict(clean)}} for i in range(6)]
    assert_memo_invisible(docs, loader, passes=3)
    assert_memo_invisible(docs, loader, passes=3, allow_issuer_dependent=False)
    assert subtree_memo(loader).hits > 0
    kind, message = outcome(lambda: canonize(docs[2], loader, allow_issuer_dependent=False))
    assert kind == "ContextError" and "'free'" in message
    kind, message = outcome(lambda: canonize(docs[3], loader))
    assert kind == "ContextError" and "relative-key" in message


def test_an_undefined_term_in_a_stored_subtree_is_still_refused_by_name() -> None:
    ctx = {"id": "@id", "known": f"{V}known"}
    loader = make_loader()
    good = [{"@context": ctx, "id": f"urn:example:doc{i}", "known": {"id": "urn:uuid:1", "known": "x"}}
            for i in range(3)]
    bad = [{"@context": ctx, "id": f"urn:example:doc{i}", "known": {"id": "urn:uuid:1", "typo": "x"}}
           for i in range(3)]
    assert_memo_invisible(good + bad, loader)
    kind, message = outcome(lambda: canonize(bad[2], loader))
    assert kind == "ContextError" and "'typo'" in message


def test_an_invalid_value_in_a_stored_subtree_is_refused_with_the_message_of_full_expansion() -> None:
    ctx = {"@vocab": V}
    loader = make_loader()
    docs = [{"@context": ctx, "@id": f"urn:example:doc{i}",
             "a": {"@id": "urn:uuid:1", "b": {"@value": "x", "@direction": "urn:uuid:sideways"}}} for i in range(3)]
    assert_memo_invisible(docs, loader)
    assert outcome(lambda: canonize(docs[0], loader))[0] == "ContextError"


def test_the_memos_stay_within_their_bounds_over_a_long_batch(cohort, monkeypatch) -> None:
    monkeypatch.setattr(expand, "SUBTREE_MEMO_CHARS", 60_000)
    monkeypatch.setattr(expand, "IRI_MEMO_SIZE", 500)
    loader = make_loader()
    docs = [map_record(r, "elm") for r in cohort]
    assert_memo_invisible(docs, loader, passes=2)
    state = expand._state_for(loader)
    assert state.subtrees._chars <= 60_000
    assert len(state.iris) <= 500


def test_non_json_input_is_refused_as_before(records) -> None:
    doc = map_record(next(iter(records.values())), "ob3")
    doc["credentialSubject"]["extra"] = {"when": object()}
    loader = make_loader()
    assert_memo_invisible([doc], loader)
    assert json.dumps(outcome(lambda: canonize(doc, loader))[0]) == '"ContextError"'
