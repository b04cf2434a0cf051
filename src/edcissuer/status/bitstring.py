"""W3C Bitstring Status List v1.0: the bitstring, the entries, and the verifier's check.

Why a bitstring: a verifier downloads one list for many credentials, so the issuer never
learns which credential is being checked (herd privacy); indices are allocated at
random by the ledger, so a position says nothing about a learner or a cohort.

Encoding (spec 2.2 and 3.3): bit 0 is the left-most (most significant) bit of byte 0;
the bytes are GZIP-compressed and written as multibase base64url without padding
('u' prefix). Lists hold at least 131,072 entries (16 KB uncompressed). This module
is the one place that knows that encoding.

The verifier side, `make_status_checker`, checks Bitstring Status List entries and the two
older kinds issuers in the field still publish (`statuslist2021`, `revocation2020`), each
by its own rules, through the shared core in `lists`. It never passes silently: an entry
it cannot resolve, verify or decode is a failed "status" check naming the entry and why.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..crypto import multibase as mb
from ..errors import InputError
from ..fetch import Fetcher
from ..ld.loader import DocumentLoader, default_loader
from ..time import iso_z
from . import revocation2020, statuslist2021
from .lists import GZIP, ListKind, VerifiedLists, inflate, make_checker
from .lists import INDEX_FILE as INDEX_FILE
from .lists import MAX_DECODED_BYTES as MAX_DECODED_BYTES
from .lists import MAX_ENTRIES_PER_CREDENTIAL as MAX_ENTRIES_PER_CREDENTIAL
from .lists import MAX_LIST_FILE_BYTES as MAX_LIST_FILE_BYTES
from .lists import MIN_ENTRIES as MIN_ENTRIES
from .lists import Resolver as Resolver
from .lists import StatusChecker as StatusChecker
from .lists import bit_at as bit_at
from .lists import local_list_file as local_list_file
from .lists import status_fetcher as status_fetcher

STATUS_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
PURPOSES: tuple[str, ...] = ("revocation", "suspension")
#: the one list an ELM credential points at (see `status_reference`; docs/status-lists.md)
ELM_PURPOSE = "revocation"



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


def decode_list(encoded: Any, *, max_bytes: int = MAX_DECODED_BYTES) -> bytes:
    """The uncompressed bitstring of an encodedList; ValueError naming what is wrong."""
    try:
        compressed = mb.decode_base64url(encoded)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"encodedList is not multibase base64url ('u' prefix, no padding): {exc}") from exc
    return inflate(compressed, wbits=GZIP, max_bytes=max_bytes)


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


def status_reference(base_url: str, list_id: str, index: int, purpose: str = ELM_PURPOSE) -> dict[str, Any]:
    """An ELM credential's one credentialStatus: the URI of its entry in the `purpose` list, typed xsd:anyURI.

    Why not an entry object: EDC-generic-full gives `cred:credentialStatus` at most one value,
    of datatype xsd:anyURI, so Europass refuses a BitstringStatusListEntry node (and two of
    them). The URI is the entry's id in the list (`<list URL>#<index>`); the verifier reads
    the purpose from the list credential, which states exactly one.
    """
    return {"@value": f"{list_url(base_url, list_id, purpose)}#{index}", "type": "xsd:anyURI"}


def is_status_reference(value: Any) -> bool:
    """Whether a credentialStatus value is a URI reference (a JSON-LD value object), not an entry."""
    return isinstance(value, dict) and "@value" in value


def credential_status(fmt: str, base_url: str, list_id: str, index: int) -> list[dict[str, Any]]:
    """What a credential of `fmt` carries for `index`: ELM one reference, OB3 (VC 2.0) one entry per purpose."""
    if fmt == "elm":
        return [status_reference(base_url, list_id, index)]
    return status_entries(base_url, list_id, index)


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

KIND = ListKind(spec="Bitstring Status List v1.0", entry_type=ENTRY_TYPE, credential_type=LIST_CREDENTIAL_TYPE,
                subject_type=LIST_TYPE, index_member="statusListIndex", url_member="statusListCredential",
                purposes=PURPOSES, decode=decode_list, checks_status_size=True, takes_reference=True)
#: every status kind the verifier checks, today's first
KINDS: tuple[ListKind, ...] = (KIND, statuslist2021.KIND, revocation2020.KIND)


def make_status_checker(*, status_dir: Path | None = None, allow_urls: tuple[str, ...] = (),
                        loader: DocumentLoader = default_loader, resolver: Resolver | None = None,
                        reasons: Callable[[str], str | None] | None = None,
                        require_same_issuer: bool = True,
                        fetch: Callable[[str], bytes] | None = None,
                        fetcher: Fetcher | None = None, verified: VerifiedLists | None = None) -> StatusChecker:
    """A status checker for `VerifyOptions.status_checker`: (credential, now) -> CheckResult "status".

    Each entry is checked by the rules of its kind: BitstringStatusListEntry, StatusList2021Entry
    or RevocationList2020Status (`KINDS`); any other type fails the check, it is never skipped.
    Lists come from `status_dir` (URL -> file by index.json or the URL's last path
    segment) or, for URLs matching `allow_urls` (exact URLs, or prefixes ending in
    '/'), over HTTPS through a Fetcher (edcissuer.fetch); nothing is fetched otherwise.
    `fetcher` replaces `allow_urls` (shared cache, cache-only mode); `fetch` replaces
    the transport only (tests): the allow-list still decides what it is asked for. Each list credential must carry
    the URL as its id, a valid Data Integrity proof by a key of its issuer, be within
    its validity period and, unless `require_same_issuer=False`, come from the
    credential's own issuer. `reasons` (credential id -> text) lets an issuer with
    ledger access add the recorded reason; published lists carry no reasons.
    Resolved lists are cached for the checker's lifetime (one verification run); `verified`
    keeps lists whose proof verified across runs (lists.VerifiedLists, for a service).
    The checker takes `clock_skew` (default CLOCK_SKEW) for the lists' validity period.
    """
    return make_checker(KINDS, status_dir=status_dir, allow_urls=allow_urls, loader=loader, resolver=resolver,
                        reasons=reasons, require_same_issuer=require_same_issuer, fetch=fetch, fetcher=fetcher,
                        verified=verified)


def read_status_list(path: Path) -> dict[str, Any]:
    """A status list credential from a file (for tools and tests)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read status list: {exc}", field=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError("status list file is not a JSON object", field=str(path))
    return data
