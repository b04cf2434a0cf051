"""Issuing an SD-JWT VC of a record, and the holder's presentation with a key binding JWT.

The issuer JWT: header `{alg, typ: dc+sd-jwt, kid}`, payload `iss`, `iat`, `exp`, `vct`,
`cnf.jwk` (the holder's key), `status.status_list` when given, `_sd_alg: sha-256`, the
claims that are never disclosed selectively in the clear, and the `_sd` digests of the
others (sorted, so their order says nothing about the claims; decoys optional). Arrays
are disclosed as a whole, as the EUDI issuer does.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..crypto.keys import KeyPair
from ..errors import SigningError
from ..models.records import MicroCredentialRecord, with_issuer_id
from ..time import require_aware
from .claims import CLAIMS, EDC_VCT, claims_for, record_claims
from .core import (
    SD_ALG,
    TYP_KB_JWT,
    TYP_SD_JWT_VC,
    Disclosure,
    alg_for,
    decoy_digest,
    parse_disclosure,
    read_jws,
    sd_hash,
    sign_compact,
    split_compact,
)

DEFAULT_VALIDITY = timedelta(days=365)


@dataclass(frozen=True)
class SdJwtVc:
    """An SD-JWT VC: the issuer-signed JWT, its disclosures, and a key binding JWT once presented."""

    jwt: str
    disclosures: tuple[Disclosure, ...]
    key_binding: str | None = None

    def serialize(self) -> str:
        """`<jwt>~<disclosure>~...~` (+ the KB-JWT after the last `~` when presented)."""
        return "~".join([self.jwt, *(d.encoded for d in self.disclosures)]) + "~" + (self.key_binding or "")

    @property
    def header(self) -> dict[str, Any]:
        return read_jws(self.jwt, "SD-JWT").header

    @property
    def payload(self) -> dict[str, Any]:
        return read_jws(self.jwt, "SD-JWT").payload

    @property
    def disclosed(self) -> dict[str, Any]:
        """Top-level claim name -> value of every disclosure."""
        return {d.name: d.value for d in self.disclosures if d.name is not None}

    @classmethod
    def parse(cls, text: str) -> SdJwtVc:
        """Read (not verify) the compact form; VerificationError naming what is malformed."""
        jwt, disclosures, kb = split_compact(text)
        return cls(jwt, tuple(parse_disclosure(d) for d in disclosures), kb)


def _holder_jwk(holder: Mapping[str, Any] | KeyPair | None) -> dict[str, Any] | None:
    if holder is None:
        return None
    key = holder if isinstance(holder, KeyPair) else KeyPair.from_jwk(dict(holder))
    return key.public_only().to_jwk()


def default_kid(signer: KeyPair, issuer: str) -> str:
    """did:key issuers: their method id; any other issuer: the key's RFC 7638 thumbprint (a `jwks` kid)."""
    if issuer == signer.did_key:
        return signer.verification_method
    return str(signer.to_jwcrypto().thumbprint())


def issue_sd_jwt_vc(record: MicroCredentialRecord, *, signer: KeyPair, issuer: str,
                    holder: Mapping[str, Any] | KeyPair | None, now: datetime,
                    valid_for: timedelta = DEFAULT_VALIDITY, status: Mapping[str, Any] | None = None,
                    vct: str = EDC_VCT, kid: str | None = None, decoys: int = 0,
                    jti: str | None = None) -> SdJwtVc:
    """Sign the record's claims as an SD-JWT VC of type `vct` (ours by default, or the plain EUDI type).

    `holder` is the wallet's public key (JWK dict or KeyPair), put in `cnf.jwk`; `status`
    is `{"idx": int, "uri": str}` of a Token Status List. `exp` is `now + valid_for`, or the
    record's `valid_until` when that is earlier.
    """
    when = require_aware(now, SigningError).replace(microsecond=0)
    if not issuer:
        raise SigningError("an SD-JWT VC needs its issuer identifier (iss)", field="issuer")
    if record.awarding.lead.id != issuer:
        record = with_issuer_id(record, issuer)   # one issuer: the awarding body the signature names
    claims = record_claims(record, vct)
    known = {c.name for c in claims_for(vct)}
    expiry = when + valid_for
    if record.valid_until is not None and record.valid_until < expiry:
        expiry = record.valid_until
    if expiry <= when:
        raise SigningError("the credential would expire before it is issued (valid_until)", field="valid_until")
    payload: dict[str, Any] = {"iss": issuer, "iat": int(when.timestamp()), "exp": int(expiry.timestamp()),
                               "vct": vct, "jti": jti or uuid.uuid4().urn}
    cnf = _holder_jwk(holder)
    if cnf is not None:
        payload["cnf"] = {"jwk": cnf}
    if status is not None:
        idx, uri = status.get("idx"), status.get("uri")
        if not isinstance(idx, int) or isinstance(idx, bool) or idx < 0 or not isinstance(uri, str) or not uri:
            raise SigningError("status must be {idx: non-negative integer, uri: URL of the status list}",
                               field="status")
        payload["status"] = {"status_list": {"idx": idx, "uri": uri}}
    disclosures: list[Disclosure] = []
    for name, value in claims.items():
        if name not in known:
            continue
        if CLAIMS[name].sd == "always":
            disclosures.append(Disclosure.make(name, value))
        else:
            payload[name] = value
    digests = [d.digest for d in disclosures] + [decoy_digest() for _ in range(max(decoys, 0))]
    if digests:
        payload["_sd"] = sorted(digests)
        payload["_sd_alg"] = SD_ALG
    header = {"alg": alg_for(signer), "typ": TYP_SD_JWT_VC, "kid": kid or default_kid(signer, issuer)}
    return SdJwtVc(sign_compact(header, payload, signer), tuple(disclosures))


def present(sd_jwt: SdJwtVc | str, disclose: Iterable[str], *, holder_key: KeyPair | None,
            audience: str | None, nonce: str | None, now: datetime) -> str:
    """The holder's presentation: the chosen disclosures and, with a key, a KB-JWT.

    `disclose` names the claims to show (unknown names are refused, so a typo never hides
    a claim silently). The KB-JWT (`typ: kb+jwt`) binds `aud`, `nonce`, `iat` and
    `sd_hash` (digest of the presentation up to its last `~`).
    """
    credential = SdJwtVc.parse(sd_jwt) if isinstance(sd_jwt, str) else sd_jwt
    wanted = set(disclose)
    unknown = wanted - set(credential.disclosed)
    if unknown:
        raise SigningError(f"no disclosure for claim(s) {sorted(unknown)}; disclosable: "
                           f"{sorted(credential.disclosed)}", field="disclose")
    chosen = SdJwtVc(credential.jwt, tuple(d for d in credential.disclosures if d.name in wanted))
    prefix = chosen.serialize()
    if holder_key is None:
        return prefix
    if audience is None or nonce is None:
        raise SigningError("a key binding JWT needs the verifier's audience and nonce", field="audience")
    when = require_aware(now, SigningError)
    header = {"alg": alg_for(holder_key), "typ": TYP_KB_JWT}
    payload = {"iat": int(when.timestamp()), "aud": audience, "nonce": nonce, "sd_hash": sd_hash(prefix)}
    return prefix + sign_compact(header, payload, holder_key)
