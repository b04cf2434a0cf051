"""Strict JSON-LD expansion: a term the contexts do not define is an error, not a silent drop.

Why: JSON-LD expansion quietly drops properties whose names the contexts do not define,
and RDF conversion quietly drops relative IRIs. A Data Integrity signature covers only
what survives, so a misspelt or unknown property would be "signed" without being
protected, and anyone could change it later. Like digitalbazaar's `safe` mode, we refuse
such documents and name every offending term.

Also here: the per-process context cache. pyld re-processes every context on every call
unless the loader tags documents as static, and it re-processes type-scoped contexts
(OB 3.0 and ELM use many) for each node. `_StrictProcessor` memoises processed contexts
per loader, which makes expansion of an OB 3.0 credential about 2-4x faster. Two more
memos per loader: expanded IRIs (pure for a frozen context), and across a batch expanded
subtrees up to their urn:uuid node ids (`_SubtreeMemo`; tests/test_expansion_memo.py
proves both leave every canonical form and every refusal as it was). A hit copies only what
must differ or may be changed and shares the rest read-only; the strict walk does not enter
shared parts it already found clean; pyld's deep copy of the document is skipped
(`_Prepared`).
"""
from __future__ import annotations

import copy
import json
import math
import re
import secrets
import threading
import weakref
from collections import OrderedDict
from typing import Any

from frozendict import frozendict
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdError, JsonLdProcessor

from ..errors import ContextError, EdcIssuerError
from .loader import DocumentLoader

#: VC 2.0's catch-all vocabulary for terms no context defines (via `@vocab`)
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"


class _Lru:
    """A tiny LRU mapping (pyld's ContextResolver only needs get / setitem)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            self._data.move_to_end(key)
            return self._data[key]
        except KeyError:  # absent (or evicted meanwhile by another thread)
            return default

    def __setitem__(self, key: Any, value: Any) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


#: expanded IRIs remembered per loader (a dict cleared when full; 0 turns the memo off)
IRI_MEMO_SIZE = 20_000
#: characters of element JSON the subtree memo keeps per loader (about 10x in bytes with
#: the expanded values); 0 turns it off (benchmarks and equality tests compare both ways)
SUBTREE_MEMO_CHARS = 2_000_000

#: the identifiers a subtree memo abstracts: pyld's absolute-IRI test, for urn:uuid IRIs
_UUID_IRI = re.compile(r"^urn:uuid:[^\s]*$")
#: placeholders: urn:uuid IRIs no document or context can know in advance
_PLACEHOLDER = f"urn:uuid:{secrets.token_hex(16)}-"
_PLACEHOLDER_RE = re.compile(re.escape(_PLACEHOLDER) + r"[0-9]+")


def _abstract(node: Any, table: dict[str, str]) -> Any:
    """`node` with every urn:uuid string value (not member names, not inside @context)
    replaced by a placeholder, numbered in order of first appearance; `table` maps each
    placeholder back to its value."""
    if isinstance(node, str):
        if node.startswith("urn:uuid:") and _UUID_IRI.match(node):
            seen = table.get(node)  # the table also maps value -> placeholder while building
            if seen is None:
                seen = table[node] = f"{_PLACEHOLDER}{len(table)}"
            return seen
        return node
    if isinstance(node, dict):
        return {k: (v if k == "@context" else _abstract(v, table)) for k, v in node.items()}
    if isinstance(node, list):
        return [_abstract(v, table) for v in node]
    return node


def _restore_in_place(node: Any, back: dict[str, str], skip: dict[int, Any]) -> Any:
    """The placeholders in `back` put back into expanded output nothing else holds; containers
    in `skip` (shared parts of memo hits: no placeholder in them) are not entered."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str):
                if v in back:
                    node[k] = back[v]
            elif isinstance(v, (dict, list)) and id(v) not in skip:
                _restore_in_place(v, back, skip)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                if v in back:
                    node[i] = back[v]
            elif isinstance(v, (dict, list)) and id(v) not in skip:
                _restore_in_place(v, back, skip)
    elif isinstance(node, str):
        return back.get(node, node)
    return node


def _memo_entry(expanded: Any, renumbered: dict[str, str]) -> tuple[Any, frozenset[int]]:
    """Our own copy of `expanded` (placeholders renamed through `renumbered`) for the memo,
    and the ids of its containers that a hit must copy: those holding a placeholder at any
    depth, and the ones pyld may change in what `_expand` returns it (the result itself, or
    each object of a list result, and their arrays: `_expand_index_map` sets @index/@id/@type
    on such an object and appends to a property-valued index's array). Everything else is
    shared between the entry and every hit, read-only: nothing after expansion (our checks,
    to_rdf.py) changes expanded JSON-LD."""
    marked: set[int] = set()

    def copy_of(node: Any) -> tuple[Any, bool]:
        found = False
        out: Any
        members: Any
        if isinstance(node, dict):
            out, members = {}, node.items()
        else:
            out, members = [None] * len(node), enumerate(node)
        for k, v in members:
            if isinstance(v, str):
                v = renumbered.get(v, v)
                if not found and v.startswith(_PLACEHOLDER):
                    found = True
            elif isinstance(v, (dict, list)):
                v, inner = copy_of(v)
                found = found or inner
            out[k] = v
        if found:
            marked.add(id(out))
        return out, found

    if isinstance(expanded, (dict, list)):
        entry, _ = copy_of(expanded)
    else:
        entry = renumbered.get(expanded, expanded) if isinstance(expanded, str) else expanded
    marked.add(id(entry))
    for root in entry if isinstance(entry, list) else [entry]:
        if isinstance(root, dict):
            marked.add(id(root))
            marked.update(id(v) for v in root.values() if isinstance(v, list))
    return entry, frozenset(marked)


def _restore_shared(node: Any, back: dict[str, str], marked: frozenset[int], shared: dict[int, Any] | None) -> Any:
    """A hit's result: the marked containers of a memo entry copied (placeholders in `back`
    put back), the others shared; those are recorded in `shared` (id -> container, which also
    keeps them alive so no id is reused meanwhile) when given."""
    if isinstance(node, dict):
        if id(node) not in marked:
            if shared is not None:
                shared[id(node)] = node
            return node
        return {k: (back.get(v, v) if isinstance(v, str) else _restore_shared(v, back, marked, shared))
                for k, v in node.items()}
    if isinstance(node, list):
        if id(node) not in marked:
            if shared is not None:
                shared[id(node)] = node
            return node
        return [back.get(v, v) if isinstance(v, str) else _restore_shared(v, back, marked, shared) for v in node]
    if isinstance(node, str):
        return back.get(node, node)
    return node


class _Entry:
    """A stored subtree: expanded JSON-LD (placeholders for urn:uuid ids), the terms dropped
    while expanding it, the ids of the containers a hit copies (see _memo_entry), and whether
    _walk finds nothing in it even without issuer-dependent terms (asked at the first hit:
    most entries of a batch, a learner's own parts, are never served)."""

    __slots__ = ("expanded", "dropped", "marked", "_clean")

    def __init__(self, expanded: Any, dropped: tuple[str, ...], marked: frozenset[int]) -> None:
        self.expanded = expanded
        self.dropped = dropped
        self.marked = marked
        self._clean: bool | None = None

    @property
    def clean(self) -> bool:
        if self._clean is None:
            problems: list[tuple[str, str]] = []
            _walk(self.expanded, problems, False)  # placeholders are absolute IRIs: no problem
            self._clean = not problems
        return self._clean


class _SubtreeMemo:
    """Expanded form of JSON objects already expanded under the same active context.

    Why: in a batch the programme part of every credential (achievement / specification,
    issuer, outcomes, awarding bodies) is the same JSON under the same context, except for
    the per-credential urn:uuid node ids in it; expanding it is most of canonicalization.
    The key is exact up to those ids: the frozen active context's identity, pyld's
    expansion flags and the element's JSON text with each urn:uuid value replaced by a
    numbered placeholder (equal ids share one). That is sound because pyld's expansion
    treats every such IRI alike (an absolute IRI passed through unchanged) unless a
    context defines the term `urn` or a term starting with `urn:uuid:`: the processor
    checks every context it processes and turns the memo off for the loader when one does.
    The placeholders are random per process, so no context or document can produce one.
    An element is stored the second time it is seen (a learner's own part takes no room);
    terms dropped while expanding it are replayed on a hit; values are copied in and out.
    """

    def __init__(self) -> None:
        self._data: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._seen: set[int] = set()  # hashes of keys seen once (a clash only stores early)
        self._chars = 0
        self._lock = threading.Lock()
        self.usable = True  # False once a context defines `urn` or a urn:uuid: term
        self.checked: set[str] = set()  # _uuid of contexts found not to
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> _Entry | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return hit

    def put(self, key: tuple[Any, ...], expanded: Any, dropped: tuple[str, ...], budget: int,
            renumbered: dict[str, str] | None = None) -> None:
        """Store `expanded` (copied; its placeholders renamed through `renumbered` when given)."""
        size = len(key[-1])
        if size > budget // 8:  # e.g. a whole document: it would crowd out the shared parts
            return
        with self._lock:
            digest = hash(key)
            if digest not in self._seen:
                if len(self._seen) >= 65_536:
                    self._seen.clear()
                self._seen.add(digest)
                return
            if key in self._data:
                return
        copied, marked = _memo_entry(expanded, renumbered or {})  # pyld may change `expanded`
        entry = _Entry(copied, dropped, marked)
        with self._lock:
            if key in self._data:
                return
            self._data[key] = entry
            self._chars += size
            while self._chars > budget and self._data:
                old, _ = self._data.popitem(last=False)
                self._chars -= len(old[-1])

    def check_context(self, ctx: Any) -> None:
        """Turn the memo off if frozen context `ctx` gives urn:uuid IRIs a meaning of their own."""
        uuid = ctx.get("_uuid")
        if uuid in self.checked:
            return
        if any(term == "urn" or term.startswith("urn:uuid:") for term in ctx.get("mappings", ())):
            self.usable = False
        elif uuid is not None:
            self.checked.add(uuid)

    def __len__(self) -> int:
        return len(self._data)


class _LoaderState:
    """Caches that belong to one loader (another loader may map a URL to a different document)."""

    def __init__(self, loader: DocumentLoader) -> None:
        self.resolved = _Lru(128)      # URL / inline context -> pyld ResolvedContext
        self.processed = _Lru(2048)    # (active ctx, local ctx, flags) -> processed active ctx
        self.iris: dict[tuple[Any, ...], Any] = {}  # (active ctx, value, base, vocab) -> expanded IRI
        self.subtrees = _SubtreeMemo()  # (active ctx, flags, abstracted element JSON) -> expanded
        self.flat: dict[tuple[Any, ...], str] = {}  # canonize: flat documents -> canonical N-Quads

        def tagged(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
            # 'static' lets pyld's resolver keep the resolved context across calls
            return {**loader(url, options), "tag": "static"}

        self.loader = tagged


_STATES: weakref.WeakKeyDictionary[Any, _LoaderState] = weakref.WeakKeyDictionary()


def _state_for(loader: DocumentLoader) -> _LoaderState:
    try:
        state = _STATES.get(loader)
        if state is None:
            state = _STATES[loader] = _LoaderState(loader)
        return state
    except TypeError:  # loader cannot be weakly referenced: no cross-call cache
        return _LoaderState(loader)


class _StrictProcessor(JsonLdProcessor):  # type: ignore[misc]
    """pyld processor that records dropped terms and memoises processed contexts."""

    def __init__(self, state: _LoaderState, *, memo: bool = True) -> None:
        self.dropped: list[str] = []
        super().__init__(on_property_dropped=self._on_dropped)
        self._state = state
        self.memo = memo  # False: expand every subtree (used to report errors exactly)
        self._abstracted = False  # True while expanding an element _abstract made
        # shared parts of memo hits with nothing for _walk to find (id -> container): _walk
        # and _restore_in_place do not enter them
        self.checked: dict[int, Any] = {}

    def _on_dropped(self, expanded_property: str | None) -> None:
        self.dropped.append(expanded_property if expanded_property else "(keyword-like key)")

    def _process_context(self, active_ctx: Any, local_ctx: Any, options: dict[str, Any],
                         override_protected: bool = False, propagate: bool = True,
                         validate_scoped: bool = True, cycles: Any = None) -> Any:
        # Only finished (frozen) active contexts are safe keys: pyld assigns a fresh _uuid
        # to contexts still being built, and frozen results never change afterwards.
        key = None
        if isinstance(active_ctx, frozendict) and "_uuid" in active_ctx and local_ctx is not None:
            local_key = local_ctx if isinstance(local_ctx, str) else id(local_ctx)
            key = (active_ctx["_uuid"], local_key, override_protected, propagate, validate_scoped,
                   options.get("base"))
            hit = self._state.processed.get(key)
            # the entry keeps `local_ctx` alive, so its id cannot have been reused
            if hit is not None and hit[0] is local_ctx:
                return hit[1]
        result = super()._process_context(active_ctx, local_ctx, options, override_protected,
                                          propagate, validate_scoped, cycles)
        if isinstance(result, frozendict):
            if key is not None:
                self._state.processed[key] = (local_ctx, result)
            self._state.subtrees.check_context(result)
        return result

    def _expand(self, active_ctx: Any, active_property: Any, element: Any, options: dict[str, Any],
                inside_list: bool = False, inside_index: bool = False, type_scoped_ctx: Any = None) -> Any:
        # Memoise JSON objects below the document root (see _SubtreeMemo); only frozen
        # contexts are identities that never change (as in _process_context above).
        memo = self._state.subtrees
        budget = SUBTREE_MEMO_CHARS
        if not (self.memo and memo.usable and budget > 0 and active_property is not None
                and isinstance(element, dict) and isinstance(active_ctx, frozendict)
                and "_uuid" in active_ctx
                and (type_scoped_ctx is None
                     or (isinstance(type_scoped_ctx, frozendict) and "_uuid" in type_scoped_ctx))):
            return super()._expand(active_ctx, active_property, element, options, inside_list,
                                   inside_index, type_scoped_ctx)
        flags = (active_property, inside_list, inside_index,
                 type_scoped_ctx["_uuid"] if type_scoped_ctx is not None else None,
                 options.get("base"), bool(options.get("isFrame")), options.get("processingMode"))
        if self._abstracted:
            # inside an element already abstracted: renumber its placeholders by text
            try:
                raw = json.dumps(element, ensure_ascii=False, allow_nan=False, check_circular=False)
            except (TypeError, ValueError):
                return super()._expand(active_ctx, active_property, element, options, inside_list,
                                       inside_index, type_scoped_ctx)
            local: dict[str, str] = {}  # outer placeholder -> this element's placeholder

            def renumber(match: re.Match[str]) -> str:
                got = local.get(match[0])
                if got is None:
                    got = local[match[0]] = f"{_PLACEHOLDER}{len(local)}"
                return got

            key = (active_ctx["_uuid"], *flags, _PLACEHOLDER_RE.sub(renumber, raw))
            hit = memo.get(key)
            if hit is not None:
                self.dropped.extend(hit.dropped)
                return _restore_shared(hit.expanded, {mine: outer for outer, mine in local.items()},
                                       hit.marked, self.checked if hit.clean else None)
            before = len(self.dropped)
            result = super()._expand(active_ctx, active_property, element, options, inside_list,
                                     inside_index, type_scoped_ctx)
            if memo.usable:
                memo.put(key, result, tuple(self.dropped[before:]), budget, local)
            return result
        table: dict[str, str] = {}  # value -> placeholder
        abstracted = _abstract(element, table)
        try:
            text = json.dumps(abstracted, ensure_ascii=False, allow_nan=False, check_circular=False)
        except (TypeError, ValueError):  # not JSON: let pyld say what it makes of it
            return super()._expand(active_ctx, active_property, element, options, inside_list,
                                   inside_index, type_scoped_ctx)
        back = {placeholder: value for value, placeholder in table.items()}
        key = (active_ctx["_uuid"], *flags, text)
        hit = memo.get(key)
        if hit is not None:
            self.dropped.extend(hit.dropped)
            return _restore_shared(hit.expanded, back, hit.marked, self.checked if hit.clean else None)
        before = len(self.dropped)
        self._abstracted = True
        try:
            result = super()._expand(active_ctx, active_property, abstracted, options, inside_list,
                                     inside_index, type_scoped_ctx)
        finally:
            self._abstracted = False
        if not memo.usable:  # a context met while expanding gives urn:uuid a meaning: start over
            del self.dropped[before:]
            return super()._expand(active_ctx, active_property, element, options, inside_list,
                                   inside_index, type_scoped_ctx)
        memo.put(key, result, tuple(self.dropped[before:]), budget)
        # pyld built `result` for this call alone (children's results are fresh copies too)
        return _restore_in_place(result, back, self.checked) if back else result

    def _expand_iri(self, active_ctx: Any, value: Any, base: Any = None, vocab: bool = False,
                    local_ctx: Any = None, defined: Any = None) -> Any:
        # Outside context processing (no local_ctx) IRI expansion is a pure function of the
        # active context and its arguments; for a frozen context (see _process_context) the
        # result is memoised: expansion asks the same few hundred terms thousands of times.
        if (local_ctx or IRI_MEMO_SIZE <= 0 or not isinstance(active_ctx, frozendict)
                or not isinstance(value, str)):
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        uuid = active_ctx.get("_uuid")
        if uuid is None:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = (uuid, value, base, vocab)
        iris = self._state.iris
        try:
            return iris[key]
        except KeyError:
            pass
        result = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        if len(iris) >= IRI_MEMO_SIZE:
            iris.clear()  # bounded: a batch's per-credential ids would otherwise accumulate
        iris[key] = result
        return result

    def options(self) -> dict[str, Any]:
        return {
            "base": None,  # keep relative IRIs relative (as jsonld.js does) so we can refuse them
            "documentLoader": self._state.loader,
            "contextResolver": ContextResolver(self._state.resolved, self._state.loader),
            "extractAllScripts": False,
            "processingMode": "json-ld-1.1",
            "produceGeneralizedRdf": False,
            "rdfDirection": None,
        }


class _Prepared(dict):  # type: ignore[type-arg]
    """A document as pyld's expand() may take it without its deep copy (a copy of the whole
    document on every call, 10% of expanding a credential): pyld's expansion only reads the
    document, and the one thing it keys on identity is an inline context (our processed-
    context memo uses `id(local_ctx)`), so the top-level @context is a fresh copy and a
    document with a @context below its top is not prepared at all (pyld copies it)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        super().__init__(doc)
        if "@context" in doc and not isinstance(doc["@context"], str):
            self["@context"] = copy.deepcopy(doc["@context"])

    def __deepcopy__(self, memo: dict[int, Any]) -> _Prepared:
        return self


def flat_memo(loader: DocumentLoader) -> dict[tuple[Any, ...], str]:
    """The loader's memo of canonical forms of flat documents (canonize.py fills it; a loader
    that cannot be weakly referenced gets a fresh one each call, so nothing is remembered)."""
    return _state_for(loader).flat


def new_processor(loader: DocumentLoader, *, memo: bool = True) -> _StrictProcessor:
    """A strict processor bound to `loader`'s caches (used by canonize as well)."""
    return _StrictProcessor(_state_for(loader), memo=memo)


def context_error_from(exc: JsonLdError) -> ContextError:
    """Turn a pyld error into a ContextError, keeping the loader's own message when it caused it."""
    cause: BaseException | None = exc
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, EdcIssuerError):
            return ContextError(cause.message, field=cause.field or "@context", value=cause.value)
        cause = cause.__cause__ or cause.__context__
    detail = exc
    while isinstance(detail.__cause__, JsonLdError):
        detail = detail.__cause__
    details = getattr(detail, "details", None) or {}
    url = details.get("url") if isinstance(details, dict) else None
    code = getattr(detail, "code", None)
    msg = detail.args[0] if detail.args else str(detail)
    return ContextError(f"JSON-LD error{f' ({code})' if code else ''}: {msg}"
                        + (f" [{url}]" if url else ""), field="@context", value=url)


def expand_strict(doc: dict[str, Any], loader: DocumentLoader, *,
                  allow_issuer_dependent: bool = True,
                  processor: _StrictProcessor | None = None) -> list[dict[str, Any]]:
    """Expand `doc`; raise ContextError naming every undefined term or unresolvable reference.

    Refused: properties no context defines, `@type` values that are not IRIs (an
    undefined type name), relative `@id`s, blank-node properties; loader failures
    become ContextError too. `allow_issuer_dependent=False` also refuses terms that
    only VC 2.0's `@vocab` catch-all (issuer-dependent#) gives a meaning to.
    The result may share parts with the subtree memo (and @json values with `doc`): read it,
    never change it.
    """
    if not isinstance(doc, dict):
        raise ContextError("a JSON-LD document must be a JSON object", field="document")
    nested_context = _check_json_limits(doc)
    proc = processor or new_processor(loader)
    if not nested_context:
        doc = _Prepared(doc)
    try:
        try:
            expanded: list[dict[str, Any]] = proc.expand(doc, proc.options())
        except (JsonLdError, ValueError, TypeError, KeyError):
            if not proc.memo:
                raise
            # say exactly what pyld says without the memo (its messages may quote values)
            proc.memo = False
            del proc.dropped[:]
            proc.checked.clear()
            expanded = proc.expand(doc, proc.options())
    except JsonLdError as exc:
        raise context_error_from(exc) from exc
    except (ValueError, TypeError, KeyError) as exc:  # pyld's own checks, e.g. '"@context": "x"' (relative IRI)
        raise ContextError(f"@context: not processable JSON-LD: {exc}", field="@context") from exc
    problems = [(t, f"undefined term {t!r}") for t in proc.dropped]
    _walk(expanded, problems, allow_issuer_dependent, proc.checked)
    if problems:
        unique = list(dict.fromkeys(problems))
        texts = [msg for _, msg in unique]
        more = f" (and {len(texts) - 20} more)" if len(texts) > 20 else ""
        raise ContextError("; ".join(texts[:20]) + more, field="@context",
                           value=list(dict.fromkeys(name for name, _ in unique)))
    return expanded


#: far beyond any credential (an EDC is about 15 levels deep and 2 000 values), far below
#: what makes pyld recurse past Python's stack or RDFC-1.0 run for seconds
MAX_DEPTH = 64
MAX_VALUES = 20_000


def check_json_limits(doc: Any) -> None:
    """Refuse (ContextError naming the path) what JSON-LD processing cannot take safely.

    Walked iteratively before pyld sees the document: nesting deeper than MAX_DEPTH or more
    than MAX_VALUES values (pyld recurses and copies; RDFC-1.0 cost grows with nodes),
    keys that are not strings, strings that are not Unicode scalar values (a lone surrogate
    such as "\\ud800" cannot be UTF-8 encoded for hashing), NaN/Infinity, and integers no
    double can hold (pyld converts numbers with float()).
    """
    _check_json_limits(doc)


def _check_json_limits(doc: Any) -> bool:
    """check_json_limits; True when a `@context` member appears below the top of `doc`
    (expand_strict then lets pyld copy the document, see _Prepared)."""
    # each entry: (value, parent entry, key or index, depth); paths are spelt only for a refusal
    root: tuple[Any, Any, Any, int] = (doc, None, None, 0)
    stack = [root]
    count = 0
    nested_context = False
    while stack:
        entry = stack.pop()
        node, _, _, depth = entry
        count += 1
        if count > MAX_VALUES:
            raise ContextError(f"document has more than {MAX_VALUES} JSON values: too large to process",
                               field="document")
        if depth > MAX_DEPTH:
            raise ContextError(f"nested deeper than {MAX_DEPTH} levels", field=_path(entry) or "document")
        if type(node) is dict:
            for key, value in node.items():
                if type(key) is not str:
                    if not isinstance(key, str):
                        raise ContextError(f"member name {key!r} is not a string",
                                           field=_path(entry) or "document")
                if not key.isascii():
                    _check_text(key, _path((None, entry, key, 0)))
                elif key == "@context" and depth:
                    nested_context = True
                stack.append((value, entry, key, depth + 1))
        elif type(node) is list:
            stack.extend([(value, entry, i, depth + 1) for i, value in enumerate(node)])
        elif type(node) is str:
            if not node.isascii():
                _check_text(node, _path(entry))
        elif node is None or type(node) is bool:
            pass
        elif isinstance(node, dict) or isinstance(node, list) or isinstance(node, str):
            # subclasses (rare): walk them the same way through a plain copy
            stack.append((dict(node) if isinstance(node, dict) else list(node) if isinstance(node, list)
                          else str(node), entry[1], entry[2], depth))
            count -= 1
        elif isinstance(node, float) and not math.isfinite(node):
            raise ContextError(f"{node!r} is not a JSON number", field=_path(entry))
        elif isinstance(node, int) and not isinstance(node, bool):
            try:
                float(node)
            except OverflowError:
                raise ContextError(f"a {node.bit_length()}-bit integer is too large for a JSON-LD number",
                                   field=_path(entry)) from None
        elif not isinstance(node, (bool, float)):
            raise ContextError(f"a {type(node).__name__} is not a JSON value", field=_path(entry))
    return nested_context


def _path(entry: tuple[Any, Any, Any, int]) -> str:
    """The JSON pointer-like path of a walked entry (`/credentialSubject/achievement/0`)."""
    parts: list[str] = []
    while entry is not None and entry[1] is not None:
        key = entry[2]
        parts.append(_printable(key) if isinstance(key, str) else str(key))
        entry = entry[1]
    return "".join(f"/{part}" for part in reversed(parts))


def _check_text(text: str, path: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ContextError("text contains a lone surrogate (not Unicode text)", field=path or "document") from None


def _printable(key: str) -> str:
    return key if key.isascii() else key.encode("ascii", "backslashreplace").decode("ascii")


_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*\Z")


_IRI_OK: dict[str, bool] = {}


def _is_iri(value: str) -> bool:
    """Absolute IRI test (scheme ':' rest, no whitespace), as jsonld.js's _isAbsoluteIri
    (memoised: the same types and datatypes are asked about in every node)."""
    got = _IRI_OK.get(value)
    if got is None:
        if len(_IRI_OK) >= IRI_MEMO_SIZE:
            _IRI_OK.clear()
        got = _IRI_OK[value] = _ABSOLUTE_IRI.match(value) is not None
    return got


def _walk(node: Any, problems: list[tuple[str, str]], allow_issuer_dependent: bool,
          skip: dict[int, Any] | None = None) -> None:
    """Find what pyld's RDF conversion would drop silently (relative IRIs) in expanded output;
    containers in `skip` are known to hold nothing to find."""
    skip = skip or {}
    stack: list[Any] = [node]
    append = problems.append
    push = stack.append
    pop = stack.pop
    while stack:
        item = pop()
        if isinstance(item, list):
            if id(item) not in skip:
                stack.extend(item)
            continue
        if not isinstance(item, dict) or id(item) in skip:
            continue
        if "@value" in item:
            # pyld's value objects hold @value, @type, @language, @direction and @index, all but
            # @value strings (it refuses anything else): only the datatype can be a problem
            datatype = item.get("@type")
            for t in datatype if isinstance(datatype, list) else [datatype]:
                if isinstance(t, str) and t != "@json" and not _is_iri(t):
                    append((t, f"undefined datatype {t!r}"))
            continue
        for key, value in item.items():
            if key == "@id":
                if isinstance(value, str) and not value.startswith("_:") and not _is_iri(value):
                    append((value, f"relative or invalid IRI {value!r} (an @id must be absolute)"))
            elif key == "@type":
                for t in value if isinstance(value, list) else [value]:
                    if not isinstance(t, str):
                        continue
                    if not t.startswith("_:") and not _is_iri(t):
                        append((t, f"undefined type {t!r}"))
                    elif not allow_issuer_dependent and t.startswith(ISSUER_DEPENDENT):
                        name = t[len(ISSUER_DEPENDENT):]
                        append((name, f"undefined type {name!r} (only issuer-dependent)"))
            elif key.startswith("@"):
                if not isinstance(value, str):  # a string holds nothing to check
                    push(value)
            else:
                if key.startswith("_:"):
                    append((key, f"blank node used as property {key!r}"))
                elif not allow_issuer_dependent and key.startswith(ISSUER_DEPENDENT):
                    name = key[len(ISSUER_DEPENDENT):]
                    append((name, f"undefined term {name!r} (only issuer-dependent)"))
                elif not _is_iri(key):   # e.g. a property-valued @index naming no IRI: RDF drops it
                    append((key, f"property {key!r} is not an absolute IRI (it would not be signed)"))
                push(value)
