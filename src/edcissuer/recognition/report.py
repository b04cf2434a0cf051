"""The recognition report: one object for scripts (JSON, docs/recognition-report.md) and people (text).

Why one object: the CLI, the demo and a registrar's script must show the same decision
with the same reasons; each renders `RecognitionReport`, nobody recomputes it.

Each credential gets four separate answers, because "the signature verifies" says nothing
about who signed: **authentic** (proof and binding hold, dates valid, not revoked),
**issuer trusted** (on the trust list, signed with material listed for it, the seal
anchored), **complete** (a conforming credential with the eleven elements) and
**recognition** (the policy's decision). The exit code names the first of these stages
at which some credential fell short, so a script cannot take "authentic" for "accepted".
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..checks import POLICY_WEIGHED, CheckId
from ..models.elements import Elements
from ..results import CheckResult
from .findings import TrustFindings
from .policy import (
    NOT_RECOGNISED,
    NOT_VERIFIED,
    RECOGNISED,
    VERIFIED,
    WITH_CONDITIONS,
    Decision,
    Policy,
)
from .stacking import LearnerIdentity, StackResult
from .trust import TrustList

SCHEMA = "edcissuer-recognition-report/3"

TRUSTED, UNTRUSTED, UNCHECKED = "trusted", "untrusted", "unchecked"

#: checks that are not about authenticity: whom to trust, and whether the credential is complete
NOT_AUTHENTICITY: frozenset[str] = frozenset({*POLICY_WEIGHED, CheckId.TRUST_CHAIN, CheckId.CONFORMANCE,
                                              CheckId.ELEMENTS})
COMPLETENESS: tuple[str, ...] = (CheckId.CONFORMANCE, CheckId.ELEMENTS)

# Exit codes, in stage order: the code names the first stage some credential fails.
EXIT_ACCEPTED = 0
EXIT_NOT_AUTHENTIC = 1
EXIT_USAGE = 2
EXIT_ISSUER_NOT_TRUSTED = 3
EXIT_INCOMPLETE = 4
EXIT_NOT_RECOGNISED = 5
EXIT_RESULTS = {EXIT_ACCEPTED: "accepted", EXIT_NOT_AUTHENTIC: "not authentic", EXIT_USAGE: "usage error",
                EXIT_ISSUER_NOT_TRUSTED: "issuer not trusted", EXIT_INCOMPLETE: "incomplete",
                EXIT_NOT_RECOGNISED: "not recognised"}


@dataclass
class CredentialAssessment:
    """One credential: its checks, trust findings, elements and the decision on it."""

    source: str
    decision: Decision
    checks: tuple[CheckResult, ...]
    format: str | None = None
    proof_type: str | None = None
    elements: Elements | None = None
    trust: TrustFindings | None = None
    learner: LearnerIdentity | None = None

    @property
    def verification_checks(self) -> list[CheckResult]:
        """Every check except trust.*, which policies weigh instead of invalidating the credential."""
        return [c for c in self.checks if c.name not in POLICY_WEIGHED]

    def _check(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)

    def _passed(self, name: str) -> bool:
        check = self._check(name)
        return check is not None and check.passed

    @property
    def authentic(self) -> bool:
        """Proof and binding hold, dates valid, not revoked: every check but trust.*, conformance, elements.

        A credential must have been read (`format`) and its proof checked (`proof`), so an
        entry with only carrier or presentation checks is never authentic.
        """
        checks = [c for c in self.checks if c.name not in NOT_AUTHENTICITY]
        return (all(c.passed for c in checks) and self._passed(CheckId.FORMAT) and self._passed(CheckId.PROOF))

    @property
    def issuer_trust(self) -> str:
        """trusted / untrusted / unchecked (no trust list given, or no credential to check)."""
        check = self._check(CheckId.TRUST_ISSUER)
        if check is None:
            return UNCHECKED
        if check.details.get("state") == UNCHECKED:
            return UNCHECKED
        return TRUSTED if check.passed else UNTRUSTED

    @property
    def complete(self) -> bool:
        """A complete EU micro-credential: the format's conformance rules and the eleven elements."""
        return all(self._passed(name) for name in COMPLETENESS)

    @property
    def recognition(self) -> str | None:
        """The policy decision; None when no policy was applied."""
        outcome = self.decision.outcome
        return outcome if outcome in (RECOGNISED, WITH_CONDITIONS, NOT_RECOGNISED) else None

    @property
    def exit_code(self) -> int:
        """The first stage this credential fails (see the module docstring); 0 when it passes all."""
        if not self.authentic:
            return EXIT_NOT_AUTHENTIC
        if self.issuer_trust != TRUSTED:
            return EXIT_ISSUER_NOT_TRUSTED
        if not self.complete:
            return EXIT_INCOMPLETE
        if self.recognition == NOT_RECOGNISED:
            return EXIT_NOT_RECOGNISED
        return EXIT_ACCEPTED

    @property
    def accepted(self) -> bool:
        return self.exit_code == EXIT_ACCEPTED

    @property
    def valid(self) -> bool:
        """Authentic and complete: what a policy (and the stack) may weigh at all."""
        return self.authentic and self.complete

    def outcome(self) -> dict[str, Any]:
        return {"authentic": self.authentic, "issuerTrusted": self.issuer_trust, "complete": self.complete,
                "recognition": self.recognition, "accepted": self.accepted, "exitCode": self.exit_code}

    @property
    def failure(self) -> str:
        failed = [c for c in self.verification_checks if not c.passed]
        return "; ".join(f"{c.name}: {c.reason}" for c in failed) or "no checks ran"

    @property
    def credential_id(self) -> str | None:
        return self.elements.credential_id if self.elements else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "credentialId": self.credential_id,
            "format": self.format,
            "proofType": self.proof_type,
            "outcome": self.outcome(),
            "decision": self.decision.outcome,
            "reasons": [r.to_dict() for r in self.decision.reasons],
            "conditions": self.decision.conditions,
            "checks": [c.to_dict() for c in self.checks],
            "trust": self.trust.to_dict() if self.trust else None,
            "elements": self.elements.model_dump(mode="json") if self.elements else None,
        }


def aggregate(decisions: list[str], *, with_policy: bool) -> str:
    """The overall outcome: the worst single decision (no credential counts as a failure)."""
    if not with_policy:
        return VERIFIED if decisions and all(d == VERIFIED for d in decisions) else NOT_VERIFIED
    if not decisions or NOT_RECOGNISED in decisions:
        return NOT_RECOGNISED
    return WITH_CONDITIONS if WITH_CONDITIONS in decisions else RECOGNISED


def _short(text: str | None, width: int) -> str:
    text = text or "-"
    return text if len(text) <= width else text[: width - 3] + "..."


def _label(value: dict[str, str] | None) -> str | None:
    if not value:
        return None
    return value.get("en") or next(iter(value.values()))


@dataclass
class RecognitionReport:
    """Every credential's assessment, optionally the stack, and the overall outcome."""

    verified_at: datetime
    credentials: list[CredentialAssessment]
    policy: Policy | None = None
    trust: TrustList | None = None
    stack: StackResult | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return aggregate([c.decision.outcome for c in self.credentials], with_policy=self.policy is not None)

    @property
    def exit_code(self) -> int:
        """The CLI's exit code (docs/recognition-report.md, "Exit codes").

        Without --stack: the first stage (authentic 1, issuer trusted 3, complete 4,
        recognised 5) at which some credential falls short; no credential at all is 1.
        With --stack the question is the stack's: 5 when the target is not reached (without
        a target: nothing counts), else 3 when a counted credential's issuer is not trusted.
        """
        if self.stack is not None:
            counted = [c for c, e in zip(self.credentials, self.stack.entries) if e.counted]
            reached = self.stack.reached if self.stack.reached is not None else bool(counted)
            if not reached:
                return EXIT_NOT_RECOGNISED
            return EXIT_ISSUER_NOT_TRUSTED if any(c.issuer_trust != TRUSTED for c in counted) else EXIT_ACCEPTED
        codes = [c.exit_code for c in self.credentials if c.exit_code != EXIT_ACCEPTED]
        if not self.credentials:
            return EXIT_NOT_AUTHENTIC
        return min(codes) if codes else EXIT_ACCEPTED

    @property
    def ok(self) -> bool:
        """Exit code 0: every credential authentic, issuer-trusted, complete and (with a policy) recognised."""
        return self.exit_code == EXIT_ACCEPTED

    @property
    def result(self) -> str:
        """The exit code in words ("accepted", "issuer not trusted", ...)."""
        if self.stack is not None and self.exit_code == EXIT_NOT_RECOGNISED:
            return "stack target not reached"
        return EXIT_RESULTS[self.exit_code]

    def summary(self) -> dict[str, Any]:
        """The top line: how many credentials passed each stage, and the exit code."""
        cs = self.credentials
        trust = [c.issuer_trust for c in cs]
        return {
            "credentials": len(cs),
            "authentic": sum(c.authentic for c in cs),
            "issuerTrusted": trust.count(TRUSTED),
            "issuerUntrusted": trust.count(UNTRUSTED),
            "issuerUnchecked": trust.count(UNCHECKED),
            "complete": sum(c.complete for c in cs),
            "recognised": sum(c.recognition in (RECOGNISED, WITH_CONDITIONS) for c in cs) if self.policy else None,
            "accepted": sum(c.accepted for c in cs),
            "exitCode": self.exit_code,
            "result": self.result,
        }

    def summary_line(self) -> str:
        s = self.summary()
        n = s["credentials"]
        text = (f"result: {s['result']} (exit {s['exitCode']}): {n} credential(s); authentic {s['authentic']}/{n}; "
                f"issuer trusted {s['issuerTrusted']}/{n}")
        if s["issuerUntrusted"] or s["issuerUnchecked"]:
            text += f" ({s['issuerUntrusted']} untrusted, {s['issuerUnchecked']} unchecked)"
        text += f"; complete {s['complete']}/{n}"
        if s["recognised"] is not None:
            text += f"; recognised {s['recognised']}/{n}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "verifiedAt": self.verified_at.isoformat().replace("+00:00", "Z"),
            "policy": self.policy.summary() if self.policy else None,
            "trustList": self.trust.summary() if self.trust else None,
            "outcome": self.outcome,
            "ok": self.ok,
            "summary": self.summary(),
            "credentials": [c.to_dict() for c in self.credentials],
            "stack": self.stack.to_dict() if self.stack else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    # ----------------------------------------------------------------------- text

    def to_text(self, *, verbose: bool = False) -> str:
        """A table for people: one row per credential, the failed reasons (all with verbose) below."""
        when = self.verified_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
        lines = [f"Recognition report at {when}", self.summary_line()]
        if self.policy:
            lines.append(f"policy:     {self.policy.name}" + (f" [{self.policy.source}]" if self.policy.source else ""))
        else:
            lines.append("policy:     none (verification only)")
        if self.trust:
            lines.append(f"trust list: {self.trust.name} ({len(self.trust.institutions)} institutions, "
                         f"{len(self.trust.anchors)} seal anchor(s))")
        else:
            lines.append("trust list: none (issuer trust not checked)")
        lines += ["", f"{'credential':<34} {'fmt':<4} {'issuer':<36} {'ECTS':>4} {'EQF':>3}  decision",
                  "-" * 112]
        for c in self.credentials:
            lines += self._rows(c, verbose)
        if self.stack is not None:
            lines += ["", *self.stack_lines()]
        if self.stack is None:
            lines += ["", f"outcome: {self.outcome}"]
        elif self.stack.target is None:
            lines += ["", f"outcome: {self.outcome}; stack: {self.stack.total_ects:g} ECTS counted (no target)"]
        else:
            lines += ["", f"outcome: {self.outcome}; stack target {'reached' if self.stack.reached else 'not reached'}"]
        return "\n".join(lines)

    def _rows(self, c: CredentialAssessment, verbose: bool) -> list[str]:
        e = c.elements
        issuer = _label(e.issuer.name) if e and e.issuer else None
        if c.trust and c.trust.checked and c.trust.issuer is not None:
            mark = " (trusted)" if c.trust.issuer.trusted else " (untrusted)"
            issuer = _short(issuer or c.trust.issuer.name, 36 - len(mark)) + mark
        ects = f"{e.ects:g}" if e and e.ects is not None else "-"
        eqf = str(e.eqf) if e and e.eqf is not None else "-"
        name = c.source.replace("\\", "/").rsplit("/", 1)[-1]
        out = [f"{_short(name, 34):<34} {c.format or '-':<4} {_short(issuer, 36):<36} {ects:>4} {eqf:>3}  "
               f"{c.decision.outcome.upper() if not c.decision.accepted else c.decision.outcome}"]
        if e and e.title:
            out.append(f"    {_short(_label(e.title), 60)}")
        out.append(f"    authentic: {'yes' if c.authentic else 'NO'}; issuer: {c.issuer_trust}; "
                   f"complete: {'yes' if c.complete else 'NO'}")
        sealing = next((ch.details.get("cosealing") for ch in c.checks if ch.name == "proof" and ch.passed), None)
        if isinstance(sealing, dict):  # a joint award: which awarding bodies signed (edcissuer.cosign)
            out.append(f"    signed by: {', '.join(sealing['signedBy']) or 'none'}"
                       + (f"; NOT signed by: {', '.join(sealing['notSignedBy'])}" if sealing["notSignedBy"] else ""))
        if verbose:
            out += [f"    [{'ok' if ch.passed else 'FAIL' if ch.details.get('state') != 'unchecked' else '--'}] "
                    f"check {ch.name}: {ch.reason}" for ch in c.checks]
        else:  # a check that passed on weaker grounds is never shown as a plain pass
            out += [f"    [WEAK] check {ch.name}: {ch.reason}" for ch in c.checks if ch.passed and ch.details.get("weaker")]
        for r in c.decision.reasons:
            if r.passed and not verbose:
                continue
            mark = "ok" if r.passed else ("COND" if r.severity == "condition" else "FAIL")
            text = f"    [{mark}] {r.rule}: {r.reason}"
            if r.condition and not r.passed:
                text += f" -> condition: {r.condition}"
            out.append(text)
        return out

    def stack_lines(self) -> list[str]:
        s = self.stack
        assert s is not None
        who = f"{s.learner.display} ({s.learner.id})" if s.learner and s.learner.id else \
            (s.learner.display if s.learner else "no verified credential")
        head = f"Stack for {who}"
        if s.target:
            level = f" at EQF {s.target.eqf} or above" if s.target.eqf else ""
            head += f": target {s.target.ects:g} ECTS{level}" + (f" ({s.target.name})" if s.target.name else "")
        lines = [head]
        for e in s.entries:
            name = e.source.replace("\\", "/").rsplit("/", 1)[-1]
            ects = f"{e.ects:g} ECTS" if e.ects is not None else "-"
            lines.append(f"  {'+' if e.counted else '-'} {_short(name, 34):<34} {ects:>8}  "
                         f"{e.reason if e.counted else 'skipped: ' + e.reason}")
        total = f"total {s.total_ects:g} ECTS"
        if s.target is not None:
            missing = max(s.target.ects - s.total_ects, 0)
            total += f" of {s.target.ects:g}: " + ("target reached" if s.reached else
                                                  f"target not reached ({missing:g} ECTS missing)")
        lines.append(total)
        return lines
