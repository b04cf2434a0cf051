"""Signing keys: one `KeyPair` type for Ed25519, P-256, P-384 (and RSA for JOSE).

Why a wrapper over `cryptography`: proofs need the same key in four spellings
(PEM file, JWK, Multikey, did:key) and need ECDSA signatures in the raw r||s form
Data Integrity uses, not DER. Doing those conversions here keeps them in one place.

RSA (2048 bits or more) is here because Open Badges 3.0 names RS256 as its JWT minimum
and issuers publish RSA keys; it is not in `ALGORITHMS` (no Data Integrity suite or
`keys new` choice uses it). Its Multikey/did:key spelling is multicodec `rsa-pub` over the
DER RSAPublicKey, as the did:key method defines.

Private key material never appears in `repr`/`str`; key files are written 0600 and
never overwritten by accident.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Union

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from ..errors import InputError, KeyMaterialError
from ..files import read_input
from . import multibase as mb

Algorithm = Literal["Ed25519", "P-256", "P-384"]
ALGORITHMS: tuple[str, ...] = ("Ed25519", "P-256", "P-384")
RSA = "RSA"
#: below this an RSA key is refused (NIST SP 800-57: 2048 bits is the floor after 2013)
RSA_MIN_BITS = 2048

#: keys allowed to sign (P11: only the types this job admits)
SigningKey = Union[Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]
VerifyingKey = Union[Ed25519PublicKey, ec.EllipticCurvePublicKey, rsa.RSAPublicKey]

_CURVES: dict[str, type[ec.EllipticCurve]] = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1}
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384"}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"P-256": hashes.SHA256, "P-384": hashes.SHA384}
_SIZES = {"P-256": 32, "P-384": 48, "Ed25519": 32}
_PUB_CODES = {"Ed25519": mb.ED25519_PUB, "P-256": mb.P256_PUB, "P-384": mb.P384_PUB}
_PRIV_CODES = {"Ed25519": mb.ED25519_PRIV, "P-256": mb.P256_PRIV, "P-384": mb.P384_PRIV}
_ALG_BY_PUB_CODE = {v: k for k, v in _PUB_CODES.items()}
_ALG_BY_PUB_CODE[mb.RSA_PUB] = RSA
_RSA_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi")
_ALG_BY_PRIV_CODE = {v: k for k, v in _PRIV_CODES.items()}
_MAX_KEY_FILE = 64 * 1024


def _ecdsa(alg: str) -> ec.ECDSA:
    """RFC 6979 deterministic ECDSA: same input, same signature (reproducible test vectors)."""
    try:
        return ec.ECDSA(_HASHES[alg](), deterministic_signing=True)
    except TypeError:  # pragma: no cover - cryptography < 44 has no deterministic mode
        return ec.ECDSA(_HASHES[alg]())


def _algorithm_of(key: SigningKey | VerifyingKey) -> str:
    if isinstance(key, (Ed25519PrivateKey, Ed25519PublicKey)):
        return "Ed25519"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        name = _CURVE_NAMES.get(key.curve.name)
        if name:
            return name
        raise KeyMaterialError(f"unsupported elliptic curve {key.curve.name}", field="key")
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        if key.key_size < RSA_MIN_BITS:
            raise KeyMaterialError(f"RSA key of {key.key_size} bits refused: at least {RSA_MIN_BITS} bits are "
                                   "required", field="key", value=key.key_size)
        return RSA
    raise KeyMaterialError(f"unsupported key type {type(key).__name__}", field="key")


@dataclass(frozen=True, eq=False)
class KeyPair:
    """A public key, optionally with its private half.

    Build one with `generate`, `load`, `from_pem`, `from_jwk` or `from_multikey`.
    `private_key` is None for keys resolved from a DID (verification only).
    """

    algorithm: str
    public_key: VerifyingKey
    private_key: SigningKey | None = field(default=None, repr=False)

    # --- construction -------------------------------------------------------------

    @classmethod
    def from_key(cls, key: SigningKey | VerifyingKey) -> KeyPair:
        """Wrap a `cryptography` private or public key object."""
        alg = _algorithm_of(key)
        if isinstance(key, (Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
            return cls(alg, key.public_key(), key)
        return cls(alg, key)

    @classmethod
    def generate(cls, algorithm: str = "Ed25519") -> KeyPair:
        """A fresh key pair for `algorithm` (Ed25519, P-256, P-384; "RSA" gives 3072 bits, JOSE only)."""
        if algorithm == "Ed25519":
            return cls.from_key(Ed25519PrivateKey.generate())
        if algorithm == RSA:
            return cls.from_key(rsa.generate_private_key(public_exponent=65537, key_size=3072))
        if algorithm in _CURVES:
            return cls.from_key(ec.generate_private_key(_CURVES[algorithm]()))
        raise KeyMaterialError(f"unsupported key algorithm {algorithm!r}; use one of {ALGORITHMS}",
                               field="algorithm", value=algorithm)

    @classmethod
    def from_pem(cls, data: bytes | str, password: bytes | None = None) -> KeyPair:
        """Load a PKCS#8 / SEC1 private key or a SubjectPublicKeyInfo public key."""
        raw = data.encode("ascii") if isinstance(data, str) else data
        key: Any
        if b"-----BEGIN CERTIFICATE-----" in raw and b"PRIVATE KEY-----" not in raw:
            raise KeyMaterialError("this PEM holds an X.509 certificate, not a key (a seal is its certificate "
                                   "together with the private key)", field="key")
        try:
            if b"PRIVATE KEY-----" in raw:
                key = serialization.load_pem_private_key(raw, password=password)
            else:
                key = serialization.load_pem_public_key(raw)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyMaterialError(f"cannot read PEM key: {exc}", field="key") from exc
        return cls.from_key(key)

    @classmethod
    def from_multikey(cls, public_multibase: str | None = None,
                      secret_multibase: str | None = None) -> KeyPair:
        """From Multikey `publicKeyMultibase` and/or `secretKeyMultibase` values."""
        if secret_multibase:
            try:
                code, secret = mb.decode_multikey(secret_multibase)
            except ValueError as exc:
                raise KeyMaterialError(f"secret key multibase: {exc}", field="secretKeyMultibase") from exc
            alg = _ALG_BY_PRIV_CODE.get(code)
            if alg is None or len(secret) != _SIZES[alg]:
                raise KeyMaterialError("secret key multibase: unsupported multicodec or wrong length",
                                       field="secretKeyMultibase")
            pair = cls.from_key(_private_from_bytes(alg, secret))
            if public_multibase and public_multibase != pair.public_multibase:
                raise KeyMaterialError("public and secret key multibase do not belong together",
                                       field="publicKeyMultibase", value=public_multibase)
            return pair
        if not public_multibase:
            raise KeyMaterialError("no key given", field="publicKeyMultibase")
        try:
            code, pub = mb.decode_multikey(public_multibase)
        except ValueError as exc:
            raise KeyMaterialError(f"public key multibase: {exc}", field="publicKeyMultibase",
                                   value=public_multibase) from exc
        alg = _ALG_BY_PUB_CODE.get(code)
        if alg is None:
            raise KeyMaterialError(f"unsupported multicodec 0x{code:x} in public key",
                                   field="publicKeyMultibase", value=public_multibase)
        if alg == RSA:
            return cls.from_key(_rsa_public_from_der(pub))
        return cls.from_key(_public_from_bytes(alg, pub))

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any] | str | Any) -> KeyPair:
        """From a JWK (dict, JSON text, or jwcrypto `JWK`); private if it carries `d`."""
        if isinstance(jwk, str):
            try:
                jwk = json.loads(jwk)
            except ValueError as exc:
                raise KeyMaterialError("JWK is not valid JSON", field="jwk") from exc
        elif not isinstance(jwk, dict) and hasattr(jwk, "export"):
            jwk = json.loads(jwk.export(private_key=jwk.has_private))
        if not isinstance(jwk, dict):
            raise KeyMaterialError("JWK must be a JSON object", field="jwk")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        if kty == "RSA":
            return cls.from_key(_rsa_from_jwk(jwk))
        alg = "Ed25519" if (kty, crv) == ("OKP", "Ed25519") else crv if kty == "EC" else None
        if alg not in ALGORITHMS:
            raise KeyMaterialError(f"unsupported JWK kty={kty!r} crv={crv!r}", field="jwk")
        try:
            if "d" in jwk:
                pair = cls.from_key(_private_from_bytes(alg, mb.b64url_decode(jwk["d"])))
                if "x" in jwk and pair.to_jwk() != _public_members(jwk):
                    raise KeyMaterialError("JWK private and public parts do not match", field="jwk")
                return pair
            x = mb.b64url_decode(jwk["x"])
            if alg == "Ed25519":
                return cls.from_key(_public_from_bytes(alg, x))
            y = mb.b64url_decode(jwk["y"])
            return cls.from_key(_public_from_bytes(alg, b"\x04" + x + y))
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyMaterialError(f"invalid JWK: {exc}", field="jwk") from exc

    @classmethod
    def load(cls, path: str | os.PathLike[str], password: bytes | None = None) -> KeyPair:
        """Read a key file: PEM, a JWK, or a Multikey JSON pair (publicKeyMultibase + secret)."""
        p = Path(path)
        try:
            raw = read_input(p, max_bytes=_MAX_KEY_FILE, what="key file")
        except InputError as exc:
            raise KeyMaterialError(f"{p}: {exc.message}", field="key", value=str(p)) from exc
        if raw.lstrip().startswith(b"-----BEGIN"):
            return cls.from_pem(raw, password)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise KeyMaterialError(f"{p}: neither PEM nor JSON", field="key", value=str(p)) from exc
        if isinstance(data, dict) and "kty" in data:
            return cls.from_jwk(data)
        if isinstance(data, dict) and ({"publicKeyMultibase", "secretKeyMultibase",
                                        "privateKeyMultibase"} & data.keys()):
            return cls.from_multikey(data.get("publicKeyMultibase"),
                                     data.get("secretKeyMultibase") or data.get("privateKeyMultibase"))
        raise KeyMaterialError(f"{p}: JSON is neither a JWK nor a Multikey", field="key", value=str(p))

    # --- export ---------------------------------------------------------------------

    @property
    def has_private(self) -> bool:
        return self.private_key is not None

    def public_only(self) -> KeyPair:
        """The same key without its private half (safe to hand to a verifier)."""
        return KeyPair(self.algorithm, self.public_key)

    def to_pem(self, *, private: bool = False, password: bytes | None = None) -> bytes:
        """PEM bytes: SubjectPublicKeyInfo, or PKCS#8 (optionally encrypted) when `private`."""
        if not private:
            return self.public_key.public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
        enc: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption())
        return self._require_private().private_bytes(serialization.Encoding.PEM,
                                                     serialization.PrivateFormat.PKCS8, enc)

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False,
             password: bytes | None = None) -> Path:
        """Write the private key (PKCS#8 PEM) with mode 0600; public-only pairs write the public PEM.

        Refuses to replace an existing file unless `overwrite` (a lost issuer key cannot be
        recovered, so clobbering one by accident is worse than an error).
        """
        p = Path(path)
        data = self.to_pem(private=self.has_private, password=password)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
        try:
            fd = os.open(p, flags, 0o600)
        except FileExistsError as exc:
            raise KeyMaterialError(f"{p} exists; pass overwrite=True to replace it", field="key",
                                   value=str(p)) from exc
        except OSError as exc:
            raise KeyMaterialError(f"cannot write key file {p}: {exc.strerror}", field="key",
                                   value=str(p)) from exc
        try:
            os.fchmod(fd, 0o600)  # O_TRUNC keeps the old mode; make sure it is 0600
            os.write(fd, data)
        finally:
            os.close(fd)
        return p

    @property
    def public_bytes(self) -> bytes:
        """Raw public key: 32 bytes (Ed25519), the compressed EC point, or DER RSAPublicKey (RSA)."""
        if isinstance(self.public_key, Ed25519PublicKey):
            return self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if isinstance(self.public_key, rsa.RSAPublicKey):
            return self.public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
        return self.public_key.public_bytes(serialization.Encoding.X962,
                                            serialization.PublicFormat.CompressedPoint)

    @cached_property
    def public_multibase(self) -> str:
        """Multikey `publicKeyMultibase` (z6Mk... for Ed25519, zDn... for P-256, z82... for P-384).

        Cached: every proof and JWT names it (via did_key), and base58 is not free.
        """
        return mb.encode_multikey(_PUB_CODES.get(self.algorithm, mb.RSA_PUB), self.public_bytes)

    def secret_multibase(self) -> str:
        """Multikey `secretKeyMultibase`; a method, not a property, so it is never shown by accident."""
        key = self._require_private()
        if isinstance(key, Ed25519PrivateKey):
            raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            raw = key.private_numbers().private_value.to_bytes(_SIZES[self.algorithm], "big")
        else:
            raise KeyMaterialError("RSA keys have no Multikey secret form; save them as PEM", field="key")
        return mb.encode_multikey(_PRIV_CODES[self.algorithm], raw)

    @property
    def did_key(self) -> str:
        return "did:key:" + self.public_multibase

    @property
    def verification_method(self) -> str:
        """The did:key verification method id: did:key:z...#z..."""
        return f"{self.did_key}#{self.public_multibase}"

    def to_jwk(self, private: bool = False) -> dict[str, str]:
        """JWK dict (RFC 7517 / RFC 8037); includes `d` only when `private` is asked for."""
        if isinstance(self.public_key, rsa.RSAPublicKey):
            return _rsa_jwk(self.public_key, self._require_private() if private else None)
        if isinstance(self.public_key, Ed25519PublicKey):
            jwk = {"kty": "OKP", "crv": "Ed25519", "x": mb.b64url_encode(self.public_bytes)}
        else:
            nums = self.public_key.public_numbers()
            size = _SIZES[self.algorithm]
            jwk = {"kty": "EC", "crv": self.algorithm, "x": mb.b64url_encode(nums.x.to_bytes(size, "big")),
                   "y": mb.b64url_encode(nums.y.to_bytes(size, "big"))}
        if private:
            key = self._require_private()
            if isinstance(key, Ed25519PrivateKey):
                d = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                      serialization.NoEncryption())
            else:
                assert isinstance(key, ec.EllipticCurvePrivateKey)  # RSA returned above
                d = key.private_numbers().private_value.to_bytes(_SIZES[self.algorithm], "big")
            jwk["d"] = mb.b64url_encode(d)
        return jwk

    def to_jwcrypto(self, private: bool = False) -> Any:
        """The key as a `jwcrypto.jwk.JWK` (for JOSE code)."""
        from jwcrypto.jwk import JWK

        return JWK(**self.to_jwk(private=private))

    # --- signatures -------------------------------------------------------------------

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature, ECDSA raw r||s (IEEE P1363) with the curve's hash (RFC 6979), or RSA RS256.

        RSA signs RSASSA-PKCS1-v1_5 with SHA-256 (JOSE RS256, the Open Badges 3.0 minimum).
        """
        key = self._require_private()
        if isinstance(key, Ed25519PrivateKey):
            return key.sign(data)
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(key.sign(data, _ecdsa(self.algorithm)))
        size = _SIZES[self.algorithm]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def verify(self, signature: bytes, data: bytes) -> bool:
        """True when `signature` (raw r||s for ECDSA) is valid for `data`; never raises for bad input."""
        try:
            if isinstance(self.public_key, Ed25519PublicKey):
                if len(signature) != 64:
                    return False
                self.public_key.verify(signature, data)
                return True
            if isinstance(self.public_key, rsa.RSAPublicKey):
                self.public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
                return True
            size = _SIZES[self.algorithm]
            if len(signature) != 2 * size:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:size], "big"),
                                       int.from_bytes(signature[size:], "big"))
            self.public_key.verify(der, data, ec.ECDSA(_HASHES[self.algorithm]()))
            return True
        except InvalidSignature:
            return False

    # --- dunder ---------------------------------------------------------------------------

    def _require_private(self) -> SigningKey:
        if self.private_key is None:
            raise KeyMaterialError("this operation needs the private key, but only the public key is loaded",
                                   field="key", value=self.public_multibase)
        return self.private_key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeyPair):
            return NotImplemented
        return (self.algorithm, self.public_bytes, self.has_private) == \
            (other.algorithm, other.public_bytes, other.has_private)

    def __hash__(self) -> int:
        return hash((self.algorithm, self.public_bytes, self.has_private))

    def __repr__(self) -> str:
        kind = "private+public" if self.has_private else "public"
        return f"KeyPair({self.algorithm}, {kind}, {self.public_multibase})"

    __str__ = __repr__


def derive_secret(private_key: Any, label: bytes) -> bytes:
    """A 32-byte key derived from a private key (HKDF-SHA-256 over its PKCS#8 form, salt "edcissuer").

    Why: keys the issuer needs besides its signing key (learner references, OpenID4VCI PINs
    and codes) then need no secret of their own, and every holder of the issuer key derives
    the same one. Each use gives its own `label`, so the derived keys are independent.
    """
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
    derived: bytes = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"edcissuer", info=label).derive(secret)
    return derived


def _public_members(jwk: dict[str, Any]) -> dict[str, Any]:
    keep = ("kty", "crv", "x") if jwk.get("kty") == "OKP" else ("kty", "crv", "x", "y")
    return {k: jwk.get(k) for k in keep}


def _rsa_public_from_der(der: bytes) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyMaterialError(f"invalid RSA public key: {exc}", field="publicKey") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyMaterialError("rsa-pub multikey does not hold an RSA key", field="publicKey")
    return key


def _b64_int(jwk: dict[str, Any], name: str) -> int:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise KeyMaterialError(f"RSA JWK member {name!r} is missing or not a string", field="jwk")
    try:
        return int.from_bytes(mb.b64url_decode(value), "big")
    except ValueError as exc:
        raise KeyMaterialError(f"RSA JWK member {name!r} is not base64url", field="jwk") from exc


def _rsa_from_jwk(jwk: dict[str, Any]) -> rsa.RSAPrivateKey | rsa.RSAPublicKey:
    """RFC 7518 section 6.3: n/e, plus d/p/q/dp/dq/qi for a private key (all or none)."""
    public = rsa.RSAPublicNumbers(_b64_int(jwk, "e"), _b64_int(jwk, "n"))
    present = [m for m in _RSA_PRIVATE_MEMBERS if m in jwk]
    try:
        if not present:
            return public.public_key()
        if len(present) != len(_RSA_PRIVATE_MEMBERS):
            raise KeyMaterialError("RSA JWK has only some private members (need d, p, q, dp, dq, qi)", field="jwk")
        p, q, d, dp, dq, qi = (_b64_int(jwk, m) for m in ("p", "q", "d", "dp", "dq", "qi"))
        return rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, public).private_key()
    except ValueError as exc:
        raise KeyMaterialError(f"invalid RSA JWK: {exc}", field="jwk") from exc


def _rsa_jwk(public: rsa.RSAPublicKey, private: SigningKey | None) -> dict[str, str]:
    def enc(value: int) -> str:
        return mb.b64url_encode(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))

    nums = public.public_numbers()
    jwk = {"kty": "RSA", "n": enc(nums.n), "e": enc(nums.e)}
    if isinstance(private, rsa.RSAPrivateKey):
        priv = private.private_numbers()
        jwk.update(d=enc(priv.d), p=enc(priv.p), q=enc(priv.q), dp=enc(priv.dmp1), dq=enc(priv.dmq1),
                   qi=enc(priv.iqmp))
    return jwk


def _private_from_bytes(alg: str, secret: bytes) -> SigningKey:
    if len(secret) != _SIZES[alg]:
        raise KeyMaterialError(f"{alg} private key must be {_SIZES[alg]} bytes", field="key")
    if alg == "Ed25519":
        return Ed25519PrivateKey.from_private_bytes(secret)
    try:
        return ec.derive_private_key(int.from_bytes(secret, "big"), _CURVES[alg]())
    except ValueError as exc:
        raise KeyMaterialError(f"invalid {alg} private key: {exc}", field="key") from exc


def _public_from_bytes(alg: str, pub: bytes) -> VerifyingKey:
    try:
        if alg == "Ed25519":
            if len(pub) != 32:
                raise ValueError("Ed25519 public key must be 32 bytes")
            return Ed25519PublicKey.from_public_bytes(pub)
        return ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[alg](), pub)
    except ValueError as exc:
        raise KeyMaterialError(f"invalid {alg} public key: {exc}", field="publicKey") from exc
