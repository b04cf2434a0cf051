"""The securing seam: one `SecuringMechanism` per proof format, found through the registry.

See `securing/base.py` for the protocol and docs/ARCHITECTURE.md for adding a format.
"""
from .base import (
           Envelope,
           ProofOutcome,
           Secured,
           SecuringMechanism,
           SignerIdentity,
           VerifyContext,
)
from .registry import (
           default_proof,
           detect,
           for_proof,
           get,
           mechanisms,
           proof_names,
           register,
)

__all__ = ["Envelope", "ProofOutcome", "SecuringMechanism", "Secured", "SignerIdentity", "VerifyContext",
           "default_proof", "detect", "for_proof", "get", "mechanisms", "proof_names", "register"]
