"""The registry of securing mechanisms: the one place that knows which formats exist.

Adding a format is one module with a `SecuringMechanism` and one `register()` call in
`_load_builtin`; issue, verify, batch, export, trust and the offer ask here.
"""
from __future__ import annotations

from typing import Any

from ..crypto.keys import KeyPair
from ..errors import SigningError
from ..suites.base import suite_for_key
from .base import SecuringMechanism, Signer

_MECHANISMS: dict[str, SecuringMechanism] = {}


def register(mechanism: SecuringMechanism) -> SecuringMechanism:
    _MECHANISMS[mechanism.name] = mechanism
    return mechanism


def _load_builtin() -> None:
    if _MECHANISMS:
        return
    from .data_integrity import DataIntegrity
    from .jades import Jades
    from .jose import LegacyVcJwt, VcJose

    # detection order matters: JAdES (JWS JSON) before Data Integrity (any JSON with a proof)
    for mechanism in (Jades(), DataIntegrity(), VcJose(), LegacyVcJwt()):
        register(mechanism)


def mechanisms() -> tuple[SecuringMechanism, ...]:
    _load_builtin()
    return tuple(_MECHANISMS.values())


def get(name: str) -> SecuringMechanism:
    _load_builtin()
    try:
        return _MECHANISMS[name]
    except KeyError as exc:
        raise SigningError(f"unknown securing mechanism {name!r}", field="proof", value=name) from exc


def proof_names() -> tuple[str, ...]:
    """Every `proof=` choice, in a stable order (Data Integrity suites, then JWT forms, JAdES)."""
    order = ("data-integrity", "vc-jose", "vc-jwt-legacy", "jades")
    ranked = sorted(mechanisms(), key=lambda m: order.index(m.name) if m.name in order else len(order))
    return tuple(p for m in ranked for p in m.proof_names())


def for_proof(proof: str) -> SecuringMechanism:
    """The mechanism that produces `proof`; SigningError naming the choices otherwise."""
    for mechanism in mechanisms():
        if proof in mechanism.proof_names():
            return mechanism
    raise SigningError(f"unsupported proof {proof!r}; use one of {', '.join(proof_names())}", field="proof",
                       value=proof)


def by_name_or_proof(name: str) -> SecuringMechanism:
    """The mechanism for a `proof=` choice, a registry name or a kind ('data-integrity', 'jwt')."""
    for mechanism in mechanisms():
        if name in mechanism.proof_names() or name in (mechanism.name, mechanism.kind):
            return mechanism
    return for_proof(name)  # raises, naming the choices


def detect(raw: Any) -> SecuringMechanism | None:
    """The mechanism that secured `raw`, or None for an unsecured (or unrecognised) input."""
    return next((m for m in mechanisms() if m.detect(raw)), None)


def default_proof(signer: Signer) -> str:
    """JAdES for a seal certificate (as the EU issuer seals), else the Data Integrity suite of the key."""
    if isinstance(signer, KeyPair):
        return suite_for_key(signer.algorithm).name
    return "jades"
