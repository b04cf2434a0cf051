"""eddsa-jcs-2022 (W3C VC-DI-EdDSA section 3.3): Ed25519, SHA-256, JSON Canonicalization (RFC 8785).

Why a suite of its own: the document and the proof config are canonicalized as JSON,
not as RDF, so nothing is expanded (the verifier therefore runs its separate contexts
check) and the proof carries the document's `@context` itself ("Create Proof" step 2).
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import rfc8785

from ..errors import VerificationError
from ..ld.loader import DocumentLoader
from .base import SignatureSuite, register


def _starts_with(context: Any, prefix: Any) -> bool:
    """Whether `context` begins with every value of `prefix`, in order (Verify Proof step 4)."""
    items = context if isinstance(context, list) else [context]
    head = prefix if isinstance(prefix, list) else [prefix]
    return items[:len(head)] == head


@dataclass(frozen=True)
class JcsSuite(SignatureSuite):
    """hash(JCS(proof config)) || hash(JCS(document without proof)); nothing is expanded."""

    expands_json_ld: bool = False
    proof_carries_context: bool = True

    def verify_data(self, document: dict[str, Any], proof_config: dict[str, Any], key_algorithm: str,
                    loader: DocumentLoader) -> bytes:
        """A proof's own `@context` must open the document's, and stands in for it when hashing.

        Raises VerificationError when it does not (the engine reports it as the proof's failure).
        """
        if "@context" in proof_config:
            if not _starts_with(document.get("@context"), proof_config["@context"]):
                raise VerificationError("the document's @context does not start with the proof's @context",
                                        field="proof.@context", value=proof_config["@context"])
            document = {**document, "@context": proof_config["@context"]}
        try:
            proof_hash = self.hash(key_algorithm, rfc8785.dumps(proof_config))
            doc_hash = self.hash(key_algorithm, rfc8785.dumps(document))
        except rfc8785.CanonicalizationError as exc:
            raise VerificationError(f"not canonicalizable as JSON (RFC 8785): {exc}") from exc
        return proof_hash + doc_hash


SUITE: JcsSuite = JcsSuite("eddsa-jcs-2022", MappingProxyType({"Ed25519": "sha256"}))
register(SUITE)
