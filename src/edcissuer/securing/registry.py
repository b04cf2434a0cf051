"""The registry of securing mechanisms: the one place that knows which formats exist.

Adding a format is one module in `securing/` that defines a `SecuringMechanism` and calls
`register()` at import: the registry imports every module of the package once, so nothing
lists the formats. issue, verify, batch, export, trust and the offer ask here.
"""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from ..crypto.keys import RSA, KeyPair
from ..errors import InputError, SigningError
from ..suites.base import suite_for_key
from .base import SecuringMechanism, Signer

_MECHANISMS: dict[str, SecuringMechanism] = {}


def register(mechanism: SecuringMechanism) -> SecuringMechanism:
    _MECHANISMS[mechanism.name] = mechanism
    return mechanism


_LOADED: list[bool] = []
#: modules of this package that are the seam itself, not mechanisms
_INFRASTRUCTURE = frozenset({"base", "registry", "artefact"})


def _load_builtin() -> None:
    """Import every mechanism module of the package once (each registers itself)."""
    if _LOADED:
        return
    _LOADED.append(True)
    package = __name__.rpartition(".")[0]
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name not in _INFRASTRUCTURE:
            importlib.import_module(f"{package}.{info.name}")


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
    order = ("data-integrity", "jwt", "vc-jose", "ob3-jwt", "vc-jwt-legacy", "jades")
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
    """The mechanism that secured `raw`, or None for an unsecured (or unrecognised) input.

    Raises InputError when two mechanisms claim it (say, a JWS JSON object that also has a
    `proof`): an artefact that could be read two ways is refused, never guessed.
    """
    found = [m for m in mechanisms() if m.detect(raw)]
    if len(found) > 1:
        raise InputError("ambiguous artefact: it is shaped as " + " and as ".join(m.name for m in found)
                         + "; refusing to guess which one secures it", field="proof")
    return found[0] if found else None


def default_proof(signer: Signer) -> str:
    """JAdES for a seal certificate (as the EU issuer seals), else the Data Integrity suite of the key.

    An RSA key has no Data Integrity suite here; it signs the format's JWT (RS256).
    """
    if isinstance(signer, KeyPair):
        return "jwt" if signer.algorithm == RSA else suite_for_key(signer.algorithm).name
    return "jades"
