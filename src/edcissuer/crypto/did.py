"""DIDs: resolve a proof's verification method to a public key; build DID documents.

Why offline by default: a verifier that fetches `did:web` documents from wherever a
credential points can be made to call arbitrary hosts. `did:key` needs no network at
all; `did:web` is read from a local directory (a mirror of what institutions publish)
and fetched only through a `Fetcher` (edcissuer.fetch) whose allow-list admits it;
`allow_hosts` is shorthand for a Fetcher allowing those hosts over HTTPS.

Supported: did:key (Ed25519, P-256, P-384 Multikey) and did:web with Multikey,
Ed25519VerificationKey2020 or JsonWebKey(2020) verification methods.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..errors import InputError, KeyMaterialError
from ..fetch import FetchError, Fetcher, FetchNotAllowed
from ..files import read_input
from .keys import KeyPair

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
_MAX_DID_DOC = 1_000_000
_HOST = re.compile(r"^[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*(?::[0-9]{1,5})?$")
_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]+$")


def resolve_verification_method(vm_id: str, *, did_web_dir: Path | str | None = None,
                                 allow_hosts: tuple[str, ...] = (),
                                 purpose: str | None = None, fetcher: Fetcher | None = None) -> KeyPair:
    """Return the public key of verification method `vm_id`.

    `purpose` (e.g. "assertionMethod"), when given, also checks that the DID document
    authorises this method for that proof purpose. Raises `KeyMaterialError` naming the
    method for anything it cannot resolve (unknown DID method, missing document, no
    such key, network not allowed). `fetcher` (or, without one, `allow_hosts`) says
    which did:web documents may be fetched.
    """
    if not isinstance(vm_id, str) or not vm_id:
        raise KeyMaterialError("verification method must be a non-empty string", field="verificationMethod",
                               value=vm_id)
    if vm_id.startswith("did:key:"):
        return _resolve_did_key(vm_id)
    if vm_id.startswith("did:web:"):
        did, _, fragment = vm_id.partition("#")
        if not fragment:
            raise KeyMaterialError(f"{vm_id!r}: a did:web verification method needs a #fragment",
                                   field="verificationMethod", value=vm_id)
        try:
            doc = resolve_did_web(did, did_web_dir=did_web_dir, allow_hosts=allow_hosts, fetcher=fetcher)
            return key_from_did_document(doc, vm_id, purpose=purpose)
        except KeyMaterialError as exc:
            if vm_id in exc.message:
                raise
            raise KeyMaterialError(f"cannot resolve {vm_id!r}: {exc.message}", field="verificationMethod",
                                   value=vm_id) from exc
    method = vm_id.split(":", 2)[1] if vm_id.startswith("did:") and vm_id.count(":") >= 2 else None
    what = f"DID method did:{method}" if method else "verification method (not a DID)"
    raise KeyMaterialError(f"unsupported {what}: cannot resolve {vm_id!r}", field="verificationMethod",
                           value=vm_id)


@lru_cache(maxsize=1024)
def _resolve_did_key(vm_id: str) -> KeyPair:
    """did:key is self-describing: the key is the identifier (cached: pure function)."""
    did, _, fragment = vm_id.partition("#")
    multibase_key = did[len("did:key:"):]
    if fragment and fragment != multibase_key:
        raise KeyMaterialError(f"{vm_id!r}: did:key fragment must repeat the key", field="verificationMethod",
                               value=vm_id)
    try:
        return KeyPair.from_multikey(multibase_key)
    except KeyMaterialError as exc:
        raise KeyMaterialError(f"{vm_id!r}: {exc.message}", field="verificationMethod", value=vm_id) from exc


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document a did:key expands to (one Multikey method, in every relationship)."""
    key = _resolve_did_key(did.partition("#")[0])
    did = key.did_key
    vm = key.verification_method
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [_multikey_vm(vm, did, key)],
        "authentication": [vm],
        "assertionMethod": [vm],
        "capabilityInvocation": [vm],
        "capabilityDelegation": [vm],
    }


# --- did:web ------------------------------------------------------------------------------

def _web_parts(did: str) -> tuple[str, list[str]]:
    """Split did:web into (host[:port], path segments), refusing anything path-traversal-like."""
    if not did.startswith("did:web:") or "#" in did or "?" in did:
        raise KeyMaterialError(f"{did!r} is not a did:web DID", field="did", value=did)
    host_enc, *segments = did[len("did:web:"):].split(":")
    host = unquote(host_enc)
    if not valid_host(host):
        raise KeyMaterialError(f"{did!r}: invalid did:web host {host!r}", field="did", value=did)
    for seg in segments:
        if not valid_segment(seg):
            raise KeyMaterialError(f"{did!r}: invalid did:web path segment {seg!r}", field="did", value=did)
    return host, segments


def did_web_url(did: str) -> str:
    """Where a did:web document is published (did:web method spec, section 3.2)."""
    host, segments = _web_parts(did)
    path = "/".join(segments) if segments else ".well-known"
    return f"https://{host}/{path}/did.json"


def did_web_path(did: str, root: Path | str) -> Path:
    """The file for `did` inside a local mirror: <root>/<host>/.well-known/did.json or <root>/<host>/<path>/did.json."""
    host, segments = _web_parts(did)
    return mirror_path(root, host, [*(segments or [".well-known"]), "did.json"], what=did)


def mirror_path(root: Path | str, host: str, segments: list[str], *, what: str) -> Path:
    """<root>/<host[:port]>/<segment>/... : the one layout of local mirrors of published documents.

    Shared by the did:web mirror and the controller-document mirror, so an institution's
    published files are copied the same way for both. `host` and `segments` must already be
    validated (no separators, no dot segments); the result is still checked to stay inside `root`.
    """
    base = Path(root).resolve()
    target = (base / host).joinpath(*segments)
    if not target.resolve().is_relative_to(base):
        raise KeyMaterialError(f"{what!r}: resolves outside {base}", field="verificationMethod", value=what)
    return target


def valid_host(host: str) -> bool:
    """A DNS host name (or IPv4 literal), optionally with :port, as mirrors name their folders."""
    return len(host) <= 253 and bool(_HOST.match(host))


def valid_segment(segment: str) -> bool:
    """A path segment a mirror may hold: unreserved characters only, never '.' or '..'."""
    return bool(_SEGMENT.match(segment)) and segment not in (".", "..")


def did_fetcher(allow_hosts: tuple[str, ...] = (), fetcher: Fetcher | None = None) -> Fetcher:
    """The Fetcher for did:web: `fetcher` itself, else one allowing `allow_hosts` (host[:port]) over HTTPS."""
    if fetcher is not None:
        if allow_hosts:
            raise KeyMaterialError("pass either allow_hosts or fetcher, not both", field="allow_hosts")
        return fetcher
    try:
        return Fetcher(allow_hosts, max_bytes=_MAX_DID_DOC)
    except InputError as exc:
        raise KeyMaterialError(f"allow_hosts: {exc.message}", field="allow_hosts", value=allow_hosts) from exc


def read_mirrored(path: Path, *, max_bytes: int, what: str) -> bytes | None:
    """The mirror file at `path`, or None when nothing is mirrored there (a folder counts as
    nothing); a FIFO, device or oversized file there is refused, never taken as "not mirrored"."""
    if not path.exists() or path.is_dir():
        return None
    return read_input(path, max_bytes=max_bytes, what=what)


def resolve_did_web(did: str, *, did_web_dir: Path | str | None = None,
                    allow_hosts: tuple[str, ...] = (), fetcher: Fetcher | None = None) -> dict[str, Any]:
    """The DID document of `did`: local mirror first, else through the Fetcher (offline by default)."""
    host, _ = _web_parts(did)
    raw: bytes | None = None
    if did_web_dir is not None:
        path = did_web_path(did, did_web_dir)
        try:
            raw = read_mirrored(path, max_bytes=_MAX_DID_DOC, what=f"DID document {path}")
        except InputError as exc:
            raise KeyMaterialError(f"cannot resolve {did!r}: {exc.message}", field="did", value=did) from exc
    if raw is None:
        url = did_web_url(did)
        try:
            raw = did_fetcher(allow_hosts, fetcher).fetch_bytes(
                url, accept="application/did+json, application/did+ld+json, application/json",
                max_bytes=_MAX_DID_DOC, expect_json=True)
        except FetchNotAllowed as exc:
            where = f" (no {did_web_path(did, did_web_dir)})" if did_web_dir is not None else ""
            raise KeyMaterialError(f"cannot resolve {did!r}: not in the local did:web directory{where} and "
                                   f"network resolution of {host!r} is not allowed: {exc.message}",
                                   field="did", value=did) from exc
        except FetchError as exc:
            raise KeyMaterialError(f"cannot resolve {did!r}: {exc.message}", field="did", value=did) from exc
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise KeyMaterialError(f"DID document of {did!r} is not JSON", field="did", value=did) from exc
    if not isinstance(doc, dict) or doc.get("id") != did:
        raise KeyMaterialError(f"DID document id does not match {did!r}", field="did", value=did)
    return doc


#: the verification relationships of DID Core / Controlled Identifiers 1.0 (members that list methods)
RELATIONSHIPS = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation",
                 "keyAgreement")


def method_list(doc: dict[str, Any], member: str, vm_id: str) -> list[Any]:
    """`doc[member]` as a list ([] when absent or null); any other shape is a named refusal.

    Why one coercion: `doc.get(member) or []` iterates a string character by character and
    raises TypeError on 5 or true, a crash instead of a refusal naming the member.
    """
    value = doc.get(member)
    if value is None:
        return []
    if not isinstance(value, list):
        raise KeyMaterialError(f"cannot resolve {vm_id!r}: the document's {member} must be a list, not "
                               f"{type(value).__name__} {value!r:.60}", field=member, value=vm_id)
    return value


def _ref_id(ref: Any) -> str | None:
    """The id a relationship entry names: the string itself or an embedded method's `id`."""
    ref_id = ref.get("id") if isinstance(ref, dict) else ref
    return ref_id if isinstance(ref_id, str) else None


def find_method(doc: dict[str, Any], vm_id: str, base: str,
                purpose: str | None) -> tuple[dict[str, Any] | None, bool]:
    """(the method object with id `vm_id`, or None; whether `purpose` lists it) in a DID or controller document.

    Methods are looked for under verificationMethod and embedded in every relationship;
    '#'-relative ids are read against `base` (the document's id). The callers add their own
    checks (controller, key type) and name the refusals in their own terms. `purpose` None
    means any relationship: the second value is then True.
    """
    def absolute(ref_id: str) -> str:
        return base + ref_id if ref_id.startswith("#") else ref_id

    candidates = [v for v in method_list(doc, "verificationMethod", vm_id) if isinstance(v, dict)]
    for relationship in RELATIONSHIPS:
        candidates += [v for v in method_list(doc, relationship, vm_id) if isinstance(v, dict)]
    vm = next((v for v in candidates if (ref_id := _ref_id(v)) is not None and absolute(ref_id) == vm_id), None)
    if purpose is None:
        return vm, True
    listed = {absolute(ref_id) for ref in method_list(doc, purpose, vm_id) if (ref_id := _ref_id(ref)) is not None}
    return vm, vm_id in listed


def key_from_did_document(doc: dict[str, Any], vm_id: str, *, purpose: str | None = None) -> KeyPair:
    """Find `vm_id` in a DID document and return its public key."""
    did = doc.get("id", "")
    if not isinstance(did, str):
        raise KeyMaterialError(f"cannot resolve {vm_id!r}: the DID document's id must be a string", field="id",
                               value=vm_id)
    vm, authorised = find_method(doc, vm_id, did, purpose)
    if vm is None:
        raise KeyMaterialError(f"verification method {vm_id!r} not found in the DID document of {did!r}",
                               field="verificationMethod", value=vm_id)
    if vm.get("controller") not in (None, did):
        raise KeyMaterialError(f"{vm_id!r} is controlled by {vm.get('controller')!r}, not {did!r}",
                               field="verificationMethod", value=vm_id)
    if not authorised:
        raise KeyMaterialError(f"{vm_id!r} is not authorised for {purpose} in the DID document",
                               field="verificationMethod", value=vm_id)
    return key_of_method(vm, vm_id)


def key_of_method(vm: dict[str, Any], vm_id: str) -> KeyPair:
    """The public key a verification method object publishes (publicKeyJwk or publicKeyMultibase)."""
    if "publicKeyJwk" in vm:
        jwk = vm["publicKeyJwk"]
        if isinstance(jwk, dict) and "d" in jwk:
            raise KeyMaterialError(f"{vm_id!r}: the document publishes a private key", field="verificationMethod",
                                   value=vm_id)
        return KeyPair.from_jwk(jwk).public_only()
    if "publicKeyMultibase" in vm:
        return KeyPair.from_multikey(vm["publicKeyMultibase"])
    raise KeyMaterialError(f"{vm_id!r}: no publicKeyMultibase or publicKeyJwk", field="verificationMethod",
                           value=vm_id)


def did_web_verification_method(did_web: str, key: KeyPair) -> str:
    """The method id we give `key` inside `did_web`'s document (fragment = its Multikey value)."""
    _web_parts(did_web)
    return f"{did_web}#{key.public_multibase}"


def did_web_document(did_web: str, keys: list[KeyPair]) -> dict[str, Any]:
    """The did.json an institution publishes: Multikey methods for assertion and authentication."""
    _web_parts(did_web)
    if not keys:
        raise KeyMaterialError("a DID document needs at least one key", field="keys")
    vms = [_multikey_vm(did_web_verification_method(did_web, k), did_web, k) for k in keys]
    ids = [vm["id"] for vm in vms]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did_web,
        "verificationMethod": vms,
        "assertionMethod": list(ids),
        "authentication": list(ids),
    }


def _multikey_vm(vm_id: str, controller: str, key: KeyPair) -> dict[str, str]:
    return {"id": vm_id, "type": "Multikey", "controller": controller,
            "publicKeyMultibase": key.public_multibase}


def did_resolver(*, did_web_dir: Path | str | None = None, allow_hosts: tuple[str, ...] = (),
                 purpose: str | None = "assertionMethod", fetcher: Fetcher | None = None) -> Callable[[str], KeyPair]:
    """A `vm_id -> public KeyPair` resolver with fixed options (what verify_proof takes).

    One Fetcher serves every call, so a DID document is fetched once per resolver.
    """
    remote = did_fetcher(allow_hosts, fetcher)

    def resolve(vm_id: str) -> KeyPair:
        return resolve_verification_method(vm_id, did_web_dir=did_web_dir, purpose=purpose, fetcher=remote)

    return resolve
