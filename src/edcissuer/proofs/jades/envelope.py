"""The one reader of a JAdES envelope: JWS JSON in, header, payload, credential and x5c out.

Why one reader: the verifier, the trust matcher and the exporters all need "what does this
seal contain"; when each parsed it itself, a seal could read one way to the signature check
and another way to the code deciding who signed it. Reading checks nothing cryptographic:
`verify.verify_seal_detailed` says whether the signature holds.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from edcissuer.crypto.x509 import parse_certificate
from edcissuer.errors import InputError, VerificationError

from ..jose import b64url_decode_canonical, loads_strict


#: signatures read from one seal: one per awarding body of a joint award; a bound so that a
#: hostile file cannot make the verifier check thousands of signatures
MAX_SIGNATURES = 64


@dataclass(frozen=True)
class JadesEnvelope:
    """One JAdES signature as read, before any check.

    `payload` is the payload part of the signing input exactly as signed (the JSON text's
    UTF-8 bytes when `b64` is false, else the base64url text) and `credential` is parsed
    from exactly those bytes. `protected` and `signature` are the base64url texts as found.
    """

    header: dict[str, Any]
    unprotected: dict[str, Any]
    credential: dict[str, Any]
    payload: bytes
    certificates: list[x509.Certificate]
    protected: str = ""
    signature: str = ""

    @property
    def signing_input(self) -> bytes:
        """ASCII(protected) "." payload: what the seal's signature covers (RFC 7515/7797)."""
        return self.protected.encode("ascii") + b"." + self.payload


@dataclass(frozen=True)
class _Reading:
    """What `_read` found: the envelope when every part is sound, else the problems.

    `header` is kept whenever the protected header decoded, so the verifier can still report
    its crit/sigT rules beside a broken payload or x5c.
    """

    envelope: JadesEnvelope | None
    header: dict[str, Any] | None
    unprotected: dict[str, Any]
    problems: list[InputError]


def _as_object(obj: Any) -> Any:
    if isinstance(obj, (str, bytes)):
        try:
            return loads_strict(obj)
        except (ValueError, UnicodeDecodeError):
            return None
    return obj


def _signature_entries(obj: Any) -> list[Any] | None:
    """The signature objects of a general or flattened JWS JSON serialization."""
    if not isinstance(obj, dict) or not isinstance(obj.get("payload"), str):
        return None
    if isinstance(obj.get("signatures"), list):
        return list(obj["signatures"])
    if "signature" in obj and "protected" in obj:
        return [{k: obj[k] for k in ("protected", "header", "signature") if k in obj}]
    return None


def _protected_header(protected: str) -> Any:
    """The decoded protected header (any JSON value); ValueError/UnicodeDecodeError when unreadable."""
    return loads_strict(b64url_decode_canonical(protected))


def is_jades(obj: Any) -> bool:
    """True for a JWS JSON object (dict or its text) whose protected header names an `alg`.

    Deliberately loose: a broken JAdES should reach verify_seal() and get named failures.
    """
    entries = _signature_entries(_as_object(obj))
    if not entries or not isinstance(entries[0], dict) or not isinstance(entries[0].get("protected"), str):
        return False
    try:
        header = _protected_header(entries[0]["protected"])
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header


def read_envelope(obj: Any) -> JadesEnvelope:
    """Parse (no signature check) a JAdES seal given as a dict or its JSON text/bytes.

    With several signatures (a co-sealed credential) this is the first one: the lead's seal,
    the one the credential was issued with. `read_envelopes` gives every signature.
    Raises InputError naming every malformed part (`field` is the first one's: "input",
    "signatures", "protected", "header", "payload" or "x5c").
    """
    return read_envelopes(obj)[0]


def read_envelopes(obj: Any) -> list[JadesEnvelope]:
    """Every signature of a JAdES seal, in order, each with the one shared payload (no signature check).

    Why all of them: a joint award is co-sealed by every awarding body (general JWS JSON
    serialization, one entry of `signatures` per body). Raises InputError as `read_envelope`.
    """
    readings = _read_all(obj)
    problems = [p for r in readings for p in r.problems]
    if problems or any(r.envelope is None for r in readings):
        raise InputError("; ".join(p.message for p in problems) or "malformed JAdES seal",
                         field=problems[0].field if problems else "input")
    return [r.envelope for r in readings if r.envelope is not None]


def signature_entries(obj: Any) -> list[dict[str, Any]]:
    """The raw `signatures` entries of a general or flattened JWS JSON object, as found.

    For `sign.add_seal`, which appends one entry and must keep every other byte as it was.
    Raises InputError when `obj` is not a JWS JSON object.
    """
    entries = _signature_entries(_as_object(obj))
    if entries is None or not all(isinstance(e, dict) for e in entries):
        raise InputError("not a JWS JSON serialization (needs a 'payload' string and 'signatures')", field="input")
    return entries


def _read(obj: Any) -> _Reading:
    """The first signature's reading (see `_read_all`)."""
    return _read_all(obj)[0]


def _read_all(obj: Any) -> list[_Reading]:
    """One reading per signature; a problem of the whole object gives one failed reading."""
    def fail(message: str, field: str) -> list[_Reading]:
        return [_Reading(None, None, {}, [InputError(message, field=field)])]

    doc = _as_object(obj)
    entries = _signature_entries(doc)
    if entries is None:
        return fail("not a JWS JSON serialization (needs a 'payload' string and 'signatures')", "input")
    if "signatures" in doc and any(k in doc for k in ("protected", "header", "signature")):
        # RFC 7515 section 7.2.1: the general form carries these only inside `signatures`
        return fail("JWS JSON is both general ('signatures') and flattened (top-level 'protected'/'header'/"
                    "'signature'): refusing to guess which signature counts", "signatures")
    if not entries:
        return fail("expected at least one signature, found 0", "signatures")
    if len(entries) > MAX_SIGNATURES:
        return fail(f"{len(entries)} signatures: at most {MAX_SIGNATURES} are checked (one per awarding body)",
                    "signatures")
    readings = [_read_entry(doc, entry, index if len(entries) > 1 else None) for index, entry in enumerate(entries)]
    encodings = {r.header.get("b64", True) is False for r in readings if r.header is not None}
    if len(encodings) > 1:
        # RFC 7797 section 3: every signature over one payload uses the same b64 value
        return fail("signatures disagree on b64: one payload cannot be both encoded and unencoded", "signatures")
    return readings


def _read_entry(doc: dict[str, Any], entry: Any, index: int | None) -> _Reading:
    """Read one signature entry against the shared payload, collecting problems after the header."""
    where = f"signatures[{index}]: " if index is not None else ""

    def fail(message: str, field: str) -> _Reading:
        return _Reading(None, None, {}, [InputError(where + message, field=field)])

    if not isinstance(entry, dict) or not isinstance(entry.get("protected"), str) \
            or not isinstance(entry.get("signature"), str):
        return fail("signature entry needs 'protected' and 'signature' strings", "signatures")
    try:
        header = _protected_header(entry["protected"])
    except (ValueError, UnicodeDecodeError) as exc:
        return fail(f"protected header is not base64url JSON: {exc}", "protected")
    if not isinstance(header, dict):
        return fail("protected header is not a JSON object", "protected")
    problems: list[InputError] = []
    unprotected = entry.get("header", {})
    if not isinstance(unprotected, dict):
        problems.append(InputError(where + "unprotected 'header' is not a JSON object", field="header"))
        unprotected = {}
    unencoded = header.get("b64", True) is False
    payload = b""
    credential: Any = None
    try:
        payload = doc["payload"].encode("utf-8")  # UnicodeEncodeError for a lone surrogate ("\ud800")
        # parsed from the signed bytes themselves: decoding them gives back exactly the text signed
        credential = loads_strict(payload.decode("utf-8") if unencoded else b64url_decode_canonical(doc["payload"]))
    except ValueError as exc:  # also UnicodeError
        problems.append(InputError(f"payload is not {'JSON' if unencoded else 'base64url JSON'}: {exc}",
                                   field="payload"))
    if credential is not None and not isinstance(credential, dict):
        problems.append(InputError("payload is not a JSON object", field="payload"))
    x5c_problems: list[InputError] = []
    certificates = _x5c(header, x5c_problems)
    problems += [InputError(where + p.message, field=p.field) for p in x5c_problems]
    if problems or not isinstance(credential, dict):
        return _Reading(None, header, unprotected, problems)
    envelope = JadesEnvelope(header=header, unprotected=unprotected, credential=credential, payload=payload,
                             certificates=certificates, protected=entry["protected"], signature=entry["signature"])
    return _Reading(envelope, header, unprotected, [])


def _x5c(header: dict[str, Any], problems: list[InputError]) -> list[x509.Certificate]:
    chain = header.get("x5c")
    if not isinstance(chain, list) or not chain:
        problems.append(InputError("x5c missing: the seal certificate must be embedded", field="x5c"))
        return []
    certs = []
    for i, item in enumerate(chain):
        try:
            certs.append(parse_certificate(base64.b64decode(item, validate=True)))
        except (TypeError, ValueError, binascii.Error) as exc:
            problems.append(InputError(f"x5c[{i}] is not a base64 DER certificate: {exc}", field="x5c"))
        except VerificationError as exc:
            problems.append(InputError(f"x5c[{i}] is not a base64 DER certificate: {exc.message}", field="x5c"))
    return certs
