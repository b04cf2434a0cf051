"""The DEMO-ONLY key set in `keys/`: one loader shared by the demo sections and the tests' fixtures,
in its own module so the sections can use it without importing the demo runner (no cycle)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from ..crypto.keys import KeyPair
from ..crypto.x509 import SealIdentity, load_certificates, load_seal


@dataclass(frozen=True)
class DemoKeys:
    """The demo's signers and trust anchor, loaded once so every section signs with the same keys."""

    issuer: KeyPair
    issuer_p256: KeyPair
    seal: SealIdentity
    trust_anchors: tuple[x509.Certificate, ...]
    learners: dict[str, KeyPair]


def load_demo_keys(root: Path) -> DemoKeys:
    """Read the DEMO-ONLY keys under `root/keys`; learner names come from `demo-learner-NAME.*.pem`."""
    k = root / "keys"
    learners = {p.name.split("-")[2].split(".")[0]: KeyPair.load(p) for p in sorted(k.glob("demo-learner-*.pem"))}
    return DemoKeys(
        issuer=KeyPair.load(k / "demo-issuer-ed25519.DEMO-ONLY.pem"),
        issuer_p256=KeyPair.load(k / "demo-issuer-p256.DEMO-ONLY.pem"),
        seal=load_seal((k / "demo-seal-cert.DEMO-ONLY.pem").read_bytes(),
                       (k / "demo-seal-key.DEMO-ONLY.pem").read_bytes()),
        trust_anchors=tuple(load_certificates((k / "demo-ca.DEMO-ONLY.pem").read_bytes())),
        learners=learners,
    )
