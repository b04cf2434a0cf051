"""IETF Token Status List (draft-ietf-oauth-status-list, editor's copy @2fb61cd5): the `statuslist+jwt`.

Not the W3C Bitstring Status List of `status/lists.py`: that one is GZIP and MSB-first;
this one is ZLIB (RFC 1950 over DEFLATE) and LSB-first: status `i` takes bits
`[i*bits, (i+1)*bits)`, counted from the least significant bit of each byte. Values:
0 VALID, 1 INVALID (revoked), 2 SUSPENDED, 3 application specific. `bits: 2` is the
smallest width that holds a suspension.

A referenced token carries `status: {status_list: {idx, uri}}`; the list token's `sub`
must be that `uri`. Fetching goes through a `fetch(uri) -> bytes` callable (the service
passes our Fetcher; tests pass a dict lookup).
"""
from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..checks import CheckId
from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, SigningError, VerificationError
from ..proofs.jose import b64url_decode_canonical
from ..results import CheckResult
from ..time import CLOCK_SKEW, require_aware
from .core import alg_for, b64url, check_alg, check_signature, media_type, read_jws, sign_compact

TYP_STATUS_LIST = "statuslist+jwt"
MEDIA_TYPE = "application/statuslist+jwt"
VALID, INVALID, SUSPENDED = 0, 1, 2
STATUS_NAMES = {VALID: "valid", INVALID: "revoked (INVALID)", SUSPENDED: "suspended", 3: "application-specific"}
BITS = (1, 2, 4, 8)
#: a decompressed list larger than this is refused (a zip bomb of a status list)
MAX_LIST_BYTES = 16 * 1024 * 1024


@dataclass
class StatusList:
    """A status list: `bits` per entry, LSB-first, as a mutable byte array."""

    bits: int
    data: bytearray

    @classmethod
    def new(cls, size: int, bits: int = 2) -> StatusList:
        if bits not in BITS:
            raise SigningError(f"bits must be one of {BITS}", field="bits", value=bits)
        return cls(bits, bytearray((size * bits + 7) // 8))

    @classmethod
    def of(cls, statuses: list[int], bits: int) -> StatusList:
        out = cls.new(len(statuses), bits)
        for index, value in enumerate(statuses):
            out.set(index, value)
        return out

    @property
    def size(self) -> int:
        return len(self.data) * 8 // self.bits

    def get(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise VerificationError(f"status index {index} is outside the list (size {self.size})", field="idx",
                                    value=index)
        bit = index * self.bits
        return (self.data[bit // 8] >> (bit % 8)) & ((1 << self.bits) - 1)

    def set(self, index: int, value: int) -> None:
        if not 0 <= value < (1 << self.bits):
            raise SigningError(f"status {value} does not fit in {self.bits} bit(s)", field="status", value=value)
        if not 0 <= index < self.size:
            raise SigningError(f"status index {index} is outside the list (size {self.size})", field="idx")
        bit = index * self.bits
        mask = ((1 << self.bits) - 1) << (bit % 8)
        self.data[bit // 8] = (self.data[bit // 8] & ~mask & 0xFF) | (value << (bit % 8))

    def encode(self) -> str:
        """`lst`: base64url (no padding) of the ZLIB-compressed bytes, highest compression."""
        return b64url(zlib.compress(bytes(self.data), 9))

    @classmethod
    def decode(cls, lst: Any, bits: Any) -> StatusList:
        if bits not in BITS or isinstance(bits, bool):
            raise VerificationError(f"status_list.bits {bits!r} is not one of {BITS}", field="bits")
        if not isinstance(lst, str):
            raise VerificationError("status_list.lst is not a string", field="lst")
        try:
            packed = b64url_decode_canonical(lst)
            inflater = zlib.decompressobj()
            data = inflater.decompress(packed, MAX_LIST_BYTES)
            if inflater.unconsumed_tail or not inflater.eof:
                raise ValueError("truncated, or larger than allowed")
        except (ValueError, zlib.error) as exc:
            raise VerificationError(f"status_list.lst is not base64url ZLIB data: {exc}", field="lst") from exc
        return cls(int(bits), bytearray(data))


def sign_status_list(status_list: StatusList, *, signer: KeyPair, uri: str, now: datetime,
                     valid_for: timedelta = timedelta(days=1), ttl: int = 3600, kid: str | None = None,
                     issuer: str | None = None) -> str:
    """A `statuslist+jwt`: `sub` = its own URI, `iat`, `exp`, `ttl`, `status_list{bits, lst}`."""
    when = require_aware(now, SigningError).replace(microsecond=0)
    header: dict[str, Any] = {"alg": alg_for(signer), "typ": TYP_STATUS_LIST}
    if kid:
        header["kid"] = kid
    payload: dict[str, Any] = {"sub": uri, "iat": int(when.timestamp()), "exp": int((when + valid_for).timestamp()),
                               "ttl": ttl, "status_list": {"bits": status_list.bits, "lst": status_list.encode()}}
    if issuer:
        payload["iss"] = issuer
    return sign_compact(header, payload, signer)


def verify_status_list(token: str | bytes, *, key: KeyPair, uri: str, now: datetime,
                       clock_skew: timedelta = CLOCK_SKEW) -> StatusList:
    """The list a signed `statuslist+jwt` holds; VerificationError naming the field otherwise."""
    text = token.decode("ascii", errors="replace") if isinstance(token, bytes) else token
    jws = read_jws(text.strip(), "status list token")
    alg = check_alg(jws.header, "status list token")
    if media_type(jws.header.get("typ")) != TYP_STATUS_LIST:
        raise VerificationError(f"typ {jws.header.get('typ')!r} is not {TYP_STATUS_LIST!r}", field="typ")
    check_signature(jws, key, alg, "status list token")
    claims = jws.payload
    if claims.get("sub") != uri:
        raise VerificationError(f"the status list token's sub {claims.get('sub')!r} is not the uri {uri!r} the "
                                "credential references", field="sub")
    at, slack = now.timestamp(), clock_skew.total_seconds()
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise VerificationError("the status list token has no iat", field="iat")
    if iat > at + slack:
        raise VerificationError("the status list token is issued in the future (iat)", field="iat")
    if exp is not None and (not isinstance(exp, (int, float)) or exp < at - slack):
        raise VerificationError("the status list token has expired (exp): fetch a fresh one", field="exp")
    body = claims.get("status_list")
    if not isinstance(body, dict):
        raise VerificationError("the status list token has no status_list object", field="status_list")
    return StatusList.decode(body.get("lst"), body.get("bits"))


def check_referenced_status(claims: dict[str, Any], *, fetch: Callable[[str], bytes] | None,
                            key_for: Callable[[dict[str, Any]], KeyPair], now: datetime,
                            clock_skew: timedelta = CLOCK_SKEW) -> CheckResult | None:
    """The `status` check of a credential with `status.status_list`; None when it has no status.

    `key_for(list token header)` gives the key the list must verify with (the credential
    issuer's, by default). Never passes silently: no `fetch` means a failed check.
    """
    status = claims.get("status")
    if status is None:
        return None
    ref = status.get("status_list") if isinstance(status, dict) else None
    idx, uri = (ref.get("idx"), ref.get("uri")) if isinstance(ref, dict) else (None, None)
    if not isinstance(idx, int) or isinstance(idx, bool) or idx < 0 or not isinstance(uri, str):
        return CheckResult(CheckId.STATUS, False, "status.status_list must be {idx: non-negative integer, uri}",
                           {"status": status})
    details = {"idx": idx, "uri": uri}
    if fetch is None:
        return CheckResult(CheckId.STATUS, False, f"the credential has a Token Status List entry ({uri}) but no "
                           "status source was configured (allow the list's host)", details)
    try:
        token = fetch(uri)
        text = token.decode("ascii", errors="replace") if isinstance(token, bytes) else str(token)
        key = key_for(read_jws(text.strip(), "status list token").header)
        value = verify_status_list(text, key=key, uri=uri, now=now, clock_skew=clock_skew).get(idx)
    except EdcIssuerError as exc:
        return CheckResult(CheckId.STATUS, False, f"status list {uri}: {exc.message}", {**details, "field": exc.field})
    details["status"] = value
    if value == VALID:
        return CheckResult(CheckId.STATUS, True, f"valid in the Token Status List {uri} (index {idx})", details)
    return CheckResult(CheckId.STATUS, False, f"{STATUS_NAMES.get(value, f'status {value}')} in the Token Status "
                       f"List {uri} (index {idx})", details)
