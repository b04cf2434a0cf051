"""Offline JSON-LD document loader over the project's bundled contexts.

Why: a verifier that fetches contexts from the network can be steered by whoever
controls those URLs, and fails offline. Every context URL we know is served from
`contexts/` (see contexts/index.json); an unknown URL is an error unless the caller
explicitly passes extra documents, or an allow-list / Fetcher (edcissuer.fetch) for
network fetching.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ContextError
from ..fetch import FetchError, Fetcher

RemoteDocument = dict[str, Any]
DocumentLoader = Callable[..., RemoteDocument]


def contexts_dir() -> Path:
    """The bundled contexts: repo `contexts/` (source checkout) or `edcissuer/_contexts` (wheel)."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "_contexts", here.parents[3] / "contexts"):
        if (candidate / "index.json").is_file():
            return candidate
    raise ContextError("bundled JSON-LD contexts not found (contexts/index.json)", field="contexts")


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = json.loads((contexts_dir() / "index.json").read_text(encoding="utf-8"))
    return index


@lru_cache(maxsize=64)
def _load_bundled(url: str) -> dict[str, Any]:
    name = _index()[url]
    doc: dict[str, Any] = json.loads((contexts_dir() / name).read_text(encoding="utf-8"))
    return doc


def known_urls() -> frozenset[str]:
    return frozenset(_index())


def bundled_files() -> frozenset[str]:
    """File names of the bundled contexts (what a service publishes under /contexts/)."""
    return frozenset(_index().values())


def _normalise(url: str) -> str:
    # `http://` and trailing-slash variants of the same context are one document.
    return url.rstrip("/") if url.rstrip("/") in _index() else url


def bundled_document(url: str) -> dict[str, Any]:
    """Return the parsed bundled document for `url` (raises ContextError if unknown)."""
    key = _normalise(url)
    if key not in _index():
        raise ContextError(f"unknown JSON-LD context {url!r}: not bundled, network access is off",
                           field="@context", value=url)
    return _load_bundled(key)


def make_loader(extra: Mapping[str, dict[str, Any]] | None = None,
                allow_network: Iterable[str] = (), *, fetcher: Fetcher | None = None) -> DocumentLoader:
    """Build a pyld document loader.

    `extra` maps further URLs to documents (tests, DID documents, status lists).
    `allow_network` lists allow-list entries (hosts, origins or origin+path prefixes, see
    `edcissuer.fetch`) for a Fetcher built here; `fetcher` passes one instead (shared
    cache, cache-only mode, tests). Neither given: nothing leaves the machine.
    """
    extra_docs = dict(extra or {})
    entries = (allow_network,) if isinstance(allow_network, str) else tuple(allow_network)
    if fetcher is not None and entries:
        raise ContextError("pass either allow_network or fetcher, not both", field="allow_network")
    remote = fetcher if fetcher is not None else Fetcher(entries)

    def loader(url: str, options: dict[str, Any] | None = None) -> RemoteDocument:
        if url in extra_docs:
            doc = extra_docs[url]
        elif _normalise(url) in _index():
            doc = _load_bundled(_normalise(url))
        else:
            doc = _fetch_context(remote, url)
        return {"contextUrl": None, "documentUrl": url, "document": doc}

    return loader


def _fetch_context(remote: Fetcher, url: str) -> dict[str, Any]:
    """An unbundled context through the Fetcher; any refusal is a ContextError naming the URL."""
    try:
        doc = remote.fetch_json(url, accept="application/ld+json, application/json")
    except FetchError as exc:
        raise ContextError(f"unknown JSON-LD context {url!r}: not bundled, and {exc.message}",
                           field="@context", value=url) from exc
    if not isinstance(doc, dict):
        raise ContextError(f"JSON-LD context {url!r} is not a JSON object", field="@context", value=url)
    return doc


default_loader: DocumentLoader = make_loader()
