"""Strict JSON-LD expansion: a term the contexts do not define is an error, not a silent drop.

Why: JSON-LD expansion quietly drops properties whose names the contexts do not define,
and RDF conversion quietly drops relative IRIs. A Data Integrity signature covers only
what survives, so a misspelt or unknown property would be "signed" without being
protected, and anyone could change it later. Like digitalbazaar's `safe` mode, we refuse
such documents and name every offending term.

Also here: the per-process context cache. pyld re-processes every context on every call
unless the loader tags documents as static, and it re-processes type-scoped contexts
(OB 3.0 and ELM use many) for each node. `_StrictProcessor` memoises processed contexts
per loader, which makes expansion of an OB 3.0 credential about 2-4x faster.
"""
from __future__ import annotations

import math
import re
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
IRI_MEMO_SIZE = 50_000


class _LoaderState:
    """Caches that belong to one loader (another loader may map a URL to a different document)."""

    def __init__(self, loader: DocumentLoader) -> None:
        self.resolved = _Lru(128)      # URL / inline context -> pyld ResolvedContext
        self.processed = _Lru(2048)    # (active ctx, local ctx, flags) -> processed active ctx
        self.iris: dict[tuple[Any, ...], Any] = {}  # (active ctx, value, base, vocab) -> expanded IRI

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

    def __init__(self, state: _LoaderState) -> None:
        self.dropped: list[str] = []
        super().__init__(on_property_dropped=self._on_dropped)
        self._state = state

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
        if key is not None and isinstance(result, frozendict):
            self._state.processed[key] = (local_ctx, result)
        return result

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


def new_processor(loader: DocumentLoader) -> _StrictProcessor:
    """A strict processor bound to `loader`'s caches (used by canonize as well)."""
    return _StrictProcessor(_state_for(loader))


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
    """
    if not isinstance(doc, dict):
        raise ContextError("a JSON-LD document must be a JSON object", field="document")
    check_json_limits(doc)
    proc = processor or new_processor(loader)
    try:
        expanded: list[dict[str, Any]] = proc.expand(doc, proc.options())
    except JsonLdError as exc:
        raise context_error_from(exc) from exc
    except (ValueError, TypeError, KeyError) as exc:  # pyld's own checks, e.g. '"@context": "x"' (relative IRI)
        raise ContextError(f"@context: not processable JSON-LD: {exc}", field="@context") from exc
    problems = [(t, f"undefined term {t!r}") for t in proc.dropped]
    _walk(expanded, problems, allow_issuer_dependent)
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
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    count = 0
    while stack:
        node, path, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise ContextError(f"document has more than {MAX_VALUES} JSON values: too large to process",
                               field="document")
        if depth > MAX_DEPTH:
            raise ContextError(f"nested deeper than {MAX_DEPTH} levels", field=path or "document")
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    raise ContextError(f"member name {key!r} is not a string", field=path or "document")
                _check_text(key, f"{path}/{_printable(key)}")
                stack.append((value, f"{path}/{_printable(key)}", depth + 1))
        elif isinstance(node, list):
            stack.extend((value, f"{path}/{i}", depth + 1) for i, value in enumerate(node))
        elif isinstance(node, str):
            _check_text(node, path)
        elif isinstance(node, float) and not math.isfinite(node):
            raise ContextError(f"{node!r} is not a JSON number", field=path)
        elif isinstance(node, int) and not isinstance(node, bool):
            try:
                float(node)
            except OverflowError:
                raise ContextError(f"a {node.bit_length()}-bit integer is too large for a JSON-LD number",
                                   field=path) from None
        elif node is not None and not isinstance(node, (bool, float)):
            raise ContextError(f"a {type(node).__name__} is not a JSON value", field=path)


def _check_text(text: str, path: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ContextError("text contains a lone surrogate (not Unicode text)", field=path or "document") from None


def _printable(key: str) -> str:
    return key if key.isascii() else key.encode("ascii", "backslashreplace").decode("ascii")


_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*\Z")


def _is_iri(value: str) -> bool:
    """Absolute IRI test (scheme ':' rest, no whitespace), as jsonld.js's _isAbsoluteIri."""
    return _ABSOLUTE_IRI.match(value) is not None


def _walk(node: Any, problems: list[tuple[str, str]], allow_issuer_dependent: bool) -> None:
    """Find what pyld's RDF conversion would drop silently (relative IRIs) in expanded output."""
    stack: list[Any] = [node]
    append = problems.append
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        is_value = "@value" in item
        for key, value in item.items():
            if key == "@id":
                if isinstance(value, str) and not value.startswith("_:") and not _is_iri(value):
                    append((value, f"relative or invalid IRI {value!r} (an @id must be absolute)"))
            elif key == "@type":
                for t in value if isinstance(value, list) else [value]:
                    if not isinstance(t, str):
                        continue
                    if is_value:
                        if t != "@json" and not _is_iri(t):
                            append((t, f"undefined datatype {t!r}"))
                    elif not t.startswith("_:") and not _is_iri(t):
                        append((t, f"undefined type {t!r}"))
                    elif not allow_issuer_dependent and t.startswith(ISSUER_DEPENDENT):
                        name = t[len(ISSUER_DEPENDENT):]
                        append((name, f"undefined type {name!r} (only issuer-dependent)"))
            elif key.startswith("@"):
                if key != "@value":
                    stack.append(value)
            else:
                if key.startswith("_:"):
                    append((key, f"blank node used as property {key!r}"))
                elif not allow_issuer_dependent and key.startswith(ISSUER_DEPENDENT):
                    name = key[len(ISSUER_DEPENDENT):]
                    append((name, f"undefined term {name!r} (only issuer-dependent)"))
                stack.append(value)

