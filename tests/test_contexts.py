"""The bundled JSON-LD contexts in `contexts/` and their equivalence with the official ones.

`contexts/` holds our own renderings of the upstream contexts (see contexts/README.md). They are
written in a different layout from the official files, so these tests prove that nothing changed
in meaning:

* every official sample / test-vector document expands to the same JSON-LD and the same canonical
  N-Quads whether the contexts come from our files or from the official files;
* every term of every official context has the same processed definition (IRI, type, container,
  language, prefix flag, protection; scoped contexts compared recursively) and expands the same
  way in small probe documents;
* `@protected` behaves the same: redefining any term, and combining any two contexts, succeeds or
  fails (with the same error code) exactly as with the official files.

The official files are read from `../shared/reference` beside the project root; without them the
equivalence tests are skipped. The self-contained tests at the end always run.
"""
from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from edcissuer.errors import ContextError
from edcissuer.ld.loader import make_loader

ROOT = Path(__file__).resolve().parents[1]
CONTEXTS = ROOT / "contexts"
from conftest import REF  # the one reference folder (EDCISSUER_REFERENCE overrides it)

ELM_URL = "http://data.europa.eu/snb/model/context/edc-ap"
CRED_V1 = "https://www.w3.org/2018/credentials/v1"
CRED_V2 = "https://www.w3.org/ns/credentials/v2"
OB_303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# upstream contexts the project must bundle (each has an official counterpart in the reference set)
UPSTREAM = (CRED_V1, CRED_V2, ELM_URL, OB_303,
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
            "https://w3id.org/security/data-integrity/v2",
            "https://w3id.org/security/data-integrity/v1",
            "https://w3id.org/security/multikey/v1",
            "https://w3id.org/security/jwk/v1",
            "https://w3id.org/security/suites/ed25519-2020/v1",
            "https://www.w3.org/ns/credentials/status/v1",
            "https://www.w3.org/ns/did/v1")

INDEX_URLS = sorted(json.loads((CONTEXTS / "index.json").read_text(encoding="utf-8")))

Loader = Callable[..., dict[str, Any]]


# --------------------------------------------------------------------------- helpers

def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _our_docs() -> dict[str, Any]:
    index = _read_json(CONTEXTS / "index.json")
    return {url: _read_json(CONTEXTS / name) for url, name in index.items()}


def _official_docs() -> dict[str, Any]:
    index = _read_json(REF / "contexts" / "index.json")
    docs = {url: _read_json(REF / "contexts" / name) for url, name in index.items()}
    docs[ELM_URL] = _read_json(REF / "elm" / "context" / "edc-ap-context.jsonld")
    return docs


def _serving(docs: dict[str, Any]) -> Loader:
    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url not in docs:
            raise ContextError(f"context {url!r} not served by this test loader", value=url)
        # deep copy: pyld must never be able to share state between the two loaders
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(docs[url])}

    return loader


def _options(loader: Loader) -> dict[str, Any]:
    # a fresh resolver per operation, so pyld's module-level context cache cannot leak
    # a document served by one loader into an operation that uses the other
    return {"documentLoader": loader, "base": "", "processingMode": "json-ld-1.1",
            "contextResolver": ContextResolver({}, loader)}


def _error_code(exc: BaseException) -> str:
    """Deepest JSON-LD error code in the cause chain (pyld wraps errors several times)."""
    code = None
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "code", None) or code
        details = getattr(seen, "details", None)
        cause = details.get("cause") if isinstance(details, dict) else None
        seen = cause if isinstance(cause, BaseException) else seen.__cause__
    return code or type(exc).__name__


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("ok", fn())
    except (jsonld.JsonLdError, ContextError) as exc:
        return ("error", _error_code(exc))


def _expand(doc: Any, loader: Loader) -> Any:
    return jsonld.expand(copy.deepcopy(doc), _options(loader))


def _canonical(doc: Any, loader: Loader) -> str:
    opts = _options(loader)
    opts.update({"algorithm": "URDNA2015", "format": "application/n-quads"})
    return jsonld.normalize(copy.deepcopy(doc), opts)


def _context_urls(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                yield from (value if isinstance(value, list) else [value])
            yield from _context_urls(value)
    elif isinstance(node, list):
        for item in node:
            yield from _context_urls(item)


_MAPPING_KEYS = ("@id", "reverse", "@type", "@container", "@language", "@direction",
                 "@index", "@nest", "_prefix", "protected")


def _local_terms(local: Any) -> list[str]:
    ctxs = local if isinstance(local, list) else [local]
    return sorted({t for c in ctxs if isinstance(c, dict) for t in c if not t.startswith("@")})


def _describe(proc: jsonld.JsonLdProcessor, active: dict, terms: list[str], opts: dict) -> dict:
    """Processed definitions of `terms`; a scoped context is described by what it defines."""
    out: dict[str, Any] = {
        "@active": {k: active.get(k) for k in ("@vocab", "@base", "@language", "@direction")}
    }
    for term in terms:
        mapping = active["mappings"].get(term)
        if mapping is None:
            out[term] = None
            continue
        desc = {k: mapping.get(k) for k in _MAPPING_KEYS}
        if "@context" in mapping:
            scoped = mapping["@context"]
            inner = proc._process_context(active, None if scoped is False else scoped, opts,
                                          override_protected=True)
            desc["@context"] = _describe(proc, inner, _local_terms(scoped), opts)
        out[term] = desc
    return out


def _processed_context(url: str, loader: Loader, terms: list[str]) -> dict:
    proc = jsonld.JsonLdProcessor()
    opts = _options(loader)
    active = proc.process_context(proc._get_initial_context(opts), url, opts)
    return _describe(proc, active, terms, opts)


def _probe_docs(url: str, context: dict) -> Iterator[dict]:
    """Small documents that use every term of `context` (and of its scoped contexts)."""

    def walk(path: list[tuple[str, str]], ctx: dict) -> Iterator[dict]:
        for term, definition in ctx.items():
            if term.startswith("@"):
                continue
            for use in ("property", "type", "self"):
                doc: dict[str, Any] = {"@context": url, "@id": "urn:probe:s"}
                node = doc
                for kind, step in path:
                    if kind == "type":
                        node["@type"] = step
                    else:
                        node[step] = {"@id": "urn:probe:o"}
                        node = node[step]
                if use == "property":
                    node[term] = "x"
                elif use == "type":
                    node["@type"] = [*([node["@type"]] if "@type" in node else []), term]
                    node["urn:probe:p"] = "x"
                else:
                    node[term] = term
                yield doc
            if isinstance(definition, dict) and isinstance(definition.get("@context"), dict):
                scoped = definition["@context"]
                kind = "type" if term[:1].isupper() else "property"
                yield from walk([*path, (kind, term)], scoped)

    yield from walk([], context)


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    if not ((REF / "contexts" / "index.json").is_file()
            and (REF / "elm" / "context" / "edc-ap-context.jsonld").is_file()):
        pytest.skip("../shared/reference not present: official contexts unavailable")
    ours = _our_docs()
    official = _official_docs()
    # contexts we deliberately do not bundle (examples, citizenship, older suites) are served
    # from the reference folder to BOTH loaders, and so are the project's own contexts that
    # have no upstream counterpart: the only difference between the loaders is our renderings
    shared = {url: doc for url, doc in official.items() if url not in ours}
    project_only = {url: doc for url, doc in ours.items() if url not in official}
    common = sorted(url for url in ours if url in official)
    return {
        "ours": _serving({**shared, **ours}),
        "official": _serving({**official, **project_only}),
        "common": common,
        "our_docs": ours,
        "official_docs": official,
        "served": set(ours) | set(shared),
    }


def assert_expands_like(url: str, ours: dict[str, Any], official: dict[str, Any], protected_term: str, *,
                        min_probes: int = 10) -> None:
    """Our rendering of `url` processes and expands like the official document, @protected included."""
    our_loader, official_loader = _serving({url: ours}), _serving({url: official})
    terms = sorted(t for t in official["@context"] if not t.startswith("@"))
    assert _processed_context(url, our_loader, terms) == _processed_context(url, official_loader, terms)
    probes = list(_probe_docs(url, official["@context"]))
    assert len(probes) > min_probes
    for probe in probes:
        assert _outcome(lambda d=probe: _expand(d, our_loader)) == _outcome(lambda d=probe: _expand(d, official_loader))
    redefine = {"@context": [url, {protected_term: "urn:x"}], "@id": "urn:s"}
    assert _outcome(lambda: _expand(redefine, our_loader)) == ("error", "protected term redefinition")


def _sample_documents(served: set[str]) -> list[tuple[str, Any]]:
    docs: list[tuple[str, Any]] = []
    elm = REF / "elm" / "samples"
    for name in ("Sample-MC-Annex1-unsigned.jsonld", "elm-repo-rdf-credential-sample.jsonld"):
        if (elm / name).is_file():
            docs.append((f"elm/{name}", _read_json(elm / name)))
    signed = elm / "Sample-MC-Annex1-signed.jsonld"
    if signed.is_file():
        docs.append(("elm/Sample-MC-Annex1-signed.jsonld#payload",
                     json.loads(_read_json(signed)["payload"])))
    candidates: list[Path] = []
    candidates += sorted((REF / "ob3" / "examples-extracted").glob("*.json"))
    candidates += sorted((REF / "ob3" / "third-party-copies").glob("*.json"))
    candidates += sorted((REF / "vectors").rglob("*.json"))
    out_dir = ROOT / "samples" / "out"
    if out_dir.is_dir():
        candidates += sorted(p for p in out_dir.rglob("*") if p.suffix in (".json", ".jsonld"))
    for path in candidates:
        try:
            doc = _read_json(path)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if not isinstance(doc, dict) or "@context" not in doc:
            continue
        urls = list(_context_urls(doc))
        if all(isinstance(u, dict) or u in served for u in urls):
            label = str(path.relative_to(REF if REF in path.parents else ROOT))
            docs.append((label, doc))
    return docs


@pytest.fixture(scope="module")
def sample_documents(reference: dict[str, Any]) -> list[tuple[str, Any]]:
    usable = []
    for label, doc in _sample_documents(reference["served"]):
        status, _ = _outcome(lambda d=doc: _expand(d, reference["official"]))
        if status == "ok":  # only documents that expand cleanly with the official contexts
            usable.append((label, doc))
    return usable


# --------------------------------------------------------------------------- equivalence tests

@pytest.mark.reference
def test_reference_covers_every_upstream_context(reference: dict[str, Any]) -> None:
    missing = sorted(set(UPSTREAM) - set(reference["common"]))
    assert not missing, f"not bundled, or no official counterpart to compare against: {missing}"


# contexts whose upstream file is not in ../shared/reference, and the test that proves them instead
PROVEN_ELSEWHERE = {
    "https://w3id.org/edcissuer/contexts/mc/v1": "our own extension context: it has no upstream",
    "https://w3id.org/security/suites/ed25519-2018/v1": "proven against the npm file by test_ed25519_2018_context.py",
    "https://w3id.org/vc-revocation-list-2020/v1": "proven by peer-signed lists in test_legacy_status.py",
}


def _require_upstream(reference: dict[str, Any], url: str) -> None:
    if url not in reference["official_docs"]:
        pytest.skip(f"{url} is not in ../shared/reference: "
                    f"{PROVEN_ELSEWHERE.get(url, 'no upstream counterpart to compare against')}")


@pytest.mark.reference
def test_sample_set_is_substantial(reference: dict[str, Any],
                                   sample_documents: list[tuple[str, Any]]) -> None:
    labels = [label for label, _ in sample_documents]
    assert any("Sample-MC-Annex1-unsigned" in label for label in labels)
    assert any("signed.jsonld#payload" in label for label in labels)
    assert any("basicOpenBadgeCredential" in label for label in labels)
    assert any(label.startswith("vectors/") for label in labels)
    assert len(sample_documents) >= 30
    used = {u for _, d in sample_documents for u in _context_urls(d) if isinstance(u, str)}
    for url in (CRED_V1, CRED_V2, ELM_URL, OB_303,
                "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"):
        assert url in used


@pytest.mark.reference
def test_samples_expand_and_canonize_identically(reference: dict[str, Any],
                                                 sample_documents: list[tuple[str, Any]]) -> None:
    for label, doc in sample_documents:
        official = _outcome(lambda d=doc: _expand(d, reference["official"]))
        ours = _outcome(lambda d=doc: _expand(d, reference["ours"]))
        assert ours == official, f"{label}: expansion differs"
        nq_official = _canonical(doc, reference["official"])
        nq_ours = _canonical(doc, reference["ours"])
        assert nq_official.strip(), f"{label}: produced no triples"
        assert nq_ours == nq_official, f"{label}: canonical N-Quads differ"


@pytest.mark.reference
@pytest.mark.parametrize("url", INDEX_URLS)
def test_processed_term_definitions_identical(reference: dict[str, Any], url: str) -> None:
    _require_upstream(reference, url)
    official_ctx = reference["official_docs"][url]["@context"]
    our_ctx = reference["our_docs"][url]["@context"]
    terms = _local_terms(official_ctx)
    assert terms == _local_terms(our_ctx), "our file defines a different set of terms"
    expected = _processed_context(url, reference["official"], terms)
    actual = _processed_context(url, reference["ours"], terms)
    for term in terms:
        assert actual[term] == expected[term], f"{url}: term {term!r} is defined differently"
    assert actual == expected


@pytest.mark.reference
@pytest.mark.parametrize("url", INDEX_URLS)
def test_every_term_expands_identically(reference: dict[str, Any], url: str) -> None:
    _require_upstream(reference, url)
    official_ctx = reference["official_docs"][url]["@context"]
    probes = list(_probe_docs(url, official_ctx))
    assert probes
    for doc in probes:
        official = _outcome(lambda d=doc: _expand(d, reference["official"]))
        ours = _outcome(lambda d=doc: _expand(d, reference["ours"]))
        assert ours == official, f"{url}: probe {json.dumps(doc)} expands differently"


@pytest.mark.reference
@pytest.mark.parametrize("url", INDEX_URLS)
def test_redefining_any_term_behaves_identically(reference: dict[str, Any], url: str) -> None:
    _require_upstream(reference, url)
    # @protected: a later context that redefines a term must fail (or pass) exactly as upstream
    for term in _local_terms(reference["official_docs"][url]["@context"]):
        doc = {"@context": [url, {term: "http://example.org/redefined"}],
               "@id": "urn:probe:s", term: "x"}
        official = _outcome(lambda d=doc: _expand(d, reference["official"]))
        ours = _outcome(lambda d=doc: _expand(d, reference["ours"]))
        assert ours == official, f"{url}: redefining {term!r} behaves differently"


@pytest.mark.reference
@pytest.mark.parametrize("url,term", [(CRED_V2, "id"), (CRED_V2, "VerifiableCredential"),
                                      (CRED_V2, "DataIntegrityProof"), (OB_303, "type"),
                                      (OB_303, "OpenBadgeCredential"), (OB_303, "Achievement"),
                                      (OB_303, "name")])
def test_protected_redefinition_errors_like_upstream(reference: dict[str, Any],
                                                     url: str, term: str) -> None:
    doc = {"@context": [url, {term: "http://example.org/redefined"}], "@id": "urn:probe:s"}
    for loader in (reference["official"], reference["ours"]):
        assert _outcome(lambda: _expand(doc, loader)) == ("error", "protected term redefinition")
    # a property-scoped context may still override (JSON-LD 1.1), upstream and ours alike
    scoped = {"@context": [url, {"wrap": {"@id": "http://example.org/wrap",
                                          "@context": {term: "http://example.org/redefined"}}}],
              "@id": "urn:probe:s", "wrap": {term: "x"}}
    official = _outcome(lambda: _expand(scoped, reference["official"]))
    ours = _outcome(lambda: _expand(scoped, reference["ours"]))
    assert official[0] == "ok"
    assert ours == official


@pytest.mark.reference
def test_combining_contexts_behaves_identically(reference: dict[str, Any]) -> None:
    # every ordered pair: protected terms defined by both files must clash (or not) as upstream
    for first, second in itertools.permutations(reference["common"], 2):
        doc = {"@context": [first, second], "@id": "urn:probe:s", "urn:probe:p": "x"}
        official = _outcome(lambda d=doc: _expand(d, reference["official"]))
        ours = _outcome(lambda d=doc: _expand(d, reference["ours"]))
        assert ours == official, f"[{first}, {second}] behaves differently"


# --------------------------------------------------------------------------- self-contained

def test_index_files_exist_and_are_contexts() -> None:
    index = _read_json(CONTEXTS / "index.json")
    assert index, "contexts/index.json is empty"
    for url, name in index.items():
        assert url.startswith(("http://", "https://")), url
        path = CONTEXTS / name
        assert path.is_file(), f"{url}: {name} missing"
        doc = _read_json(path)
        assert isinstance(doc, dict) and "@context" in doc, f"{name} has no @context"
    assert set(UPSTREAM) <= set(index)


@pytest.mark.parametrize("url", INDEX_URLS)
def test_project_loader_serves_bundled_file(url: str) -> None:
    loader = make_loader()
    remote = loader(url)
    assert remote["documentUrl"] == url
    assert remote["document"] == _read_json(CONTEXTS / _read_json(CONTEXTS / "index.json")[url])
    # the file is a valid context on its own (JSON-LD 1.1 processing)
    proc = jsonld.JsonLdProcessor()
    opts = _options(loader)
    proc.process_context(proc._get_initial_context(opts), url, opts)


@pytest.mark.parametrize("contexts", [[CRED_V2, OB_303, "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"],
                                      [CRED_V2, "https://w3id.org/security/data-integrity/v2"],
                                      [CRED_V2, "https://www.w3.org/ns/credentials/status/v1"],
                                      [CRED_V1, ELM_URL],
                                      ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1",
                                       "https://w3id.org/security/jwk/v1"]])
def test_usual_combinations_process(contexts: list[str]) -> None:
    loader = make_loader()
    doc = {"@context": contexts, "@id": "urn:probe:s", "type": "urn:probe:T"}
    assert jsonld.expand(doc, _options(loader))


def test_unknown_url_raises_context_error() -> None:
    loader = make_loader()
    with pytest.raises(ContextError):
        loader("https://example.org/not-a-bundled-context/v1")
    with pytest.raises(ContextError):
        loader("https://www.w3.org/ns/credentials/examples/v2")
