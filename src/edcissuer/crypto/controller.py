"""https verification methods: controller documents, the key-in-fragment fallback, one resolver.

Why: Open Badges 3.0 issuers (and 1EdTech's own conformance samples) sign with methods
such as `https://issuer.example/issuers/1#z6Mk...`, not DIDs. W3C Controlled Identifiers
1.0 (formerly Controller Documents; the shape DID documents share) says how such a method
is read: dereference the URL without its fragment, require the document's `id` to be that
URL (INVALID_CONTROLLER_DOCUMENT_ID), find the method by id (INVALID_VERIFICATION_METHOD),
require its `controller` to be the document, and require the method to be listed under
the relationship the proof purpose asks for (INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD).
The document is read from a local mirror (`controller_dir`, laid out as
<dir>/<host[:port]>/<path>, the did:web mirror's layout) or through the one Fetcher for
allow-listed hosts; nothing is fetched otherwise.

The key-in-fragment rule (1EdTech's validator: the fragment itself is a Multikey `z6Mk...`)
needs no document, so it proves nothing about who holds the key: anyone can put their own
key after `https://university.example#`. It is therefore only a fallback when no controller
document is available (not mirrored, host not allowed), never used when a document was
found but does not list the key, and `MethodResolver.bindings` reports it as
"key-in-fragment" so the verifier marks the issuer binding weaker and does not credit the
issuer URL as the signer (trust then needs the trust list to hold that very key).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EdcIssuerError, InputError, KeyMaterialError
from ..fetch import Fetcher, FetchError, FetchNotAllowed, FetchNotCached, parse_url
from ..files import INDEX_FILE
from .did import (
    did_fetcher,
    find_method,
    key_of_method,
    mirror_path,
    read_mirrored,
    resolve_verification_method,
    valid_host,
    valid_segment,
)
from .keys import KeyPair

CONTROLLER_ACCEPT = "application/cid, application/did+json, application/ld+json, application/json"
#: the verification method types whose key material we read, and where it must be
METHOD_TYPES = {"Multikey": "publicKeyMultibase", "Ed25519VerificationKey2020": "publicKeyMultibase",
                "JsonWebKey": "publicKeyJwk", "JsonWebKey2020": "publicKeyJwk"}
MAX_CONTROLLER_DOC = 1_000_000

#: how a method's key was tied to its identifier (MethodResolver.bindings)
CONTROLLER_DOCUMENT = "controller-document"
KEY_IN_FRAGMENT = "key-in-fragment"


@dataclass(frozen=True)
class Resolution:
    """A resolved method: its key, how the key was tied to the id, and where that came from."""

    key: KeyPair
    binding: str        # "did:key", "did:web", "controller-document", "key-in-fragment"
    source: str = ""    # mirror file or URL of the document, "" when none was read

    @property
    def weaker(self) -> bool:
        return self.binding == KEY_IN_FRAGMENT


def _refuse(vm_id: str, why: str) -> KeyMaterialError:
    return KeyMaterialError(f"cannot resolve {vm_id!r}: {why}", field="verificationMethod", value=vm_id)


def document_url(vm_id: str) -> str:
    """The controller document's URL: the method id without its fragment (an https URL)."""
    url, sep, fragment = vm_id.partition("#")
    if not sep or not fragment:
        raise _refuse(vm_id, "an https verification method needs a #fragment naming the key")
    try:
        parse_url(url, field="verificationMethod")
    except FetchNotAllowed as exc:
        raise _refuse(vm_id, f"not a URL a controller document can be read from ({exc.message})") from exc
    return url


def controller_document_path(url: str, root: Path | str) -> Path:
    """Where a mirror holds the document of `url`: <root>/<host[:port]>/<path> (index.json for a folder URL)."""
    try:
        target = parse_url(url, field="verificationMethod")
    except FetchNotAllowed as exc:
        raise _refuse(url, exc.message) from exc
    if target.query:
        raise _refuse(url, "a controller document URL with a query has no place in a mirror")
    host = target.origin.split("://", 1)[1].strip("[]")
    segments = target.path.split("/")[1:]
    if segments[-1] == "":
        segments[-1] = INDEX_FILE
    if not valid_host(host) or not all(valid_segment(s) for s in segments):
        raise _refuse(url, "host or path has characters a mirror file name may not have")
    return mirror_path(root, host, segments, what=url)


def load_controller_document(url: str, *, controller_dir: Path | str | None = None,
                             fetcher: Fetcher | None = None) -> tuple[dict[str, Any], str] | None:
    """(document, where it came from), or None when no document is available at all.

    "Not available" means: not in the mirror and the allow-list does not admit its host
    (offline, host not allowed). A document of an allowed host that cannot be read (HTTP
    error, redirect off the allow-list, an internal address, not JSON, too large, or not in
    the cache in cache-only mode) is an error, never "unavailable", so it never leads to the
    key-in-fragment fallback.
    """
    raw: bytes | None = None
    source = url
    if controller_dir is not None:
        path = controller_document_path(url, controller_dir)
        try:
            raw = read_mirrored(path, max_bytes=MAX_CONTROLLER_DOC, what=f"controller document {path}")
        except InputError as exc:
            raise _refuse(url, exc.message) from exc
        if raw is not None:
            source = str(path)
    if raw is None:
        remote = did_fetcher((), fetcher)
        try:
            raw = remote.fetch_bytes(url, accept=CONTROLLER_ACCEPT, max_bytes=MAX_CONTROLLER_DOC, expect_json=True)
        except FetchNotCached as exc:   # only an admitted URL can miss: its host is allowed, so no fallback
            raise _refuse(url, f"its controller document could not be read: {exc.message}") from exc
        except FetchNotAllowed as exc:
            if remote.admits(url):   # an allowed host that redirected elsewhere or resolved inside: no fallback
                raise _refuse(url, f"its controller document could not be read: {exc.message}") from exc
            return None
        except FetchError as exc:
            raise _refuse(url, f"its controller document could not be read: {exc.message}") from exc
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _refuse(url, f"the controller document ({source}) is not JSON") from exc
    if not isinstance(doc, dict):
        raise _refuse(url, f"the controller document ({source}) is not a JSON object (INVALID_CONTROLLER_DOCUMENT)")
    return doc, source


def key_from_controller_document(doc: dict[str, Any], vm_id: str, *, purpose: str | None = "assertionMethod",
                                 source: str = "") -> KeyPair:
    """The key of `vm_id` in its controller document, after the checks of the module docstring."""
    url = vm_id.partition("#")[0]
    where = f" ({source})" if source and source != url else ""
    if doc.get("id") != url:
        raise _refuse(vm_id, f"the controller document{where} has id {doc.get('id')!r}, not {url!r} "
                             f"(INVALID_CONTROLLER_DOCUMENT_ID): it is not the document of this method")
    vm, authorised = find_method(doc, vm_id, url, purpose)
    if vm is None:
        raise _refuse(vm_id, f"the controller document of {url}{where} does not list this verification method "
                             f"(INVALID_VERIFICATION_METHOD)")
    controller = vm.get("controller")
    if controller != url:
        raise _refuse(vm_id, f"its controller is {controller!r}, not the controller document {url!r} "
                             f"(INVALID_VERIFICATION_METHOD)")
    if not authorised:
        raise _refuse(vm_id, f"the controller document of {url}{where} does not list it under {purpose} "
                             f"(INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD): it may not be used for that")
    kind = vm.get("type")
    member = METHOD_TYPES.get(kind) if isinstance(kind, str) else None
    if member is None:
        raise _refuse(vm_id, f"verification method type {kind!r} is not supported (supported: "
                             f"{', '.join(sorted(METHOD_TYPES))})")
    if member not in vm:
        raise _refuse(vm_id, f"a {kind} verification method must carry {member}")
    try:
        key = key_of_method({member: vm[member]}, vm_id)
    except EdcIssuerError as exc:
        raise _refuse(vm_id, exc.message) from exc
    if kind == "Ed25519VerificationKey2020" and key.algorithm != "Ed25519":
        raise _refuse(vm_id, f"an Ed25519VerificationKey2020 holds a {key.algorithm} key")
    return key


def key_in_fragment(vm_id: str) -> KeyPair:
    """The Multikey the fragment itself spells (`...#z6Mk...`); proves nothing about the URL."""
    fragment = vm_id.partition("#")[2]
    if not fragment.startswith("z"):
        raise _refuse(vm_id, "no controller document is available and the fragment is not a Multikey "
                             "(z...), so there is no key to use")
    try:
        return KeyPair.from_multikey(fragment)
    except EdcIssuerError as exc:
        raise _refuse(vm_id, f"no controller document is available and the fragment is not a usable Multikey: "
                             f"{exc.message}") from exc


def resolve_https_method(vm_id: str, *, controller_dir: Path | str | None = None, fetcher: Fetcher | None = None,
                         purpose: str | None = "assertionMethod", allow_key_in_fragment: bool = True) -> Resolution:
    """The key of an https verification method: its controller document, else (maybe) the fragment."""
    url = document_url(vm_id)
    loaded = load_controller_document(url, controller_dir=controller_dir, fetcher=fetcher)
    if loaded is not None:
        doc, source = loaded
        return Resolution(key_from_controller_document(doc, vm_id, purpose=purpose, source=source),
                          CONTROLLER_DOCUMENT, source)
    if not allow_key_in_fragment:
        where = f"not in {controller_dir} and " if controller_dir is not None else ""
        raise _refuse(vm_id, f"its controller document {url} is {where}not available (its host is not allowed: "
                             f"use --allow-host {parse_url(url).origin.removeprefix('https://')} or "
                             f"--controller-dir), and a key named only by the fragment is not accepted here")
    return Resolution(key_in_fragment(vm_id), KEY_IN_FRAGMENT)


class MethodResolver:
    """`vm_id -> public KeyPair` for did:key, did:web and https methods, remembering how each was bound.

    One Fetcher serves every call (documents are fetched once per Fetcher). `bindings`
    maps each method resolved so far to its `Resolution`, so the verifier can say which
    signatures rest only on a key named in a fragment.
    """

    def __init__(self, *, did_web_dir: Path | str | None = None, controller_dir: Path | str | None = None,
                 fetcher: Fetcher | None = None, purpose: str | None = "assertionMethod",
                 allow_key_in_fragment: bool = True) -> None:
        self._did_web_dir = did_web_dir
        self._controller_dir = controller_dir
        self._fetcher = did_fetcher((), fetcher)
        self._purpose = purpose
        self._fragment = allow_key_in_fragment
        self.bindings: dict[str, Resolution] = {}

    def resolve(self, vm_id: str) -> Resolution:
        if isinstance(vm_id, str) and vm_id.startswith(("https://", "http://")):
            found = resolve_https_method(vm_id, controller_dir=self._controller_dir, fetcher=self._fetcher,
                                         purpose=self._purpose, allow_key_in_fragment=self._fragment)
        else:
            key = resolve_verification_method(vm_id, did_web_dir=self._did_web_dir, purpose=self._purpose,
                                              fetcher=self._fetcher)
            found = Resolution(key, ":".join(vm_id.split(":", 2)[:2]))   # "did:key", "did:web"
        self.bindings[vm_id] = found
        return found

    def __call__(self, vm_id: str) -> KeyPair:
        return self.resolve(vm_id).key
