"""Cryptosuites: strategy objects that own everything suite-specific of a proof.

Why objects and not constants: the generic Data Integrity engine
(`proofs/data_integrity.py`) only builds proof options, checks purpose / challenge /
dates / chains and resolves the key. How the document and the proof options become the
bytes that are signed (transformation + hashing, e.g. RDFC-1.0 or JCS), how signature
bytes are encoded in `proofValue`, how long a signature is, which context defines the
proof's terms, whether the proof carries its own `@context` (JCS) and whether verifying
expands the JSON-LD strictly (RDFC does, JCS does not) belong to the suite — so
`eddsa-jcs-2022` or `Ed25519Signature2020` is one new file in `suites/`, registered with
`register()`, and nothing else changes (P7/P8/P15 in STYLE.md).
"""
from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from ..crypto import multibase as mb
from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, SigningError
from ..ld.canonize import canonize
from ..ld.loader import DocumentLoader

CANONICALIZATION = "RDFC-1.0"
DATA_INTEGRITY_PROOF = "DataIntegrityProof"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DI_V1_CONTEXT = "https://w3id.org/security/data-integrity/v1"
DI_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
#: contexts that define DataIntegrityProof, cryptosuite and proofValue; the first is the one added
DI_CONTEXTS: tuple[str, ...] = (DI_V2_CONTEXT, VC_V2_CONTEXT, DI_V1_CONTEXT)
#: raw signature length per key algorithm (Ed25519 and ECDSA r||s)
SIGNATURE_BYTES: Mapping[str, int] = MappingProxyType({"Ed25519": 64, "P-256": 64, "P-384": 96})


@runtime_checkable
class Cryptosuite(Protocol):
    """What the Data Integrity engine asks of a suite."""

    @property
    def name(self) -> str:
        """`proof.cryptosuite` (or the proof `type` for suites that predate cryptosuites)."""
        ...

    @property
    def proof_type(self) -> str:
        """`proof.type` this suite writes and reads."""
        ...

    @property
    def key_algorithms(self) -> frozenset[str]: ...

    @property
    def proof_contexts(self) -> tuple[str, ...]:
        """Contexts that define this suite's proof terms; the first is added to a document that has none."""
        ...

    @property
    def expands_json_ld(self) -> bool:
        """True when `verify_data` expands the document strictly (RDFC): an undefined term then fails
        the proof, so the verifier needs no separate contexts check. False for JCS suites."""
        ...

    @property
    def proof_carries_context(self) -> bool:
        """True when the proof holds the document's `@context` itself and verification uses that one
        (eddsa-jcs-2022 "Create Proof" step 2); False when the proof config takes the document's."""
        ...

    def matches(self, proof: Mapping[str, Any]) -> bool:
        """Whether this suite verifies `proof` (jsonld-signatures' matchProof)."""
        ...

    def proof_fields(self) -> dict[str, Any]:
        """The suite-identifying members of a new proof (`type`, `cryptosuite`)."""
        ...

    def key_problem(self, key: KeyPair, *, need_private: bool = False) -> str | None: ...

    def verify_data(self, document: dict[str, Any], proof_config: dict[str, Any], key_algorithm: str,
                    loader: DocumentLoader) -> bytes:
        """The bytes that get signed: transformation, hashing and their combination."""
        ...

    def sign(self, key: KeyPair, data: bytes) -> str:
        """The `proofValue` text over `data`."""
        ...

    def verify(self, public_key: KeyPair, proof_value: Any, data: bytes) -> str | None:
        """None when `proof_value` is a valid signature of `data` by the key, else why not."""
        ...


@dataclass(frozen=True)
class SignatureSuite:
    """What every suite here shares: the hash per key algorithm, key checks, and `proofValue` as
    multibase base58btc of the raw signature (Ed25519, ECDSA r||s). Subclasses add `verify_data`.
    """

    name: str
    #: key algorithms (KeyPair.algorithm) this suite accepts, mapped to their hash (hashlib name)
    hashes: Mapping[str, str] = field(compare=False)
    proof_type: str = DATA_INTEGRITY_PROOF
    proof_contexts: tuple[str, ...] = DI_CONTEXTS
    expands_json_ld: bool = True
    proof_carries_context: bool = False

    @property
    def key_algorithms(self) -> frozenset[str]:
        return frozenset(self.hashes)

    def matches(self, proof: Mapping[str, Any]) -> bool:
        return proof.get("type") == self.proof_type and proof.get("cryptosuite") == self.name

    def proof_fields(self) -> dict[str, Any]:
        return {"type": self.proof_type, "cryptosuite": self.name}

    def hash_name(self, key_algorithm: str) -> str:
        """sha256 for Ed25519 and P-256, sha384 for P-384 (ecdsa-rdfc-2019 section 3.3)."""
        return self.hashes[key_algorithm]

    def hash(self, key_algorithm: str, data: bytes) -> bytes:
        return hashlib.new(self.hashes[key_algorithm], data).digest()

    def key_problem(self, key: KeyPair, *, need_private: bool = False) -> str | None:
        """Why `key` cannot be used with this suite, or None when it can."""
        if key.algorithm not in self.hashes:
            return (f"{self.name} needs a {' or '.join(sorted(self.hashes))} key, "
                    f"got {key.algorithm}")
        if need_private and not key.has_private:
            return f"{self.name} signing needs the private key"
        return None

    def sign(self, key: KeyPair, data: bytes) -> str:
        """Multibase base58btc of the raw signature (r||s for ECDSA)."""
        problem = self.key_problem(key, need_private=True)
        if problem:
            raise SigningError(problem, field="cryptosuite", value=self.name)
        return mb.encode_base58btc(key.sign(data))

    def verify(self, public_key: KeyPair, proof_value: Any, data: bytes) -> str | None:
        problem = self.key_problem(public_key)
        if problem:
            return f"wrong key type for {self.name}: {problem}"
        if not isinstance(proof_value, str):
            return "proofValue is missing or not a multibase base58btc string"
        try:
            signature = mb.decode_base58btc(proof_value)
        except ValueError as exc:
            return f"proofValue is not multibase base58btc: {exc}"
        size = SIGNATURE_BYTES[public_key.algorithm]
        if len(signature) != size:
            return f"proofValue has {len(signature)} bytes, a {public_key.algorithm} signature has {size}"
        if not public_key.verify(signature, data):
            return ("signature does not match: the credential was altered after signing, "
                    "or it was signed with a different key")
        return None


@dataclass(frozen=True)
class RdfcSuite(SignatureSuite):
    """An RDFC-1.0 suite with "hash(canonical proof config) || hash(canonical document)".

    eddsa-rdfc-2022 and ecdsa-rdfc-2019 differ only in their name and the hash that goes
    with each key algorithm; `proofValue` is multibase base58btc of the raw signature.
    """

    canonicalization: str = CANONICALIZATION

    def verify_data(self, document: dict[str, Any], proof_config: dict[str, Any], key_algorithm: str,
                    loader: DocumentLoader) -> bytes:
        """hash(canonical proof config) || hash(canonical document).

        The suite's hash is also RDFC-1.0's internal hash: ecdsa-rdfc-2019 with P-384 labels
        blank nodes with SHA-384 (the W3C P-384 "employ" vector only reproduces that way).
        """
        hash_name = self.hash_name(key_algorithm)
        proof_hash = self.hash(key_algorithm, canonize(proof_config, loader, hash_algorithm=hash_name).encode())
        doc_hash = self.hash(key_algorithm, canonize(document, loader, hash_algorithm=hash_name).encode())
        return proof_hash + doc_hash


def make_suite(name: str, hashes: Mapping[str, str]) -> RdfcSuite:
    return RdfcSuite(name, MappingProxyType(dict(hashes)))


_REGISTRY: dict[str, Cryptosuite] = {}
#: verify-only suites: a pre-standard name of a registered suite -> that suite's name
_ALIASES: dict[str, Cryptosuite] = {}
_ALIAS_OF: dict[str, str] = {}
_LOADED: list[bool] = []


def register(suite: Cryptosuite, *, alias_of: str | None = None) -> Cryptosuite:
    """Add a suite; it becomes a `proof` choice for issue() and a verifier for verify().

    `alias_of` names the standard suite this one is a pre-standard name of (eddsa-2022 for
    eddsa-rdfc-2022): such a suite is only ever verified, never offered for issuing.
    """
    if alias_of is None:
        _REGISTRY[suite.name] = suite
    else:
        _ALIASES[suite.name] = suite
        _ALIAS_OF[suite.name] = alias_of
    return suite


def _load_builtin() -> None:
    """Import every module of this package once: a suite module registers itself on import.

    So adding a cryptosuite is adding one file to `suites/`; nothing here lists them.
    """
    if _LOADED:
        return
    _LOADED.append(True)
    package = __name__.rpartition(".")[0]
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name != "base":
            importlib.import_module(f"{package}.{info.name}")


def supported_suites() -> tuple[str, ...]:
    """The suites issue() can sign with (pre-standard aliases are not among them)."""
    _load_builtin()
    return tuple(sorted(_REGISTRY))


def verifiable_suites() -> tuple[str, ...]:
    """Every suite verify() checks: the supported ones and their pre-standard aliases."""
    _load_builtin()
    return tuple(sorted({*_REGISTRY, *_ALIASES}))


def alias_of(name: str) -> str | None:
    """The standard suite `name` is a pre-standard name of (eddsa-2022 -> eddsa-rdfc-2022), else None."""
    _load_builtin()
    return _ALIAS_OF.get(name)


#: the suite a key signs with when none is named: today's W3C suites, not a legacy or JCS one
DEFAULT_FOR_KEY: Mapping[str, str] = MappingProxyType(
    {"Ed25519": "eddsa-rdfc-2022", "P-256": "ecdsa-rdfc-2019", "P-384": "ecdsa-rdfc-2019"})


def suite_for_key(key_algorithm: str) -> Cryptosuite:
    """The default suite for a key: DEFAULT_FOR_KEY's, else the first registered one (by name) accepting it."""
    _load_builtin()
    preferred = _REGISTRY.get(DEFAULT_FOR_KEY.get(key_algorithm, ""))
    if preferred is not None and key_algorithm in preferred.key_algorithms:
        return preferred
    for name in sorted(_REGISTRY):
        if key_algorithm in _REGISTRY[name].key_algorithms:
            return _REGISTRY[name]
    raise SigningError(f"no cryptosuite accepts {key_algorithm} keys", field="key", value=key_algorithm)


def match_suite(proof: Mapping[str, Any]) -> Cryptosuite | None:
    """The registered suite (or verify-only alias) that verifies `proof`, or None when none does."""
    _load_builtin()
    return next((s for s in (*_REGISTRY.values(), *_ALIASES.values()) if s.matches(proof)), None)


def get_suite(name: object, *, error: type[EdcIssuerError] = SigningError) -> Cryptosuite:
    """The suite called `name`; raises `error` (SigningError, or VerificationError when verifying)."""
    _load_builtin()
    suite = _REGISTRY.get(name) if isinstance(name, str) else None
    if suite is None and isinstance(name, str) and name in _ALIAS_OF:
        raise error(f"{name!r} is the pre-standard name of {_ALIAS_OF[name]}: proofs under that name are "
                    f"verified, never made; sign with {_ALIAS_OF[name]}", field="cryptosuite", value=name)
    if suite is None:
        raise error(f"unsupported cryptosuite {name!r}; supported: {', '.join(sorted(_REGISTRY))}",
                    field="cryptosuite", value=name)
    return suite
