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


class _LoaderState:
    """Caches that belong to one loader (another loader may map a URL to a different document)."""

    def __init__(self, loader: DocumentLoader) -> None:
        self.resolved = _Lru(128)      # URL / inline context -> pyld ResolvedContext
        self.processed = _Lru(2048)    # (active ctx, local ctx, flags) -> processed active ctx

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
    proc = processor or new_processor(loader)
    try:
        expanded: list[dict[str, Any]] = proc.expand(doc, proc.options())
    except JsonLdError as exc:
        raise context_error_from(exc) from exc
    problems = [(t, f"undefined term {t!r}") for t in proc.dropped]
    _walk(expanded, problems, allow_issuer_dependent)
    if problems:
        unique = list(dict.fromkeys(problems))
        texts = [msg for _, msg in unique]
        more = f" (and {len(texts) - 20} more)" if len(texts) > 20 else ""
        raise ContextError("; ".join(texts[:20]) + more, field="@context",
                           value=list(dict.fromkeys(name for name, _ in unique)))
    return expanded


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

