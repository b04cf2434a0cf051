"""The securing seam: what every proof format (Data Integrity, VC-JOSE, VC-JWT, JAdES) offers.

Why one protocol: issuing, verifying, exporting, trust and the wallet offer used to switch
on proof names in six places. Now each format is one `SecuringMechanism` registered in
`securing.registry`; callers ask the registry, never compare strings. The shape follows
digitalbazaar's jsonld-signatures (`LinkedDataProof.createProof / verifyProof /
matchProof`) and verifier-core's step ids (STYLE.md P15/P16).

The key rule: `verify()` returns the **signer the signature check itself established**
(`ProofOutcome.signer`): the key or certificate whose signature verified. Trust decisions
read that, and never parse headers or resolve keys a second time.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from cryptography import x509

from ..crypto.issuer_keys import IssuerKeys
from ..crypto.keys import KeyPair
from ..crypto.x509 import SealIdentity
from ..ld.loader import DocumentLoader, default_loader
from ..results import CheckResult
from ..time import CLOCK_SKEW

KeyResolver = Callable[[str], KeyPair]
Signer = KeyPair | SealIdentity


@dataclass(frozen=True)
class SignerIdentity:
    """Who signed, as the signature check established it: DIDs and keys, or a seal certificate."""

    dids: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()                       # public keys as Multikey (multibase)
    verification_methods: tuple[str, ...] = ()
    fingerprint: str | None = None                   # SHA-256 of the seal certificate, hex
    organization_identifier: str | None = None       # ETSI organizationIdentifier of the seal
    subject: str | None = None
    certificate: x509.Certificate | None = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        if self.fingerprint:
            org = f", organizationIdentifier {self.organization_identifier}" if self.organization_identifier else ""
            return f"seal certificate '{self.subject}' (SHA-256 {self.fingerprint[:16]}...{org})"
        if self.dids:
            return f"key of {', '.join(self.dids)}"
        return "an unidentified key"


@dataclass(frozen=True)
class ProofOutcome:
    """What a mechanism's verification found: its checks, the credential, the signer.

    `credential` is read from exactly what was signed (the JWS payload bytes; for Data
    Integrity the document itself); None when nothing could be read. `signer` is None
    unless the signature verified. `expanded_strictly` is True when checking the proof
    already expanded the credential strictly (RDFC canonicalization of every proof), so
    the verifier needs no separate contexts check; JWT, JAdES and JCS proofs leave it False.
    `signers` are the signers one by one, one per signature or proof that verified, in order
    (a co-sealed joint award has one per awarding body; `edcissuer.cosign` matches them to
    the awarding bodies); `signer` is their union for trust.
    """

    checks: tuple[CheckResult, ...]
    credential: dict[str, Any] | None
    signer: SignerIdentity | None = None
    expanded_strictly: bool = False
    signers: tuple[SignerIdentity, ...] = ()

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)


@dataclass(frozen=True)
class VerifyContext:
    """What a mechanism needs to verify: time, skew, loader, key resolution, seal anchors.

    `issuer_keys` lists the assertion keys an issuer DID vouches for: it binds a key a JWT
    carries in its `jwk` header to a did:web issuer (None: such a key is reported unbound).
    """

    now: datetime
    clock_skew: timedelta = CLOCK_SKEW
    loader: DocumentLoader = default_loader
    resolver: KeyResolver | None = None
    trust_anchors: tuple[x509.Certificate, ...] = ()
    issuer_keys: IssuerKeys | None = None


@dataclass(frozen=True)
class Envelope:
    """An artefact read (not verified): the credential it carries and its envelope facts."""

    mechanism: str
    kind: str
    raw: dict[str, Any] | str
    credential: dict[str, Any]
    header: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Secured:
    """A mechanism's output: the credential as secured and the artefact to hand out."""

    credential: dict[str, Any]
    artefact: dict[str, Any] | str


@runtime_checkable
class SecuringMechanism(Protocol):
    """One way of securing a credential; see the module docstring."""

    @property
    def name(self) -> str:
        """Registry name: 'data-integrity', 'vc-jose', 'vc-jwt-legacy', 'jades'."""
        ...

    @property
    def kind(self) -> str:
        """The family reported as `proofType`: 'data-integrity', 'jwt' or 'jades'."""
        ...

    @property
    def description(self) -> str:
        """How a person is told the credential is secured (certificates, pages)."""
        ...

    @property
    def suffix(self) -> str:
        """File name suffix of the artefact ('.jsonld', '.jwt', '.jades.json')."""
        ...

    @property
    def oid4vci_format(self) -> str | None:
        """The OpenID4VCI format identifier ('ldp_vc', 'jwt_vc_json'), None when it has none."""
        ...

    def proof_names(self) -> tuple[str, ...]:
        """The `proof=` choices of issue() this mechanism produces (e.g. its cryptosuites)."""
        ...

    def media_type(self, envelope: Envelope) -> str: ...

    def detect(self, raw: Any) -> bool:
        """Whether `raw` (dict or text) is secured this way; loose, so broken input gets named failures."""
        ...

    def parse(self, raw: Any) -> Envelope:
        """Read without verifying (display, routing); raises InputError naming what is malformed."""
        ...

    def secure(self, credential: dict[str, Any], signer: Signer, *, proof: str, now: datetime,
               loader: DocumentLoader, verification_method: str | None) -> Secured: ...

    def verify(self, raw: Any, ctx: VerifyContext) -> ProofOutcome: ...
