"""Is the artefact authentic? The check every export runs before it makes a carrier.

Why: a certificate, a baked badge or a QR code looks official whatever it carries. If an
exporter turned a tampered or forged credential into one, the printout would lend it the
credibility the signature denies (docs/security.md, "Exports of unverified credentials").
So `export_credential` asks the artefact's own securing mechanism to verify the proof
first, and refuses unless every authenticity check passed; only an explicit
`unverified=True` lets a human-readable carrier through, stamped "NOT VERIFIED".

Authenticity is what the mechanism's `verify` reports: `proof` (the signature), and where
the mechanism reports them `issuer.binding`, `proof.structure`, `proof.certificate`,
`proof.timestamps` and `trust.chain`. One exception: a JAdES seal checked without trust
anchors reports `trust.chain` as "unchecked"; its signature verified, so it is exported
with a note saying the chain was not checked. Validity dates and revocation status are not
authenticity (an expired credential is still the issuer's) and are left to the verifier.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509

from ..checks import CheckId
from ..errors import ExportError
from ..ld.guard import guard_problem
from ..results import CheckResult
from ..verify import VerifyOptions
from .artefact import STAMP, SignedArtefact


@dataclass(frozen=True)
class Authenticity:
    """What the mechanism found: its checks, those that failed, and the ones left unchecked."""

    checks: tuple[CheckResult, ...]
    failures: tuple[CheckResult, ...]
    unchecked: tuple[CheckResult, ...] = ()

    @property
    def verified(self) -> bool:
        return not self.failures

    def reason(self) -> str:
        """The failing checks as `id: reason; ...` (empty when verified)."""
        return "; ".join(f"{c.name}: {c.reason}" for c in self.failures)

    def notes(self) -> list[str]:
        """What the user should be told alongside the exported file."""
        notes = [f"{c.name} not checked: {c.reason} (pass --trust-anchor to check it)" for c in self.unchecked]
        if self.failures:
            notes.insert(0, f"{STAMP}: exported with --unverified although {self.reason()}; "
                            "the output is stamped NOT VERIFIED")
        return notes


def _unchecked_chain(check: CheckResult) -> bool:
    return check.name == CheckId.TRUST_CHAIN and not check.passed and check.details.get("state") == "unchecked"


def check_authenticity(art: SignedArtefact, *, now: datetime, trust_anchors: Sequence[x509.Certificate] = (),
                       did_web_dir: Path | None = None) -> Authenticity:
    """Verify the artefact's proof with its own securing mechanism, as of `now`.

    `now` is required (the library never reads the clock); `trust_anchors` check a JAdES
    seal's chain, `did_web_dir` resolves local did:web issuers, as for `verify`.
    """
    options = VerifyOptions(now=now, trust_anchors=tuple(trust_anchors), did_web_dir=did_web_dir)
    outcome = art.mechanism.verify(art.raw, options.context())
    checks = tuple(outcome.checks)
    unchecked = tuple(c for c in checks if _unchecked_chain(c))
    failures = [c for c in checks if not c.passed and not _unchecked_chain(c)]
    problem = guard_problem(outcome.credential) if outcome.credential is not None else None
    if problem is not None:  # a JSON that may show what its graph does not is no credential to print
        guard = CheckResult(CheckId.CONTEXTS, False, str(problem), {"field": problem.path})
        checks, failures = (*checks, guard), [*failures, guard]
    if not any(c.name == CheckId.PROOF and c.passed for c in checks) and not failures:
        failures.append(CheckResult(CheckId.PROOF, False, "the securing mechanism reported no passed proof check"))
    return Authenticity(checks, tuple(failures), unchecked)


def require_authentic(art: SignedArtefact, *, now: datetime, trust_anchors: Sequence[x509.Certificate] = (),
                      did_web_dir: Path | None = None, unverified: bool = False,
                      label: str = "the credential") -> Authenticity:
    """`check_authenticity`, raising ExportError (field: the first failing check id) unless it
    verified or the caller explicitly accepts an unverified credential."""
    result = check_authenticity(art, now=now, trust_anchors=trust_anchors, did_web_dir=did_web_dir)
    if result.failures and not unverified:
        first = result.failures[0]
        raise ExportError(f"refusing to export {label}: it does not verify ({result.reason()}); a carrier "
                          "would lend it an authenticity its signature denies (--unverified exports a "
                          "certificate or badge stamped NOT VERIFIED)", field=str(first.name))
    return result
