"""JSON-LD 1.1 API "Deserialize JSON-LD to RDF" (section 8) over expanded JSON-LD, in one pass.

Why our own: pyld builds a node map of dicts (sorting, `add_value` with linear duplicate
scans, deep copies), then turns it into RDF dicts that canonize.py turns into tuples again;
that was over half of canonicalising a credential. Here expanded JSON-LD becomes our quad
tuples directly: nodes are flattened as they are met, duplicates are found with a set.

The result is the same RDF dataset as pyld's `_create_node_map` + `_graph_to_rdf` with our
options (JSON-LD 1.1 processing mode, no generalized RDF, `rdfDirection` None so
`@direction` is dropped), up to blank node labels — which RDFC-1.0 replaces anyway, so the
canonical N-Quads are byte-identical (tests/test_to_rdf_equivalence.py checks every vector,
sample and a fuzz of shapes). pyld's behaviour is kept where it matters for the dataset:

* duplicates are pyld's `compare_values`: values equal in @value (Python `==`, but a boolean
  only equals a boolean), @type, @language and @index are one value (so `1` and `1.0` are
  one, and of two equal values with different @index both are kept, giving the same triple
  twice, as pyld does); node references by @id; lists are never merged;
* which of two "equal" values is kept (the first met) follows pyld's walk: node members in
  sorted order, values in array order;
* subjects, predicates and IRI objects that pyld's absolute-IRI test refuses are dropped,
  blank-node predicates too (the nodes below them still count);
* literals: booleans, integers (xsd:integer; beyond 1e21 in magnitude, and any float that
  is not integral, xsd:double in pyld's canonical form), `@json` as JCS, a value typed
  xsd:double re-spelt when it parses as a number;
* a node met twice with two different @index values is pyld's "conflicting indexes" error
  (pyld itself fails with a TypeError when both @index values are equal; the spec allows it
  and so do we). Two more places where pyld cannot give a dataset, both refused by
  expand_strict before they get here: a relative IRI as a list item (pyld fails; its
  rdf:first is left out) and a blank node as a literal's datatype (kept as written).
"""
from __future__ import annotations

import re
from numbers import Integral, Real
from typing import Any, Optional

from pyld.jsonld import KEYWORDS, JsonLdError, JsonLdProcessor, _canonicalize_double, canonicalize

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
RDF_LANGSTRING = RDF + "langString"
RDF_JSON = RDF + "JSON"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = XSD + "boolean"
XSD_INTEGER = XSD + "integer"
XSD_DOUBLE = XSD + "double"

# A term is a tuple: (kind, value[, datatype, language]); kind "I" IRI, "B" blank node, "L" literal.
Term = tuple[str, ...]
Quad = tuple[Term, str, Term, Optional[Term]]

#: pyld's _is_absolute_iri (the character class `+-.` is the range "+,-."; `$` allows a final newline)
_ABSOLUTE = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_KEYWORDS = frozenset(KEYWORDS)
#: node members handled by the walk itself; other keywords are copied by pyld, never converted
_STRUCTURAL = frozenset(("@id", "@type", "@reverse", "@graph", "@included"))
_NIL: Term = ("I", RDF_NIL)

_absolute_memo: dict[str, bool] = {}


def _absolute(value: str) -> bool:
    """pyld's absolute-IRI test (blank node identifiers pass), memoised: the same few hundred
    predicates and node ids are asked about thousands of times."""
    got = _absolute_memo.get(value)
    if got is None:
        if len(_absolute_memo) > 50_000:
            _absolute_memo.clear()
        got = _absolute_memo[value] = _ABSOLUTE.match(value) is not None
    return got


def literal(item: dict[str, Any]) -> Term:
    """The RDF literal of a value object (pyld's _object_to_rdf, then canonize's term tuple)."""
    value = item["@value"]
    datatype = item.get("@type")
    if datatype == "@json":
        return ("L", canonicalize(value).decode("utf-8"), RDF_JSON, "")
    if type(value) is str and datatype != XSD_DOUBLE:  # the common case, decided as below
        if "@language" in item:
            return ("L", value, datatype or RDF_LANGSTRING, item["@language"] or "")
        return ("L", value, datatype or XSD_STRING, "")
    if isinstance(value, bool):
        return ("L", "true" if value else "false", datatype or XSD_BOOLEAN, "")
    if _is_double(value):
        return ("L", _canonicalize_double(value), datatype or XSD_DOUBLE, "")
    if datatype == XSD_DOUBLE:
        try:
            number = float(value)
        except (ValueError, TypeError):
            return ("L", value, XSD_DOUBLE, "")
        return ("L", _canonicalize_double(number), XSD_DOUBLE, "")
    if _is_integer(value):
        if abs(value) >= 1e21:
            return ("L", _canonicalize_double(value), datatype or XSD_DOUBLE, "")
        return ("L", str(int(value)), datatype or XSD_INTEGER, "")
    if "@language" in item:
        return ("L", value, datatype or RDF_LANGSTRING, item["@language"] or "")
    return ("L", value, datatype or XSD_STRING, "")


def _is_double(value: Any) -> bool:
    """pyld's _is_double: a real number that is not integral (1.0 is an integer)."""
    return not isinstance(value, Integral) and isinstance(value, Real) and not float(value).is_integer()


def _is_integer(value: Any) -> bool:
    """pyld's _is_integer (booleans are excluded before it is asked)."""
    return isinstance(value, Integral) or (isinstance(value, Real) and float(value).is_integer())


def _node_term(node_id: str) -> Term:
    return ("B", node_id) if node_id.startswith("_:") else ("I", node_id)


class _Pending:
    """An RDF list met under a property: its items, converted only if its triple is emitted."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[Term | _Pending | None] = []


class _Converter:
    """One conversion: blank node labels, the graphs' triples and the duplicate sets."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}
        self.counter = 0
        self.triples: dict[str, list[tuple[Term, str, Term]]] = {"@default": []}
        self.seen: set[tuple[Any, ...]] = set()
        self.unhashable: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        self.indexes: dict[tuple[str, str], Any] = {}

    def fresh(self) -> str:
        self.counter += 1
        return f"_:b{self.counter - 1}"

    def label(self, existing: str) -> str:
        got = self.labels.get(existing)
        if got is None:
            got = self.labels[existing] = self.fresh()
        return got

    # --- the node map walk (pyld's _create_node_map, emitting as it goes) -------------------

    def element(self, item: Any, graph: str, subject: str | None, reverse: str | None,
                prop: str | None, into: _Pending | None, emit: bool) -> None:
        """`item` met as a member value of `subject`/`prop` (or, with `reverse`, of a reverse
        property pointing at node `reverse`), or at the top of a graph (no subject, no prop);
        `into` collects the items of the list being walked; `emit` is False when the triple
        (subject, prop, item) cannot be emitted (relative subject, relative or blank predicate)."""
        if type(item) is list:
            for e in item:
                self.element(e, graph, subject, reverse, prop, into, emit)
            return
        if "@value" in item:
            if into is not None:
                into.items.append(literal(item))
            elif subject is not None and prop is not None and emit:
                self.add_value(graph, subject, prop, item)
            return
        if "@list" in item:
            pending = _Pending()
            self.element(item["@list"], graph, subject, reverse, prop, pending, emit)
            if into is not None:
                into.items.append(pending)
            elif subject is not None and prop is not None and emit:
                head = self.materialise(pending, graph)
                self.triples[graph].append((_node_term(subject), prop, head))
            return
        node_id = item.get("@id")
        if node_id is None or str(node_id).startswith("_:"):
            node_id = self.label(node_id) if node_id is not None else self.fresh()
        if reverse is not None:
            if prop is not None and _absolute(node_id) and _absolute(prop) and not prop.startswith("_:"):
                self.add_reference(graph, node_id, prop, reverse)
        elif prop:
            if into is not None:
                into.items.append(_node_term(node_id) if _absolute(node_id) else None)
            elif subject is not None and emit:
                self.add_reference(graph, subject, prop, node_id)
        self.node(item, node_id, graph)

    def node(self, item: dict[str, Any], node_id: str, graph: str) -> None:
        """The members of node object `item` (id `node_id`), in pyld's (sorted) order."""
        subject_ok = _absolute_memo.get(node_id) or _absolute(node_id)
        for prop in sorted(item) if len(item) > 1 else item:
            objects = item[prop]
            if prop in _KEYWORDS:
                if prop == "@id":
                    continue
                if prop == "@type":
                    if subject_ok:
                        for type_ in objects:
                            target = self.label(type_) if type_.startswith("_:") else type_
                            key = (graph, node_id, "@type", target)
                            if key not in self.seen:
                                self.seen.add(key)
                                if _absolute(target):
                                    self.triples[graph].append((_node_term(node_id), RDF_TYPE,
                                                                _node_term(target)))
                    continue
                if prop == "@reverse":
                    for reverse_prop, values in objects.items():
                        for value in values:
                            self.element(value, graph, None, node_id, reverse_prop, None, False)
                    continue
                if prop == "@graph":
                    if node_id not in self.triples:
                        self.triples[node_id] = []
                    self.element(objects, node_id, None, None, None, None, False)
                    continue
                if prop == "@included":
                    self.element(objects, graph, None, None, None, None, False)
                    continue
                if prop == "@index":
                    where = (graph, node_id)
                    if where in self.indexes and self.indexes[where] != objects:
                        raise JsonLdError("Invalid JSON-LD syntax; conflicting @index property  detected.",
                                          "jsonld.SyntaxError", {"node": {"@id": node_id}},
                                          code="conflicting indexes")
                    self.indexes[where] = objects
                continue  # other keywords are copied into pyld's node map, never converted
            if prop.startswith("_:"):
                self.label(prop)
                emit = False
            else:
                emit = subject_ok and (_absolute_memo.get(prop) or _absolute(prop))
            for o in objects:
                if type(o) is dict and "@value" in o:  # the common case of element(), inline
                    if emit:
                        self.add_value(graph, node_id, prop, o)
                else:
                    self.element(o, graph, node_id, None, prop, None, emit)

    # --- emitting --------------------------------------------------------------------------

    def add_value(self, graph: str, subject: str, prop: str, item: dict[str, Any]) -> None:
        value = item["@value"]
        try:
            key = (graph, subject, prop, "v", type(value) is bool, value, item.get("@type"),
                   item.get("@language"), item.get("@index"))
            if key in self.seen:
                return
            self.seen.add(key)
        except TypeError:  # a @json object or array: pyld's own comparison, one by one
            earlier = self.unhashable.setdefault((graph, subject, prop), [])
            if any(JsonLdProcessor.compare_values(item, e) for e in earlier):
                return
            earlier.append(item)
        self.triples[graph].append((_node_term(subject), prop, literal(item)))

    def add_reference(self, graph: str, subject: str, prop: str, target: str) -> None:
        key = (graph, subject, prop, "id", target)
        if key in self.seen:
            return
        self.seen.add(key)
        if _absolute(target):
            self.triples[graph].append((_node_term(subject), prop, _node_term(target)))

    def materialise(self, pending: _Pending, graph: str) -> Term:
        """The head of the rdf:first/rest chain of `pending`, its triples added to `graph`."""
        if not pending.items:
            return _NIL
        triples = self.triples[graph]
        head: Term = ("B", self.fresh())
        node = head
        last = len(pending.items) - 1
        for i, entry in enumerate(pending.items):
            obj = self.materialise(entry, graph) if isinstance(entry, _Pending) else entry
            if obj is not None:  # a relative IRI (pyld would fail on it; expand_strict refuses it)
                triples.append((node, RDF_FIRST, obj))
            following: Term = _NIL if i == last else ("B", self.fresh())
            triples.append((node, RDF_REST, following))
            node = following
        return head


def expanded_to_quads(expanded: list[Any]) -> list[Quad]:
    """The RDF dataset of expanded JSON-LD `expanded` as quad tuples (default graph: None)."""
    conv = _Converter()
    conv.element(expanded, "@default", None, None, None, None, False)
    quads: list[Quad] = []
    for graph_name, triples in conv.triples.items():
        if not triples:
            continue
        if graph_name == "@default":
            quads.extend([(s, p, o, None) for s, p, o in triples])
        elif _absolute(graph_name):
            g = _node_term(graph_name)
            quads.extend([(s, p, o, g) for s, p, o in triples])
    return quads
