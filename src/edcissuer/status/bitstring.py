"""W3C Bitstring Status List v1.0: the bitstring, the entries, and the verifier's check.

Why a bitstring: a verifier downloads one list for many credentials, so the issuer never
learns which credential is being checked (herd privacy); indices are allocated at
random by the ledger, so a position says nothing about a learner or a cohort.

Encoding (spec 2.2 and 3.3): bit 0 is the left-most (most significant) bit of byte 0;
the bytes are GZIP-compressed and written as multibase base64url without padding
('u' prefix). Lists hold at least 131,072 entries (16 KB uncompressed). This module
is the one place that knows that encoding.

The verifier side, `make_status_checker`, never passes silently: an entry it cannot
resolve, verify or decode is a failed "status" check naming the entry and why.
"""
from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from ..checks import CheckId
from ..crypto import multibase as mb
from ..errors import EdcIssuerError, InputError
from ..fetch import AllowRule, Fetcher, FetchError, FetchNotAllowed
from ..identifiers import issuer_id
from ..ld.loader import DocumentLoader, default_loader
from ..results import CheckResult
from ..time import CLOCK_SKEW, iso_z, parse_xsd_datetime

STATUS_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
PURPOSES: tuple[str, ...] = ("revocation", "suspension")
MIN_ENTRIES = 131_072
#: refuse status lists that inflate past this (a GZIP bomb costs the verifier memory, not the sender)
MAX_DECODED_BYTES = 16 * 1024 * 1024
MAX_LIST_FILE_BYTES = 4 * 1024 * 1024
MAX_ENTRIES_PER_CREDENTIAL = 16
INDEX_FILE = "index.json"
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")



class StatusChecker(Protocol):
    """Resolves a credential's status entries at `now`, allowing `clock_skew` on list validity."""

    def __call__(self, credential: dict[str, Any], now: datetime, *,
                 clock_skew: timedelta = ...) -> CheckResult: ...

Resolver = Callable[[str], Any]


# --- the bitstring ----------------------------------------------------------------------------

def encode_list(indices: Iterable[int], size: int = MIN_ENTRIES) -> str:
    """The encodedList of a `size`-entry list with the bits at `indices` set (MSB-first)."""
    if size < MIN_ENTRIES or size % 8:
        raise ValueError(f"a status list needs at least {MIN_ENTRIES} entries, a multiple of 8")
    bits = bytearray(size // 8)
    for index in indices:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} outside the list (0..{size - 1})")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same bytes (reproducible, nothing about publish time)
    return mb.encode_base64url(gzip.compress(bytes(bits), compresslevel=9, mtime=0))


def decode_list(encoded: str, *, max_bytes: int = MAX_DECODED_BYTES) -> bytes:
    """The uncompressed bitstring of an encodedList; ValueError naming what is wrong."""
    try:
        compressed = mb.decode_base64url(encoded)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"encodedList is not multibase base64url ('u' prefix, no padding): {exc}") from exc
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)   # GZIP framing only
    try:
        data = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError(f"encodedList is not GZIP data: {exc}") from exc
    if len(data) > max_bytes:
        raise ValueError(f"encodedList inflates past {max_bytes} bytes; refusing it")
    if not inflater.eof:
        raise ValueError("encodedList GZIP stream is truncated")
    return data


def bit_at(bitstring: bytes, index: int) -> int:
    """The bit at `index`, counting from the left-most bit of byte 0."""
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


# --- what the issuer puts in a credential -------------------------------------------------------

def list_url(base_url: str, list_id: str, purpose: str) -> str:
    """Where the `purpose` list of `list_id` is published: BASE/<list id>-<purpose>.

    The last path segment is also the file name in a status folder, so a verifier
    with a local copy maps URL -> file without any index.
    """
    return f"{base_url.rstrip('/')}/{list_id}-{purpose}"


def status_entries(base_url: str, list_id: str, index: int,
                   purposes: Iterable[str] = PURPOSES) -> list[dict[str, Any]]:
    """The credentialStatus entries of one credential: one per purpose, same index in each list."""
    out = []
    for purpose in purposes:
        url = list_url(base_url, list_id, purpose)
        out.append({"id": f"{url}#{index}", "type": ENTRY_TYPE, "statusPurpose": purpose,
                    "statusListIndex": str(index), "statusListCredential": url})
    return out


def with_status_context(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential with the status context added where its contexts lack the entry terms.

    VC 2.0 defines BitstringStatusListEntry itself; a VC 1.1 credential (ELM: VC 1.1 +
    edc-ap) needs https://www.w3.org/ns/credentials/status/v1, or strict expansion
    would drop statusPurpose, statusListIndex and statusListCredential.
    """
    ctx = credential.get("@context", [])
    ctx = ctx if isinstance(ctx, list) else [ctx]
    if VC2_CONTEXT in ctx or STATUS_CONTEXT in ctx:
        return credential
    return {**credential, "@context": [*ctx, STATUS_CONTEXT]}


def status_list_credential(*, url: str, issuer: str, purpose: str, encoded_list: str, valid_from: datetime,
                           valid_until: datetime | None = None) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential (VC 2.0) for one purpose."""
    doc: dict[str, Any] = {
        "@context": [VC2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": iso_z(valid_from),
    }
    if valid_until is not None:
        doc["validUntil"] = iso_z(valid_until)
    doc["credentialSubject"] = {"id": f"{url}#list", "type": LIST_TYPE, "statusPurpose": purpose,
                                "encodedList": encoded_list}
    return doc


# --- the verifier's side ------------------------------------------------------------------------

class _Unchecked(Exception):
    """Internal: one entry could not be checked; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _List:
    """A resolved list credential: verified once per checker, validity re-checked per call."""

    url: str
    source: str
    doc: dict[str, Any] | None = None
    bits: bytes = b""
    problem: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


_DECIMAL = re.compile(r"[0-9]{1,12}")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def status_fetcher(allow_urls: Iterable[str] = ()) -> Fetcher:
    """A Fetcher for `allow_urls`: an entry ending in '/' is a path prefix, any other one exact URL.

    Why exact: a list URL such as https://a.example/s must not admit https://a.example/s/x
    (nor https://a.example/s2) unless the caller wrote the trailing '/'.
    """
    entries = (allow_urls,) if isinstance(allow_urls, str) else tuple(allow_urls)
    return Fetcher([AllowRule.parse(u, exact=not u.endswith("/")) for u in entries],
                   max_bytes=MAX_LIST_FILE_BYTES)


def local_list_file(status_dir: Path, url: str) -> Path | None:
    """The file holding `url` in a status folder: via index.json, else by the URL's last path segment."""
    root = status_dir.resolve()
    index = root / INDEX_FILE
    if index.is_file():
        try:
            mapping = json.loads(index.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            mapping = {}
        name = mapping.get(url) if isinstance(mapping, dict) else None
        if isinstance(name, str):
            candidate = (root / name).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
    segment = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if not _SEGMENT.match(segment):
        return None
    for name in (segment, f"{segment}.json", f"{segment}.jsonld"):
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def make_status_checker(*, status_dir: Path | None = None, allow_urls: tuple[str, ...] = (),
                        loader: DocumentLoader = default_loader, resolver: Resolver | None = None,
                        reasons: Callable[[str], str | None] | None = None,
                        require_same_issuer: bool = True,
                        fetch: Callable[[str], bytes] | None = None,
                        fetcher: Fetcher | None = None) -> StatusChecker:
    """A status checker for `VerifyOptions.status_checker`: (credential, now) -> CheckResult "status".

    Lists come from `status_dir` (URL -> file by index.json or the URL's last path
    segment) or, for URLs matching `allow_urls` (exact URLs, or prefixes ending in
    '/'), over HTTPS through a Fetcher (edcissuer.fetch); nothing is fetched otherwise.
    `fetcher` replaces `allow_urls` (shared cache, cache-only mode); `fetch` replaces
    the transport only (tests): the allow-list still decides what it is asked for. Each list credential must carry
    the URL as its id, a valid Data Integrity proof by a key of its issuer, be within
    its validity period and, unless `require_same_issuer=False`, come from the
    credential's own issuer. `reasons` (credential id -> text) lets an issuer with
    ledger access add the recorded reason; published lists carry no reasons.
    Resolved lists are cached for the checker's lifetime (one verification run).
    The checker takes `clock_skew` (default CLOCK_SKEW) for the lists' validity period.
    """
    cache: dict[str, _List] = {}
    if fetcher is not None and allow_urls:
        raise InputError("pass either allow_urls or fetcher, not both", field="allow_urls")
    remote = fetcher if fetcher is not None else status_fetcher(allow_urls)

    def get(url: str) -> bytes:
        if fetch is not None:
            remote.require_allowed(url)
            return fetch(url)
        return remote.fetch_bytes(url, accept="application/vc+ld+json, application/vc, application/json",
                                  max_bytes=MAX_LIST_FILE_BYTES, expect_json=True)

    def load(url: str, now: datetime) -> _List:
        if url in cache:
            return cache[url]
        item = _List(url, "")
        try:
            raw, item.source = _read(url)
            item.doc = _verify_list(raw, url, now)
            subject = item.doc["credentialSubject"]
            try:
                item.bits = decode_list(subject.get("encodedList"))
            except ValueError as exc:
                raise _Unchecked(f"status list {url}: {exc}") from exc
            if len(item.bits) * 8 < MIN_ENTRIES:
                raise _Unchecked(f"status list {url} has {len(item.bits) * 8} entries, fewer than the "
                                 f"{MIN_ENTRIES} the specification requires (STATUS_LIST_LENGTH_ERROR)")
        except _Unchecked as exc:
            item.problem = exc.reason
        cache[url] = item
        return item

    def _read(url: str) -> tuple[bytes, str]:
        if status_dir is not None:
            path = local_list_file(status_dir, url)
            if path is not None:
                if path.stat().st_size > MAX_LIST_FILE_BYTES:
                    raise _Unchecked(f"status list file {path} is larger than {MAX_LIST_FILE_BYTES} bytes")
                return path.read_bytes(), str(path)
        try:
            return get(url), url
        except FetchNotAllowed as exc:
            where = f"not found in {status_dir}" if status_dir is not None else "no status folder given"
            raise _Unchecked(f"status list {url} could not be resolved ({where}, and the URL is not allow-listed; "
                             f"no network access by default: {exc.message}) (STATUS_RETRIEVAL_ERROR)") from exc
        except FetchError as exc:
            raise _Unchecked(f"cannot fetch status list {url}: {exc.message} (STATUS_RETRIEVAL_ERROR)") from exc

    def _verify_list(raw: bytes, url: str, now: datetime) -> dict[str, Any]:
        from ..proofs.data_integrity import check_issuer_binding, verify_proof

        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Unchecked(f"status list {url} is not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise _Unchecked(f"status list {url} is not a JSON object")
        if doc.get("id") != url:
            raise _Unchecked(f"status list file for {url} names itself {doc.get('id')!r}: refusing a list "
                             f"published under another URL")
        if LIST_CREDENTIAL_TYPE not in _as_list(doc.get("type")):
            raise _Unchecked(f"status list {url} is not a {LIST_CREDENTIAL_TYPE}")
        proof = verify_proof(doc, loader=loader, resolver=resolver, expected_purpose="assertionMethod", now=now)
        if not proof.passed:
            raise _Unchecked(f"status list {url}: {proof.reason} (STATUS_VERIFICATION_ERROR)")
        binding = check_issuer_binding(doc)
        if not binding.passed:
            methods = binding.details.get("verificationMethods")
            raise _Unchecked(f"status list {url} is signed by {methods}, not by a key of its issuer "
                             f"{issuer_id(doc)} (STATUS_VERIFICATION_ERROR)")
        subject = doc.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("type") != LIST_TYPE:
            raise _Unchecked(f"status list {url}: credentialSubject is not a {LIST_TYPE}")
        return doc

    def check_entry(entry: Any, credential: dict[str, Any], now: datetime, *,
                    clock_skew: timedelta = CLOCK_SKEW) -> dict[str, Any]:
        if not isinstance(entry, dict):
            raise _Unchecked("credentialStatus entry is not a JSON object")
        kind = entry.get("type")
        if ENTRY_TYPE not in _as_list(kind):
            raise _Unchecked(f"credentialStatus type {kind!r} is not supported (only {ENTRY_TYPE}): "
                             f"the status cannot be checked")
        purpose = entry.get("statusPurpose")
        if purpose not in PURPOSES:
            raise _Unchecked(f"statusPurpose {purpose!r} is not supported (only revocation and suspension)")
        raw_index, url = entry.get("statusListIndex"), entry.get("statusListCredential")
        # ASCII decimal digits only: str.isdigit() also admits "²" (int() fails) and "٤٢" (int() reads 42)
        if not isinstance(raw_index, str) or not _DECIMAL.fullmatch(raw_index):
            raise _Unchecked(f"statusListIndex {raw_index!r} is not a non-negative integer string "
                             f"(MALFORMED_VALUE_ERROR)")
        if entry.get("statusSize", 1) != 1:
            raise _Unchecked(f"statusSize {entry.get('statusSize')!r} is not supported for {purpose} (only 1)")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise _Unchecked(f"statusListCredential {url!r} is not an http(s) URL (MALFORMED_VALUE_ERROR)")
        index = int(raw_index)
        item = load(url, now)
        if item.problem or item.doc is None:
            raise _Unchecked(item.problem or f"status list {url} unusable")
        doc = item.doc
        if require_same_issuer and issuer_id(doc) != issuer_id(credential):
            raise _Unchecked(f"status list {url} is issued by {issuer_id(doc)}, not by the credential's issuer "
                             f"{issuer_id(credential)}")
        start, end = parse_xsd_datetime(doc.get("validFrom")), parse_xsd_datetime(doc.get("validUntil"))
        if start is None or start > now + clock_skew:
            raise _Unchecked(f"status list {url} is not yet valid (validFrom {doc.get('validFrom')!r})")
        if "validUntil" in doc and (end is None or end < now - clock_skew):
            raise _Unchecked(f"status list {url} expired on {doc.get('validUntil')}: the issuer must re-publish "
                             f"it (a stale list could hide a revocation)")
        listed = _as_list(doc["credentialSubject"].get("statusPurpose"))
        if purpose not in listed:
            raise _Unchecked(f"status list {url} is a {listed} list, not a {purpose} list "
                             f"(STATUS_VERIFICATION_ERROR)")
        if index >= len(item.bits) * 8:
            raise _Unchecked(f"statusListIndex {index} is outside the list of {len(item.bits) * 8} entries "
                             f"(RANGE_ERROR)")
        return {"statusPurpose": purpose, "statusListIndex": index, "statusListCredential": url,
                "source": item.source, "status": bit_at(item.bits, index),
                "listValidUntil": doc.get("validUntil")}

    def checker(credential: dict[str, Any], now: datetime, *, clock_skew: timedelta = CLOCK_SKEW) -> CheckResult:
        now = now.astimezone(timezone.utc)
        entries = _as_list(credential.get("credentialStatus"))
        if not entries:
            return CheckResult(CheckId.STATUS, False, "credentialStatus is empty: nothing to check, so it cannot pass")
        if len(entries) > MAX_ENTRIES_PER_CREDENTIAL:
            return CheckResult(CheckId.STATUS, False, f"{len(entries)} credentialStatus entries; at most "
                               f"{MAX_ENTRIES_PER_CREDENTIAL} are checked")
        results: list[dict[str, Any]] = []
        for position, entry in enumerate(entries):
            try:
                results.append(check_entry(entry, credential, now, clock_skew=clock_skew))
            except _Unchecked as exc:
                return CheckResult(CheckId.STATUS, False, f"credentialStatus[{position}]: {exc.reason}",
                                   {"entry": entry, "checked": results})
            except (EdcIssuerError, OSError) as exc:
                return CheckResult(CheckId.STATUS, False, f"credentialStatus[{position}]: {exc}",
                                   {"entry": entry, "checked": results})
        flagged = [r for r in results if r["status"]]
        details: dict[str, Any] = {"entries": results}
        if not flagged:
            purposes = ", ".join(sorted({r["statusPurpose"] for r in results}))
            return CheckResult(CheckId.STATUS, True, f"not revoked or suspended ({purposes} checked)", details)
        words = {"revocation": "REVOKED", "suspension": "SUSPENDED"}
        what = " and ".join(f"{words[r['statusPurpose']]} (list {r['statusListCredential']}, index "
                            f"{r['statusListIndex']})" for r in flagged)
        reason = None
        cid = credential.get("id")
        if reasons is not None and isinstance(cid, str):
            reason = reasons(cid)
        details["reason"] = reason
        details["revoked"] = any(r["statusPurpose"] == "revocation" for r in flagged)
        details["suspended"] = any(r["statusPurpose"] == "suspension" for r in flagged)
        tail = (f"; reason: {reason}" if reason else
                "; the issuer records the reason in its ledger and does not publish it")
        return CheckResult(CheckId.STATUS, False, f"{what}{tail}", details)

    return checker


def read_status_list(path: Path) -> dict[str, Any]:
    """A status list credential from a file (for tools and tests)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read status list: {exc}", field=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError("status list file is not a JSON object", field=str(path))
    return data
