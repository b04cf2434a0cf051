"""Sealing: a JAdES baseline-B seal of a credential, in the shape the EU's EDCI issuer writes.

JWS JSON general serialization, enveloping, unencoded payload (RFC 7797, `b64: false`):
the signing input is ASCII(protected_b64url) + "." + UTF-8(payload JSON text). The levels
above B need a TSA and revocation data, which are out of scope.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding

from edcissuer.crypto.multibase import b64url_encode
from edcissuer.crypto.x509 import (
    SealIdentity,
    SealPrivateKey,
    check_seal_key_usage,
    check_validity,
    issuer_serial_der,
    sha256_thumbprint,
)
from edcissuer.errors import SigningError, VerificationError
from edcissuer.time import iso_z

from .algorithms import ALGORITHMS, _Alg, key_mismatch
from .envelope import read_envelope, signature_entries

DEFAULT_CONTENT_TYPE = "octet-stream"  # what the EU's EDCI issuer writes in `cty`


def default_alg(key: SealPrivateKey) -> str:
    """RS256 for RSA keys (as the EU seals), ES256 for P-256 keys."""
    return "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"


def _sign(key: SealPrivateKey, spec: _Alg, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, spec.rsa_padding(), spec.hash())
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(spec.hash())))
    return r.to_bytes(spec.coord, "big") + s.to_bytes(spec.coord, "big")


def seal(
    credential: dict[str, Any],
    identity: SealIdentity,
    *,
    signing_time: datetime,
    alg: str | None = None,
    content_type: str = DEFAULT_CONTENT_TYPE,
    include_chain: bool = True,
) -> dict[str, Any]:
    """JAdES baseline-B seal of `credential`: the JWS JSON object, ready to write as the EDC file.

    The header mirrors EDCI's (alg, cty, kid = IssuerSerial, x5t#S256, x5c, typ, b64, sigT,
    crit). Refuses (SigningError) a certificate that is not valid at `signing_time` or not
    meant for sealing, so we never produce a seal that fails its own verification.
    """
    if not isinstance(credential, dict):
        raise SigningError("the credential to seal must be a JSON object", field="credential")
    try:
        payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SigningError(f"credential is not plain JSON: {exc}", field="credential") from exc
    entry = _signature_entry(payload, identity, signing_time=signing_time, alg=alg, content_type=content_type,
                             include_chain=include_chain)
    return {"payload": payload, "signatures": [entry]}


def add_seal(
    sealed: dict[str, Any],
    identity: SealIdentity,
    *,
    signing_time: datetime,
    alg: str | None = None,
    content_type: str = DEFAULT_CONTENT_TYPE,
    include_chain: bool = True,
) -> dict[str, Any]:
    """A NEW JWS JSON object: `sealed` with one more baseline-B signature over the same payload.

    Why: a joint award is sealed by every awarding body (EADTU: "signed by all rectors or
    deans"); the lead seals first and each partner adds its own signature later. The
    payload text and every existing signature entry are kept byte for byte (a flattened
    seal becomes the general serialization, which carries the same signature), so no
    earlier seal is invalidated. Only unencoded payloads (`b64: false`, what `seal` and
    EDCI write) are co-sealed: RFC 7797 wants one b64 value for every signature. This checks
    no existing signature: `edcissuer.cosign` does that before calling it.
    """
    entries = signature_entries(sealed)
    payload = sealed.get("payload")
    if not isinstance(payload, str) or not entries:
        raise SigningError("not a JAdES seal: needs a 'payload' string and at least one signature",
                           field="signatures")
    first = read_envelope(sealed)
    if first.header.get("b64", True) is not False:
        raise SigningError("only seals with an unencoded payload (b64: false) can be co-sealed", field="b64")
    entry = _signature_entry(payload, identity, signing_time=signing_time, alg=alg, content_type=content_type,
                             include_chain=include_chain)
    return {"payload": payload, "signatures": [*(dict(e) for e in entries), entry]}


def _signature_entry(payload: str, identity: SealIdentity, *, signing_time: datetime, alg: str | None,
                     content_type: str, include_chain: bool) -> dict[str, str]:
    """One signature entry over `payload` (the JSON text as it stands), with EDCI's header; see `seal`."""
    name = alg or default_alg(identity.private_key)
    spec = ALGORITHMS.get(name)
    if spec is None:
        raise SigningError(f"unsupported alg {name!r}; use one of {', '.join(ALGORITHMS)}", field="alg", value=name)
    cert = identity.certificate
    mismatch = key_mismatch(identity.private_key.public_key(), name, spec)
    if mismatch:
        raise SigningError(mismatch, field="alg", value=name)
    try:
        check_validity(cert, signing_time)
        check_seal_key_usage(cert)
    except VerificationError as exc:
        raise SigningError(f"refusing to seal: {exc.message}", field=exc.field, value=exc.value) from exc
    chain = [cert, *identity.chain] if include_chain else [cert]
    header = {
        "alg": name,
        "cty": content_type,
        "kid": base64.b64encode(issuer_serial_der(cert)).decode("ascii"),
        "x5t#S256": b64url_encode(sha256_thumbprint(cert)),
        "x5c": [base64.b64encode(c.public_bytes(Encoding.DER)).decode("ascii") for c in chain],
        "typ": "jose+json",
        "b64": False,
        "sigT": iso_z(signing_time),
        "crit": ["b64", "sigT"],
    }
    protected = b64url_encode(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    signature = _sign(identity.private_key, spec, protected.encode("ascii") + b"." + payload.encode("utf-8"))
    return {"protected": protected, "signature": b64url_encode(signature)}
