"""The interop matrix: our cases, the peers, which peer takes which proof, known peer limits.

Everything a test parametrizes over is declared here, so the matrix (and docs/interop.md)
reads off one place. A peer-signed case is a `PeerSigning` row (its driver job's options,
and what our verifier must report on it); a peer that cannot do something is a
`Limitation` with the evidence, and its cell is xfail(strict=True).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDS = {p.stem.split("-", 1)[1]: p for p in sorted((ROOT / "samples" / "records").glob("*.yaml"))}


@dataclass(frozen=True)
class OurProof:
    """One way we secure an OB3 credential: `issue(proof=...)` with a key of `key`."""

    name: str        # the case id suffix
    proof: str       # issue(proof=...)
    key: str         # "Ed25519" | "P-256" | "RSA"
    family: str      # "ld" | "jwt"
    form: str = ""   # JWT form for the JOSE peers: "ob3-jwt" | "vc-jose"
    did_web: bool = False  # issued as DID_WEB (its did.json served by the offline map), not did:key


OUR_PROOFS = (
    OurProof("eddsa-rdfc-2022", "eddsa-rdfc-2022", "Ed25519", "ld"),
    OurProof("ecdsa-rdfc-2019", "ecdsa-rdfc-2019", "P-256", "ld"),
    OurProof("Ed25519Signature2020", "Ed25519Signature2020", "Ed25519", "ld"),
    OurProof("jwt-ob3-EdDSA", "jwt", "Ed25519", "jwt", "ob3-jwt"),
    OurProof("jwt-ob3-ES256", "jwt", "P-256", "jwt", "ob3-jwt"),
    OurProof("jwt-ob3-RS256", "jwt", "RSA", "jwt", "ob3-jwt"),
    OurProof("vc-jose-EdDSA", "vc-jose", "Ed25519", "jwt", "vc-jose"),
)

#: an institution's did:web: the did:web cases are issued as it (issue(issuer_did=...))
DID_WEB = "did:web:badges.univ-lusitania.example"
DID_WEB_PROOFS = (
    OurProof("eddsa-rdfc-2022-did-web", "eddsa-rdfc-2022", "Ed25519", "ld", did_web=True),
    OurProof("jwt-ob3-EdDSA-did-web", "jwt", "Ed25519", "jwt", "ob3-jwt", did_web=True),
)

#: peer name -> the proof family it verifies ("ld": Data Integrity and Ed25519Signature2020)
PEERS: dict[str, str] = {
    "digitalbazaar-vc": "ld",
    "dcc-vc": "ld",
    "verifier-core": "ld",
    "openbadgeslib-ldp": "ld",
    "openbadgeslib-di": "ld",
    "jose": "jwt",
    "openbadgeslib-jwt": "jwt",
}
#: the node driver of each JavaScript peer (others run in this process)
DRIVERS = {"digitalbazaar-vc": "digitalbazaar", "dcc-vc": "dcc", "verifier-core": "verifier_core", "jose": "jose"}
#: peers that check credentialStatus (BitstringStatusListEntry) against the published list
STATUS_PEERS = ("digitalbazaar-vc", "dcc-vc", "verifier-core", "openbadgeslib-ldp")


@dataclass(frozen=True)
class Limitation:
    """A peer that cannot take a case: why (short; docs/interop.md has the detail), and a
    substring of the peer's own refusal, which the xfail cell must match."""

    reason: str
    evidence: str


_DCC = "peer limit: the DCC stack has no ecdsa-rdfc-2019 suite and reads only Ed25519 did:keys"
_OBL = "peer limit: openbadgeslib verifies eddsa-rdfc-2022 and ecdsa-sd-2023 only"

LIMITATIONS: dict[tuple[str, str], Limitation] = {
    ("dcc-vc", "ecdsa-rdfc-2019"): Limitation(_DCC, "insufficient proofs matched"),
    ("verifier-core", "ecdsa-rdfc-2019"): Limitation(_DCC, "The signature is not valid"),
    **{(peer, suite): Limitation(_OBL, "no supported Data Integrity proof")
       for peer in ("openbadgeslib-ldp", "openbadgeslib-di") for suite in ("ecdsa-rdfc-2019", "Ed25519Signature2020")},
    ("openbadgeslib-jwt", "jwt-ob3-RS256"): Limitation(
        "peer limit: openbadgeslib resolves no RSA did:key (pinned, it verifies)", "base58btc value too long"),
    ("openbadgeslib-jwt", "vc-jose-EdDSA"): Limitation(
        "peer limit: openbadgeslib reads the OB 3.0 JWT shape only, not VC-JOSE", "missing the required 'iss' claim"),
}

#: openbadgeslib checks the status bit, and by default the list's own proof, which it can
#: verify only for JWT-VC lists (ob3/status.py): its status cells run with verify_status_list=False
SIGNED_LIST_LIMITATION = Limitation("peer limit: openbadgeslib verifies only JWT-VC status lists' proofs",
                                    "is not a signed JWT-VC")


def our_cases() -> list[tuple[str, str, OurProof]]:
    """(case id, record key, proof) for every sample record x every proof we emit for OB3, and
    the single-institution record issued as a did:web institution."""
    return ([(f"{record}-{proof.name}", record, proof) for record in RECORDS for proof in OUR_PROOFS]
            + [(f"single-{proof.name}", "single", proof) for proof in DID_WEB_PROOFS])


def our_matrix() -> list[tuple[str, str]]:
    """(case id, peer) cells: every case x every peer verifying its family."""
    return [(case, peer) for case, _, proof in our_cases() for peer, family in PEERS.items()
            if family == proof.family]


def limitation(peer: str, case: str) -> Limitation | None:
    """The peer's known limit for a case id `<record key>-<proof>` (record keys may hold dashes)."""
    record = max((r for r in [*RECORDS, "single"] if case.startswith(r + "-")), key=len, default=None)
    proof = case[len(record) + 1:] if record else case.split("-", 1)[1]
    return LIMITATIONS.get((peer, proof))


@dataclass(frozen=True)
class PeerSigning:
    """A credential a peer signs (theirs -> ours): which peer, its signing options, and what
    our verifier must say beyond "proof and issuer binding pass".

    Job options a node driver reads: `suite` (one suite, or a proof set "a+b" signed in that
    order), `issuer` ("did:key" by default; "did:web", "https": a controller document, or
    "key-in-fragment": an https method `<url>#z6Mk...` with no document) and `status`
    ("StatusList2021" or "BitstringStatusList": the credential carries that entry, and the
    peer also signs its list, once with the bit clear and once with it set). `payload`
    is "vc11" for a VC 1.1 credential (issuanceDate, VC 1.1 context) instead of VC 2.0.
    """

    name: str
    peer: str               # driver name or "openbadgeslib"
    job: tuple[tuple[str, str], ...]  # the driver job's options ("suite", ...), as pairs
    payload: str = "ob3"    # "ob3" | "vc11"
    binding: str = ""       # issuer.binding details["binding"] we must report ("" : none, did:key)
    skipped: int = 0        # proofs we must skip as unsupported (UNSUPPORTED_PROOF_SKIPPED)
    legacy: str = ""        # the pre-standard cryptosuite name the proof check must report
    may_fail: frozenset[str] = frozenset()  # checks allowed to fail (the proof and binding never)

    def options(self) -> dict[str, str]:
        return dict(self.job)

    @property
    def status(self) -> bool:
        return "status" in self.options()


#: what our verifier reports when a VC 1.1 credential claims to be OB 3.0: the OB 3.0 schema
#: requires validFrom (VC 2.0), so conformance fails; proof, binding and status must hold
_VC11 = frozenset({"conformance"})
#: where the status cases' lists live (the peer's issuer signs them), and the credential's index
STATUS_LIST = "https://status.peer.example/{kind}/{peer}"
STATUS_INDEX = 5

PEER_SIGNING = (
    PeerSigning("digitalbazaar-eddsa-rdfc-2022", "digitalbazaar", (("suite", "eddsa-rdfc-2022"),)),
    PeerSigning("digitalbazaar-ecdsa-rdfc-2019", "digitalbazaar", (("suite", "ecdsa-rdfc-2019"),)),
    PeerSigning("digitalbazaar-Ed25519Signature2020", "digitalbazaar", (("suite", "Ed25519Signature2020"),)),
    PeerSigning("digitalbazaar-eddsa-2022", "digitalbazaar", (("suite", "eddsa-2022"),), legacy="eddsa-2022"),
    PeerSigning("digitalbazaar-set-ecdsa-rdfc-2019+eddsa-rdfc-2022", "digitalbazaar",
                (("suite", "ecdsa-rdfc-2019+eddsa-rdfc-2022"), ("issuer", "did:web"))),
    PeerSigning("digitalbazaar-set-Ed25519Signature2020+Ed25519Signature2018", "digitalbazaar",
                (("suite", "Ed25519Signature2020+Ed25519Signature2018"),), payload="vc11", skipped=1,
                may_fail=_VC11),
    PeerSigning("digitalbazaar-StatusList2021", "digitalbazaar",
                (("suite", "Ed25519Signature2020"), ("status", "StatusList2021")), payload="vc11", may_fail=_VC11),
    PeerSigning("digitalbazaar-BitstringStatusList", "digitalbazaar",
                (("suite", "eddsa-rdfc-2022"), ("status", "BitstringStatusList"))),
    PeerSigning("digitalbazaar-did-web-eddsa-rdfc-2022", "digitalbazaar",
                (("suite", "eddsa-rdfc-2022"), ("issuer", "did:web"))),
    PeerSigning("digitalbazaar-https-eddsa-rdfc-2022", "digitalbazaar",
                (("suite", "eddsa-rdfc-2022"), ("issuer", "https")), binding="controller-document"),
    PeerSigning("digitalbazaar-key-in-fragment-eddsa-rdfc-2022", "digitalbazaar",
                (("suite", "eddsa-rdfc-2022"), ("issuer", "key-in-fragment")), binding="key-in-fragment"),
    PeerSigning("dcc-Ed25519Signature2020", "dcc", (("suite", "Ed25519Signature2020"),)),
    PeerSigning("dcc-eddsa-rdfc-2022", "dcc", (("suite", "eddsa-rdfc-2022"),)),
    PeerSigning("dcc-set-Ed25519Signature2020+eddsa-rdfc-2022", "dcc",
                (("suite", "Ed25519Signature2020+eddsa-rdfc-2022"),)),
    PeerSigning("dcc-StatusList2021", "dcc",
                (("suite", "Ed25519Signature2020"), ("status", "StatusList2021")), payload="vc11", may_fail=_VC11),
    PeerSigning("dcc-BitstringStatusList", "dcc",
                (("suite", "eddsa-rdfc-2022"), ("status", "BitstringStatusList"))),
    PeerSigning("dcc-did-web-eddsa-rdfc-2022", "dcc", (("suite", "eddsa-rdfc-2022"), ("issuer", "did:web"))),
    PeerSigning("dcc-https-Ed25519Signature2020", "dcc",
                (("suite", "Ed25519Signature2020"), ("issuer", "https")), binding="controller-document"),
    PeerSigning("dcc-key-in-fragment-eddsa-rdfc-2022", "dcc",
                (("suite", "eddsa-rdfc-2022"), ("issuer", "key-in-fragment")), binding="key-in-fragment"),
    *(PeerSigning(f"jose-{alg}-{header}", "jose", (("alg", alg), ("header", header)))
      for alg in ("EdDSA", "ES256", "RS256") for header in ("kid", "jwk")),
    PeerSigning("openbadgeslib-ldp-signer", "openbadgeslib", (("signer", "OB3LdpSigner"),),
                may_fail=frozenset({"elements"})),
    PeerSigning("openbadgeslib-di", "openbadgeslib", (("signer", "add_data_integrity_proof"),)),
    *(PeerSigning(f"openbadgeslib-jwt-{alg}", "openbadgeslib", (("signer", "OB3Signer"), ("alg", alg)))
      for alg in ("EdDSA", "ES256", "RS256")),
)
