"""The status-list verifier core every list kind shares: resolve, verify, decode, look up.

Why one core: W3C Bitstring Status List v1.0 and its two predecessors that issuers in the
field still publish (StatusList2021, RevocationList2020) are one design under three
vocabularies: a signed list credential carrying a GZIP-compressed bitstring of at least
131,072 entries (16 KB), bit 0 the left-most bit of byte 0. What differs - the entry, list
and subject type names, the index and list-URL members, the purposes, how `encodedList` is
written, which members bound a list's validity - is a `ListKind` (one per module:
`bitstring`, `statuslist2021`, `revocation2020`). Resolving a list (only from sources the
caller named), verifying its Data Integrity proof and issuer, its validity window, inflating
it without GZIP bombs and reading the bit are written once, here.

The checker never passes silently: an entry it cannot resolve, verify or decode is a failed
"status" check naming the entry and why, with the specification's error name where one applies.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from ..checks import CheckId
from ..errors import EdcIssuerError, InputError
from ..fetch import AllowRule, Fetcher, FetchError, FetchNotAllowed
from ..files import INDEX_FILE as INDEX_FILE
from ..files import read_input, read_text_input
from ..identifiers import issuer_id
from ..ld.loader import DocumentLoader, default_loader
from ..proofs.data_integrity import check_issuer_binding, verify_proof_set
from ..results import CheckResult
from ..time import CLOCK_SKEW, parse_xsd_datetime

#: every kind's minimum: 16 KB uncompressed
MIN_ENTRIES = 131_072
#: refuse status lists that inflate past this (a GZIP bomb costs the verifier memory, not the sender)
MAX_DECODED_BYTES = 16 * 1024 * 1024
MAX_LIST_FILE_BYTES = 4 * 1024 * 1024
MAX_ENTRIES_PER_CREDENTIAL = 16
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_DECIMAL = re.compile(r"[0-9]{1,12}")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
#: inflate GZIP framing only, or GZIP and ZLIB (header auto-detected)
GZIP = 16 + zlib.MAX_WBITS
GZIP_OR_ZLIB = 32 + zlib.MAX_WBITS


class StatusChecker(Protocol):
    """Resolves a credential's status entries at `now`, allowing `clock_skew` on list validity."""

    def __call__(self, credential: dict[str, Any], now: datetime, *,
                 clock_skew: timedelta = ...) -> CheckResult: ...


Resolver = Callable[[str], Any]


# --- decoding -----------------------------------------------------------------------------------

def inflate(compressed: bytes, *, wbits: int = GZIP, max_bytes: int = MAX_DECODED_BYTES) -> bytes:
    """The bitstring inside `compressed`, read at most `max_bytes` far; ValueError naming the problem."""
    inflater = zlib.decompressobj(wbits=wbits)
    framing = "GZIP" if wbits == GZIP else "GZIP or ZLIB"
    try:
        data = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError(f"encodedList is not {framing} data: {exc}") from exc
    if len(data) > max_bytes:
        raise ValueError(f"encodedList inflates past {max_bytes} bytes; refusing it")
    if not inflater.eof:
        raise ValueError(f"encodedList {framing} stream is truncated")
    return data


def decode_base64(encoded: Any) -> bytes:
    """RFC 4648 base64 as the 2020/2021 lists write it: no multibase prefix, url-safe alphabet
    (both specifications' examples and digitalbazaar's bitstring library), standard alphabet and
    `=` padding accepted too since the text says only "base64"."""
    if not isinstance(encoded, str) or not encoded or not _BASE64.fullmatch(encoded):
        raise ValueError("encodedList is not base64 (RFC 4648)")
    body = encoded.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"encodedList is not base64 (RFC 4648): {exc}") from exc


def base64_decoder(wbits: int) -> Callable[[Any], bytes]:
    """The encodedList reader of the pre-2024 kinds: base64 (no multibase prefix), then inflate."""

    def decode(encoded: Any) -> bytes:
        return inflate(decode_base64(encoded), wbits=wbits)

    return decode


def bit_at(bitstring: bytes, index: int) -> int:
    """The bit at `index`, counting from the left-most bit of byte 0."""
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


# --- what differs between kinds ------------------------------------------------------------------

@dataclass(frozen=True)
class ListKind:
    """One status list specification, as the shared checker needs it."""

    spec: str                       # for people: "Bitstring Status List v1.0"
    entry_type: str                 # credentialStatus.type
    credential_type: str            # the list credential's type
    subject_type: str               # its credentialSubject.type
    index_member: str               # statusListIndex / revocationListIndex
    url_member: str                 # statusListCredential / revocationListCredential
    purposes: tuple[str, ...]       # the purposes checked; the first is implied without purpose_member
    decode: Callable[[Any], bytes]  # encodedList -> bitstring, ValueError naming the problem
    purpose_member: str | None = "statusPurpose"
    valid_from: tuple[str, ...] = ("validFrom",)     # the first present member starts the validity
    valid_until: tuple[str, ...] = ("validUntil",)
    checks_status_size: bool = False
    #: reads a status *reference*: the entry's URI `<list URL>#<index>` as an xsd:anyURI literal, the one
    #: form the EDC-generic-full shapes allow an ELM credential (purpose: the list's own)
    takes_reference: bool = False


#: how a JSON-LD value object names the datatype xsd:anyURI (`type` is the VC contexts' alias of `@type`)
ANY_URI = frozenset({"xsd:anyURI", "http://www.w3.org/2001/XMLSchema#anyURI"})


#: the validity members of a VC 1.1 list credential (what the 2020/2021 kinds publish), VC 2.0's as fallback
VC1_VALID_FROM: tuple[str, ...] = ("issuanceDate", "validFrom")
VC1_VALID_UNTIL: tuple[str, ...] = ("expirationDate", "validUntil")


@dataclass(frozen=True)
class _Entry:
    kind: ListKind
    purpose: str
    index: int
    url: str


class _Unchecked(Exception):
    """Internal: one entry could not be checked; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class VerifiedLists:
    """Status list credentials whose proof and issuer binding already verified, by content digest.

    Why: a long-running verifier (the service) sees the same few lists in every request, and
    verifying a list's proof costs as much as verifying the credential. An entry is keyed by
    the SHA-256 of the exact bytes, the URL and the list kind, so a changed list is verified
    again; entries live `ttl` at most, so a rotated issuer key is noticed within it. Only
    successes are kept. The list's validity period is still checked on every use.
    """

    def __init__(self, ttl: timedelta = timedelta(seconds=60), size: int = 256) -> None:
        self._ttl, self._size = ttl.total_seconds(), size
        self._items: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or time.monotonic() - hit[0] > self._ttl:
                self._items.pop(key, None)
                return None
            return hit[1]

    def put(self, key: tuple[str, str, str], doc: dict[str, Any]) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (time.monotonic(), doc)


@dataclass
class _List:
    """A resolved list credential: verified once per checker, validity re-checked per call."""

    url: str
    source: str
    doc: dict[str, Any] | None = None
    bits: bytes = b""
    problem: str | None = None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def read_reference(entry: dict[str, Any], kinds: Sequence[ListKind]) -> _Entry:
    """A status reference (`{"@value": "<list URL>#<index>", "type": "xsd:anyURI"}`): its kind, index, list URL.

    The purpose is left empty: the list credential states it (see `check_entry`).
    """
    datatype = entry.get("type", entry.get("@type"))
    if set(entry) - {"@value", "type", "@type"} or datatype not in ANY_URI:
        raise _Unchecked(f"credentialStatus value {entry.get('@value')!r} is not a status reference: a value "
                         f"object here must be typed xsd:anyURI and carry nothing else (type {datatype!r})")
    kind = next((k for k in kinds if k.takes_reference), None)
    if kind is None:
        raise _Unchecked("credentialStatus is a URI reference, which these status kinds cannot read")
    value = entry.get("@value")
    url, _, fragment = value.partition("#") if isinstance(value, str) else ("", "", "")
    if not url.startswith(("https://", "http://")) or not _DECIMAL.fullmatch(fragment):
        raise _Unchecked(f"credentialStatus URI {value!r} is not <status list URL>#<index> with an http(s) URL "
                         f"and a decimal index (MALFORMED_VALUE_ERROR)")
    return _Entry(kind, "", int(fragment), url)


def read_entry(entry: Any, kinds: Sequence[ListKind]) -> _Entry:
    """The kind, purpose, index and list URL of one credentialStatus entry; _Unchecked when unusable."""
    if not isinstance(entry, dict):
        raise _Unchecked("credentialStatus entry is not a JSON object")
    if "@value" in entry:
        return read_reference(entry, kinds)
    types = _as_list(entry.get("type"))
    matching = [k for k in kinds if k.entry_type in types]
    if len(matching) != 1:
        supported = ", ".join(k.entry_type for k in kinds)
        problem = "is not supported" if not matching else "names several status kinds, which is ambiguous"
        raise _Unchecked(f"credentialStatus type {entry.get('type')!r} {problem} (supported: {supported}): "
                         f"the status cannot be checked")
    kind = matching[0]
    purpose: Any = kind.purposes[0]
    if kind.purpose_member is not None:
        purpose = entry.get(kind.purpose_member)
        if purpose not in kind.purposes:
            raise _Unchecked(f"{kind.purpose_member} {purpose!r} is not supported for {kind.entry_type} "
                             f"(only {' and '.join(kind.purposes)})")
    raw_index, url = entry.get(kind.index_member), entry.get(kind.url_member)
    # ASCII decimal digits only: str.isdigit() also admits "²" (int() fails) and "٤٢" (int() reads 42)
    if not isinstance(raw_index, str) or not _DECIMAL.fullmatch(raw_index):
        raise _Unchecked(f"{kind.index_member} {raw_index!r} is not a non-negative integer string "
                         f"(MALFORMED_VALUE_ERROR)")
    if kind.checks_status_size and entry.get("statusSize", 1) != 1:
        raise _Unchecked(f"statusSize {entry.get('statusSize')!r} is not supported for {purpose} (only 1)")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise _Unchecked(f"{kind.url_member} {url!r} is not an http(s) URL (MALFORMED_VALUE_ERROR)")
    return _Entry(kind, str(purpose), int(raw_index), url)


# --- where lists come from -----------------------------------------------------------------------

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
            mapping = json.loads(read_text_input(index, max_bytes=MAX_LIST_FILE_BYTES, what=f"status index {index}"))
        except (InputError, ValueError, RecursionError):
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


def _first(doc: dict[str, Any], members: tuple[str, ...]) -> tuple[str, Any]:
    """(member, value) of the first of `members` present in `doc`, else (members[0], None)."""
    name = next((m for m in members if m in doc), None)
    return (name, doc[name]) if name is not None else (members[0], None)


# --- the checker ---------------------------------------------------------------------------------

def make_checker(kinds: Sequence[ListKind], *, status_dir: Path | None = None, allow_urls: tuple[str, ...] = (),
                 loader: DocumentLoader = default_loader, resolver: Resolver | None = None,
                 reasons: Callable[[str], str | None] | None = None,
                 require_same_issuer: bool = True,
                 fetch: Callable[[str], bytes] | None = None,
                 fetcher: Fetcher | None = None, verified: VerifiedLists | None = None) -> StatusChecker:
    """A status checker for the entries of `kinds` (see bitstring.make_status_checker, which passes
    every kind edcissuer knows); each entry is checked by the rules of its own kind.
    `verified` keeps lists whose proof verified across checkers (a long-running verifier)."""
    cache: dict[tuple[str, str], _List] = {}
    if fetcher is not None and allow_urls:
        raise InputError("pass either allow_urls or fetcher, not both", field="allow_urls")
    remote = fetcher if fetcher is not None else status_fetcher(allow_urls)

    def get(url: str) -> bytes:
        if fetch is not None:
            remote.require_allowed(url)
            return fetch(url)
        return remote.fetch_bytes(url, accept="application/vc+ld+json, application/vc, application/json",
                                  max_bytes=MAX_LIST_FILE_BYTES, expect_json=True)

    def load(kind: ListKind, url: str, now: datetime) -> _List:
        key = (kind.entry_type, url)
        if key in cache:
            return cache[key]
        item = _List(url, "")
        try:
            raw, item.source = _read(url)
            item.doc = _verify_list(kind, raw, url, now)
            try:
                item.bits = kind.decode(item.doc["credentialSubject"].get("encodedList"))
            except ValueError as exc:
                raise _Unchecked(f"status list {url}: {exc}") from exc
            if len(item.bits) * 8 < MIN_ENTRIES:
                raise _Unchecked(f"status list {url} has {len(item.bits) * 8} entries, fewer than the "
                                 f"{MIN_ENTRIES} the specification requires (STATUS_LIST_LENGTH_ERROR)")
        except _Unchecked as exc:
            item.problem = exc.reason
        cache[key] = item
        return item

    def _read(url: str) -> tuple[bytes, str]:
        if status_dir is not None:
            path = local_list_file(status_dir, url)
            if path is not None:
                try:
                    return read_input(path, max_bytes=MAX_LIST_FILE_BYTES, what=f"status list file {path}"), str(path)
                except InputError as exc:
                    raise _Unchecked(f"{exc.message} (STATUS_RETRIEVAL_ERROR)") from exc
        try:
            return get(url), url
        except FetchNotAllowed as exc:
            where = f"not found in {status_dir}" if status_dir is not None else "no status folder given"
            raise _Unchecked(f"status list {url} could not be resolved ({where}, and the URL is not allow-listed; "
                             f"no network access by default: {exc.message}) (STATUS_RETRIEVAL_ERROR)") from exc
        except FetchError as exc:
            raise _Unchecked(f"cannot fetch status list {url}: {exc.message} (STATUS_RETRIEVAL_ERROR)") from exc

    def _verify_list(kind: ListKind, raw: bytes, url: str, now: datetime) -> dict[str, Any]:
        key = (hashlib.sha256(raw).hexdigest(), url, kind.entry_type)
        known = verified.get(key) if verified is not None else None
        if known is not None:
            return known
        doc = _verify_list_proof(kind, raw, url, now)
        if verified is not None:
            verified.put(key, doc)
        return doc

    def _verify_list_proof(kind: ListKind, raw: bytes, url: str, now: datetime) -> dict[str, Any]:
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Unchecked(f"status list {url} is not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise _Unchecked(f"status list {url} is not a JSON object")
        if doc.get("id") != url:
            raise _Unchecked(f"status list file for {url} names itself {doc.get('id')!r}: refusing a list "
                             f"published under another URL")
        if kind.credential_type not in _as_list(doc.get("type")):
            raise _Unchecked(f"status list {url} is not a {kind.credential_type}")
        proofs = verify_proof_set(doc, loader=loader, resolver=resolver, expected_purpose="assertionMethod",
                                  now=now)
        if not proofs.check.passed:
            raise _Unchecked(f"status list {url}: {proofs.check.reason} (STATUS_VERIFICATION_ERROR)")
        binding = check_issuer_binding(doc, skipped=proofs.skipped)
        if not binding.passed:
            methods = binding.details.get("verificationMethods")
            raise _Unchecked(f"status list {url} is signed by {methods}, not by a key of its issuer "
                             f"{issuer_id(doc)} (STATUS_VERIFICATION_ERROR)")
        subject = doc.get("credentialSubject")
        if not isinstance(subject, dict) or kind.subject_type not in _as_list(subject.get("type")):
            raise _Unchecked(f"status list {url}: credentialSubject is not a {kind.subject_type}")
        return doc

    def check_entry(entry: Any, credential: dict[str, Any], now: datetime, *,
                    clock_skew: timedelta = CLOCK_SKEW) -> dict[str, Any]:
        read = read_entry(entry, kinds)
        kind, url = read.kind, read.url
        item = load(kind, url, now)
        if item.problem or item.doc is None:
            raise _Unchecked(item.problem or f"status list {url} unusable")
        doc = item.doc
        if require_same_issuer and issuer_id(doc) != issuer_id(credential):
            raise _Unchecked(f"status list {url} is issued by {issuer_id(doc)}, not by the credential's issuer "
                             f"{issuer_id(credential)}")
        (start_name, start_text), (end_name, end_text) = _first(doc, kind.valid_from), _first(doc, kind.valid_until)
        start, end = parse_xsd_datetime(start_text), parse_xsd_datetime(end_text)
        if start is None or start > now + clock_skew:
            raise _Unchecked(f"status list {url} is not yet valid ({start_name} {start_text!r})")
        if end_text is not None and (end is None or end < now - clock_skew):
            raise _Unchecked(f"status list {url} expired on {end_text} ({end_name}): the issuer must re-publish "
                             f"it (a stale list could hide a revocation)")
        purpose = read.purpose
        if not purpose:   # a status reference: the list says what its bits mean, and must say one thing
            listed = _as_list(doc["credentialSubject"].get("statusPurpose"))
            if len(listed) != 1 or listed[0] not in kind.purposes:
                raise _Unchecked(f"status list {url} states the purposes {listed}; a credentialStatus URI "
                                 f"reference needs a list of exactly one purpose ({' or '.join(kind.purposes)}) "
                                 f"(STATUS_VERIFICATION_ERROR)")
            purpose = str(listed[0])
        elif kind.purpose_member is not None:
            listed = _as_list(doc["credentialSubject"].get(kind.purpose_member))
            if read.purpose not in listed:
                raise _Unchecked(f"status list {url} is a {listed} list, not a {read.purpose} list "
                                 f"(STATUS_VERIFICATION_ERROR)")
        if read.index >= len(item.bits) * 8:
            raise _Unchecked(f"{kind.index_member} {read.index} is outside the list of {len(item.bits) * 8} "
                             f"entries (RANGE_ERROR)")
        return {"type": kind.entry_type, "statusPurpose": purpose, "statusListIndex": read.index,
                "statusListCredential": url, "source": item.source, "status": bit_at(item.bits, read.index),
                "listValidUntil": end_text}

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
        return _outcome(results, credential, reasons)

    return checker


def _outcome(results: list[dict[str, Any]], credential: dict[str, Any],
             reasons: Callable[[str], str | None] | None) -> CheckResult:
    """The "status" check once every entry was read: passed unless a bit is set."""
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
