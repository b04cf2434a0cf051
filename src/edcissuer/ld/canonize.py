"""RDFC-1.0 canonical N-Quads of a JSON-LD document (what Data Integrity proofs hash).

Our strict expansion (pyld, see expand.py) and our JSON-LD to RDF conversion (to_rdf.py)
give the RDF dataset; the canonicalisation itself is done here, following RDF Dataset Canonicalization
(W3C Recommendation, 2024) rather than pyld's URDNA2015 class, because pyld differs
from RDFC-1.0 where it matters for signatures:

1. Literal escaping. RDFC-1.0 serialises in *canonical N-Quads* (RDF 1.2 N-Triples
   canonical form): BS, HT, LF, FF, CR, `"` and `\\` as ECHAR (`\\b \\t \\n \\f \\r \\" \\\\`),
   every other code point in U+0000-U+001F and U+007F as UCHAR `\\u00XX` (upper-case hex).
   pyld escapes only `\\ \\t \\n \\r "`, so a value holding e.g. U+0008 or U+001F hashes
   differently from every other implementation (rdf-canonize, the reference).
   The same escaping is used inside the blank-node hashing, so labels agree too.
2. IRI escaping: characters not allowed in an IRIREF (U+0000-U+0020, `<>"{}|^\\``, `\\`)
   are written as UCHAR, as rdf-canonize does; pyld writes them raw.
3. Work limit: RDFC-1.0 section 4.4 asks implementations to bound the work spent on
   "poison" graphs (many indistinguishable blank nodes make Hash N-Degree Quads
   factorial). Like rdf-canonize we allow `max_work_factor` (default 1) deep
   iterations per non-unique blank node, then raise InputError.
4. Blank node to quads map: RDFC-1.0 relates a blank node to the quads it appears in
   (rdf-canonize keeps a Set). pyld lists a quad twice when the node is in it twice
   (`_:x <p> _:x`), which changes its first-degree hash and can reorder the labels.
5. Hash algorithm: RDFC-1.0 (section 4.2) lets a specification choose the internal
   hash; ecdsa-rdfc-2019 with P-384 uses SHA-384 (the W3C P-384 "employ" vector has
   different blank node labels than the P-256 one). pyld always uses SHA-256.
6. pyld resolves relative IRIs against `http://example.org/base/`; we keep them
   relative and refuse them in expand_strict (jsonld.js drops them instead).

Fast paths (exactly RDFC-1.0's result, just less work): no blank nodes -> the sorted,
de-duplicated quads; one blank node -> it is `_:c14n0`; all first-degree hashes
unique -> labels in hash order with no N-degree hashing.

Performance (CPU time, Python 3.11, pyld 3.3, shared 2-core machine, over a cohort with the
expansion memos warm): a 10 KB OB3 credential canonicalises in ~1.0 ms (2.8 ms before issue
17), a 42 KB ELM one in ~2.2 ms (5.5 ms); a learner never seen before ~1.4 / ~3.4 ms. Of that
expansion is about 40-55%, to_rdf.py 15-20%, the RDFC-1.0 step here 10-30% (each quad is
escaped once, IRIs and literal texts are memoised). A compiled canonicalizer does not help:
pyoxigraph 0.5.13 (Rust) is byte-identical on our documents but takes 1.2-1.6 ms for this
step alone (building its Dataset from Python costs more than our whole step), and its
JSON-LD parser cannot load contexts from Python. Flat documents (a proof configuration) are
remembered per loader: a batch signs every credential with the same one.
"""
from __future__ import annotations

import copy
import hashlib
import re
from itertools import permutations
from typing import Any, Optional

from pyld.identifier_issuer import IdentifierIssuer
from pyld.jsonld import JsonLdError
from pyld.jsonld import _is_absolute_iri

from ..errors import InputError
from .expand import context_error_from, expand_strict, flat_memo, new_processor
from .loader import DocumentLoader
from .to_rdf import RDF_LANGSTRING, XSD_STRING, Quad, Term, expanded_to_quads


# --- canonical N-Quads term serialisation -------------------------------------------------

_LITERAL_ESCAPES: dict[int, str] = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]}
_LITERAL_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
                         0x22: '\\"', 0x5C: "\\\\"})
_IRI_ESCAPES: dict[int, str] = {c: f"\\u{c:04X}" for c in [*range(0x21), *map(ord, '<>"{}|^`\\')]}


_LITERAL_NEEDS = re.compile(r'[\x00-\x1f\x7f"\\]')
_IRI_NEEDS = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def escape_literal(value: str) -> str:
    """Canonical N-Quads STRING_LITERAL_QUOTE content (ECHAR where allowed, else UCHAR)."""
    # the regex test is much cheaper than translate, and most values need no escaping
    return value.translate(_LITERAL_ESCAPES) if _LITERAL_NEEDS.search(value) else value


def escape_iri(value: str) -> str:
    return value.translate(_IRI_ESCAPES) if _IRI_NEEDS.search(value) else value


#: "<escaped IRI>" and literal suffixes ("^^<datatype>", "@lang"), remembered: a credential's
#: quads repeat a few hundred predicates, types and node ids (cleared when full)
_IRI_TEXT: dict[str, str] = {}
_SUFFIX: dict[tuple[str, str], str] = {}
_TEXT_MEMO_SIZE = 20_000
#: serialised literals, remembered too: a batch's credentials share their programme's texts.
#: Only short ones: a long literal (an ELM display image, 30 KB of base64) is one learner's,
#: and remembering thousands of them grew a batch worker by 100 MB.
_LITERAL_TEXT: dict[Term, str] = {}
_LITERAL_MEMO_SIZE = 20_000
_LITERAL_MEMO_CHARS = 512


def _iri_text(value: str) -> str:
    got = _IRI_TEXT.get(value)
    if got is None:
        if len(_IRI_TEXT) >= _TEXT_MEMO_SIZE:
            _IRI_TEXT.clear()
        got = _IRI_TEXT[value] = "<" + escape_iri(value) + ">"
    return got


def _literal_suffix(datatype: str, language: str) -> str:
    got = _SUFFIX.get((datatype, language))
    if got is None:
        if datatype == RDF_LANGSTRING:
            got = "@" + language if language else ""
        elif datatype != XSD_STRING:
            got = "^^" + _iri_text(datatype)
        else:
            got = ""
        if len(_SUFFIX) >= _TEXT_MEMO_SIZE:
            _SUFFIX.clear()
        _SUFFIX[(datatype, language)] = got
    return got


def _term(component: dict[str, Any]) -> Term:
    kind = component["type"]
    if kind == "IRI":
        return ("I", component["value"])
    if kind == "blank node":
        return ("B", component["value"])
    return ("L", component["value"], component.get("datatype") or XSD_STRING, component.get("language") or "")


def _nq_term(term: Term, label: str | None = None) -> str:
    kind = term[0]
    if kind == "I":
        return _iri_text(term[1])
    if kind == "B":
        return label if label is not None else term[1]
    got = _LITERAL_TEXT.get(term)
    if got is None:
        got = '"' + escape_literal(term[1]) + '"' + _literal_suffix(term[2], term[3])
        if len(term[1]) <= _LITERAL_MEMO_CHARS:
            if len(_LITERAL_TEXT) >= _LITERAL_MEMO_SIZE:
                _LITERAL_TEXT.clear()
            _LITERAL_TEXT[term] = got
    return got


def serialize_quad(quad: Quad, labels: dict[str, str] | None = None) -> str:
    """One canonical N-Quads line; blank nodes renamed through `labels` when given."""
    s, p, o, g = quad
    lab = labels or {}
    line = (_nq_term(s, lab.get(s[1]) if s[0] == "B" else None) + " " + _iri_text(p) + " "
            + _nq_term(o, lab.get(o[1]) if o[0] == "B" else None))
    if g is not None:
        line += " " + _nq_term(g, lab.get(g[1]) if g[0] == "B" else None)
    return line + " .\n"


def dataset_quads(dataset: dict[str, list[dict[str, Any]]]) -> list[Quad]:
    """pyld's dataset (graph name -> triples) as our quad tuples."""
    quads: list[Quad] = []
    for graph_name, triples in dataset.items():
        g: Term | None = None
        if graph_name != "@default":
            g = ("B", graph_name) if graph_name.startswith("_:") else ("I", graph_name)
        for t in triples:
            quads.append((_term(t["subject"]), t["predicate"]["value"], _term(t["object"]), g))
    return quads


# --- RDFC-1.0 ---------------------------------------------------------------------------


class _Issuer:
    """Identifier issuer (RDFC-1.0 section 4.5) with a cheap copy."""

    __slots__ = ("prefix", "counter", "issued")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}  # insertion-ordered: that order is "issued order"

    def issue(self, existing: str) -> str:
        got = self.issued.get(existing)
        if got is None:
            got = self.issued[existing] = f"{self.prefix}{self.counter}"
            self.counter += 1
        return got

    def copy(self) -> _Issuer:
        new = _Issuer(self.prefix)
        new.counter = self.counter
        new.issued = dict(self.issued)
        return new


#: a quad with its N-Quads pieces escaped once: (quad, subject text, " <predicate> ",
#: object text, graph text); a blank node's text is None (its label varies), the default
#: graph's text is ""
_Line = tuple[Quad, Optional[str], str, Optional[str], Optional[str]]


class _Rdfc10:
    def __init__(self, quads: list[Quad], max_work_factor: int, hash_algorithm: str) -> None:
        self.quads = quads
        self.max_work_factor = max_work_factor
        self.hash_algorithm = hash_algorithm
        self.bnode_quads: dict[str, list[_Line]] = {}
        self.lines: list[_Line] = []
        self.first_degree: dict[str, str] = {}
        self.canonical = _Issuer("_:c14n")
        self.remaining = 0

    def run(self) -> str:
        # 4.4.3 step 2: blank node to quads map (each quad serialised in pieces once)
        bnode_quads = self.bnode_quads
        fixed: list[str] = []  # lines of quads without blank nodes: the same under any labels
        lines = self.lines
        iri_text = _iri_text
        for quad in self.quads:
            s, p, o, g = quad
            s_blank, o_blank = s[0] == "B", o[0] == "B"
            st = None if s_blank else iri_text(s[1]) if s[0] == "I" else _nq_term(s)
            pt = " " + iri_text(p) + " "
            ot = None if o_blank else iri_text(o[1]) if o[0] == "I" else _nq_term(o)
            if g is None:
                gt: str | None = ""
                g_blank = False
            else:
                g_blank = g[0] == "B"
                gt = None if g_blank else " " + _nq_term(g)
            if not (s_blank or o_blank or g_blank):
                fixed.append(st + pt + ot + gt + " .\n")  # type: ignore[operator]
                continue
            entry = (quad, st, pt, ot, gt)
            lines.append(entry)
            for blank, term in ((s_blank, s), (o_blank, o), (g_blank, g)):
                if blank:
                    lst = bnode_quads.get(term[1])  # type: ignore[index]
                    if lst is None:
                        bnode_quads[term[1]] = [entry]  # type: ignore[index]
                    elif lst[-1] is not entry:
                        lst.append(entry)
        self.fixed = fixed
        if not bnode_quads:
            return "".join(sorted(set(fixed)))
        if len(bnode_quads) == 1:
            self.canonical.issue(next(iter(bnode_quads)))
            return self._serialize()

        # steps 3-5: first-degree hashes; unique ones get canonical labels in hash order.
        # (RDFC-1.0 loops while new labels are issued, but first-degree hashes never depend
        # on issued labels, so one pass gives the same result.)
        hash_to_bnodes: dict[str, list[str]] = {}
        for bnode in bnode_quads:
            hash_to_bnodes.setdefault(self._hash_first_degree(bnode), []).append(bnode)
        non_unique: list[list[str]] = []
        for h in sorted(hash_to_bnodes):
            ids = hash_to_bnodes[h]
            if len(ids) > 1:
                non_unique.append(ids)
            else:
                self.canonical.issue(ids[0])

        # step 6: distinguish the rest with Hash N-Degree Quads (bounded work)
        self.remaining = sum(len(ids) for ids in non_unique) ** self.max_work_factor
        for ids in non_unique:
            results: list[tuple[str, _Issuer]] = []
            for bnode in ids:
                if bnode in self.canonical.issued:
                    continue
                temp = _Issuer("_:b")
                temp.issue(bnode)
                results.append(self._hash_n_degree(bnode, temp))
            for _, issuer in sorted(results, key=lambda r: r[0]):
                for existing in issuer.issued:
                    self.canonical.issue(existing)
        return self._serialize()

    def _serialize(self) -> str:
        labels = self.canonical.issued
        out = set(self.fixed)
        for (s, _, o, g), st, pt, ot, gt in self.lines:
            out.add((st if st is not None else labels.get(s[1], s[1])) + pt
                    + (ot if ot is not None else labels.get(o[1], o[1]))
                    + (gt if gt is not None else " " + labels.get(g[1], g[1])) + " .\n")  # type: ignore[index]
        return "".join(sorted(out))

    # 4.6 Hash First Degree Quads
    def _hash_first_degree(self, bnode: str) -> str:
        cached = self.first_degree.get(bnode)
        if cached is not None:
            return cached
        lines = []
        for (s, _, o, g), st, pt, ot, gt in self.bnode_quads[bnode]:
            lines.append((st if st is not None else "_:a" if s[1] == bnode else "_:z") + pt
                         + (ot if ot is not None else "_:a" if o[1] == bnode else "_:z")
                         + (gt if gt is not None else " _:a" if g[1] == bnode else " _:z")  # type: ignore[index]
                         + " .\n")
        lines.sort()
        digest = hashlib.new(self.hash_algorithm, "".join(lines).encode("utf-8")).hexdigest()
        self.first_degree[bnode] = digest
        return digest

    # 4.7 Hash Related Blank Node
    def _hash_related(self, related: str, quad: Quad, issuer: _Issuer, position: str) -> str:
        data = position
        if position != "g":
            data += "<" + quad[1] + ">"
        if related in self.canonical.issued:
            data += self.canonical.issued[related]
        elif related in issuer.issued:
            data += issuer.issued[related]
        else:
            data += self._hash_first_degree(related)
        return hashlib.new(self.hash_algorithm, data.encode("utf-8")).hexdigest()

    # 4.8 Hash N-Degree Quads
    def _hash_n_degree(self, bnode: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        if self.remaining <= 0:
            raise InputError("RDF canonicalization work limit exceeded: too many indistinguishable "
                             "blank nodes (possible poison dataset)", field="document")
        self.remaining -= 1
        hash_to_related: dict[str, list[str]] = {}
        for entry in self.bnode_quads[bnode]:
            quad = entry[0]
            s, _, o, g = quad
            for term, position in ((s, "s"), (o, "o"), (g, "g")):
                if term is not None and term[0] == "B" and term[1] != bnode:
                    h = self._hash_related(term[1], quad, issuer, position)
                    hash_to_related.setdefault(h, []).append(term[1])
        md = hashlib.new(self.hash_algorithm)
        for related_hash in sorted(hash_to_related):
            md.update(related_hash.encode("utf-8"))
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for perm in permutations(hash_to_related[related_hash]):
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in perm:
                    if related in self.canonical.issued:
                        path += self.canonical.issued[related]
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, issuer_copy = self._hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related) + "<" + result_hash + ">"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path, chosen_issuer = path, issuer_copy
            md.update(chosen_path.encode("utf-8"))
            if chosen_issuer is not None:  # always set: the first permutation is never skipped
                issuer = chosen_issuer
        return md.hexdigest(), issuer


def canonicalize_quads(quads: list[Quad], *, max_work_factor: int = 1, hash_algorithm: str = "sha256") -> str:
    """RDFC-1.0 serialized canonical form of a dataset given as quad tuples.

    `hash_algorithm` is RDFC-1.0's internal hash (section 4.2: SHA-256 unless a
    specification says otherwise; ecdsa-rdfc-2019 with P-384 uses SHA-384).
    """
    return _Rdfc10(quads, max_work_factor, hash_algorithm).run()


# --- JSON-LD entry points -------------------------------------------------------------------


def to_quads(doc: dict[str, Any], loader: DocumentLoader, *,
             allow_issuer_dependent: bool = True) -> list[Quad]:
    """The RDF dataset of `doc`: strict expansion, then JSON-LD 1.1 "Deserialize JSON-LD to RDF"."""
    expanded = expand_strict(doc, loader, allow_issuer_dependent=allow_issuer_dependent)
    try:
        return expanded_to_quads(expanded)
    except JsonLdError as exc:  # a node with two @index values: a refusal, not a crash
        raise context_error_from(exc) from exc


def _to_quads_pyld(doc: dict[str, Any], loader: DocumentLoader, *,
                   allow_issuer_dependent: bool = True) -> list[Quad]:
    """to_quads through pyld's node map and RDF conversion (the former path, kept so
    tests/test_to_rdf_equivalence.py can show to_rdf.py gives the same canonical form)."""
    expanded = expand_strict(doc, loader, allow_issuer_dependent=allow_issuer_dependent)
    # pyld's node map may change what it is given; expanded output shares memo entries
    try:
        return _pyld_expanded_to_quads(copy.deepcopy(expanded), loader)
    except JsonLdError as exc:
        raise context_error_from(exc) from exc


def _pyld_expanded_to_quads(expanded: list[Any], loader: DocumentLoader) -> list[Quad]:
    """pyld's "Deserialize JSON-LD to RDF" steps (it changes `expanded`: pass a copy)."""
    proc = new_processor(loader)
    options = proc.options()
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    proc._create_node_map(expanded, node_map, "@default", issuer)
    dataset = {}
    for graph_name, graph in sorted(node_map.items()):
        if graph_name == "@default" or _is_absolute_iri(graph_name):
            dataset[graph_name] = proc._graph_to_rdf(graph, issuer, options)
    return dataset_quads(dataset)


#: canonical forms of flat documents remembered per loader (0 turns it off); see _flat_key
FLAT_MEMO_SIZE = 512


def _flat_key(doc: Any) -> tuple[Any, ...] | None:
    """The JSON of `doc` as a hashable key when every member is a string or a list of strings.

    Why: Data Integrity canonicalises the proof configuration (type, cryptosuite, created,
    verificationMethod, proofPurpose, the document's @context URLs) on every sign and
    verify, and a batch signs with one `created` and one key: the same few hundred bytes
    each time. Such a document's canonical form depends only on this key and the loader."""
    if type(doc) is not dict or len(doc) > 16:
        return None
    items: list[Any] = []
    for key, value in doc.items():
        if type(value) is str:
            items.append((key, value))
        elif type(value) is list and len(value) <= 16 and all(type(v) is str for v in value):
            items.append((key, tuple(value)))
        else:
            return None
    return tuple(items)


def canonize(doc: dict[str, Any], loader: DocumentLoader, *, allow_issuer_dependent: bool = True,
             max_work_factor: int = 1, hash_algorithm: str = "sha256") -> str:
    """RDFC-1.0 canonical N-Quads of JSON-LD `doc`.

    Raises ContextError for undefined terms / unknown contexts (see expand_strict) and
    InputError when the dataset exceeds the canonicalization work limit.
    """
    flat = _flat_key(doc) if FLAT_MEMO_SIZE > 0 else None
    memo: dict[tuple[Any, ...], str] | None = None
    if flat is not None:
        memo = flat_memo(loader)
        key = (allow_issuer_dependent, max_work_factor, hash_algorithm, flat)
        got = memo.get(key)
        if got is not None:
            return got
    quads = to_quads(doc, loader, allow_issuer_dependent=allow_issuer_dependent)
    result = canonicalize_quads(quads, max_work_factor=max_work_factor, hash_algorithm=hash_algorithm)
    if memo is not None:
        if len(memo) >= FLAT_MEMO_SIZE:
            memo.clear()
        memo[key] = result
    return result
