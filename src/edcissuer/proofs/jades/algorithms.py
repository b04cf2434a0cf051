"""The JWA algorithms a JAdES seal may use, shared by sealing and verification.

Why one table: the allow-list that decides what `seal` produces must be the same one
`verify_seal` accepts, or we could write seals our own verifier refuses.
"""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


@dataclass(frozen=True)
class _Alg:
    family: str  # "RS" (PKCS#1 v1.5), "PS" (RSASSA-PSS), "ES" (ECDSA, raw r||s)
    hash: type[hashes.HashAlgorithm]
    curve: type[ec.EllipticCurve] | None = None
    coord: int = 0  # bytes per ECDSA coordinate

    def rsa_padding(self) -> padding.AsymmetricPadding:
        """RS: PKCS#1 v1.5; PS: PSS with MGF1 of the same hash and a digest-length salt (RFC 7518 3.5)."""
        if self.family == "RS":
            return padding.PKCS1v15()
        return padding.PSS(mgf=padding.MGF1(self.hash()), salt_length=padding.PSS.DIGEST_LENGTH)


ALGORITHMS: dict[str, _Alg] = {
    "RS256": _Alg("RS", hashes.SHA256), "RS384": _Alg("RS", hashes.SHA384), "RS512": _Alg("RS", hashes.SHA512),
    "PS256": _Alg("PS", hashes.SHA256), "PS384": _Alg("PS", hashes.SHA384), "PS512": _Alg("PS", hashes.SHA512),
    "ES256": _Alg("ES", hashes.SHA256, ec.SECP256R1, 32),
    "ES384": _Alg("ES", hashes.SHA384, ec.SECP384R1, 48),
    "ES512": _Alg("ES", hashes.SHA512, ec.SECP521R1, 66),
}
"""Asymmetric JWA algorithms accepted; `none` and HMAC can never seal for an organisation."""


def key_mismatch(key: object, alg: str, spec: _Alg) -> str | None:
    """Why public `key` cannot be used with `alg`, or None when it fits."""
    if spec.family in ("RS", "PS"):
        if not isinstance(key, rsa.RSAPublicKey):
            return f"{alg} needs an RSA key, the certificate holds {type(key).__name__}"
        if key.key_size < 2048:
            return f"RSA key of {key.key_size} bits is too small (2048 minimum)"
        return None
    if not isinstance(key, ec.EllipticCurvePublicKey) or spec.curve is None or not isinstance(key.curve, spec.curve):
        return f"{alg} needs an EC key on {spec.curve.name if spec.curve else '?'}"
    return None
