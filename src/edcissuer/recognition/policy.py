"""Recognition policy: the institution's rules as data, and a pure evaluation of them.

Why pure: the decision must be explainable and testable without keys, files or clocks.
`evaluate()` reads only the extracted `Elements`, the trust findings and `now`, and
returns a `Decision` listing every rule with its outcome. Crypto and I/O happen before.

A policy is a TOML file a registrar can read (see docs/recognition.md):

    [policy]   name, institution, description, version
    [target]   ects, eqf, name                 (for stacking)
    [rules.<name>]  severity = "required" | "condition", condition = "...", plus the rule's keys

Severity `required`: failing the rule means *not recognised*. Severity `condition`:
failing means *recognised with conditions*, and `condition` says what the learner must
still do (e.g. "an oral check with identity verification is needed").
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..checks import POLICY_WEIGHED
from ..errors import InputError
from ..models import vocab
from ..mapping.common import parse_datetime
from ..models.elements import ELEMENT_KEYS, Elements
from ..results import CheckResult
from .findings import TrustFindings
from .tomlfile import read_toml, validation_error

RECOGNISED = "recognised"
WITH_CONDITIONS = "recognised with conditions"
NOT_RECOGNISED = "not recognised"
VERIFIED = "verified"
NOT_VERIFIED = "not verified"
DECISIONS = (RECOGNISED, WITH_CONDITIONS, NOT_RECOGNISED, VERIFIED, NOT_VERIFIED)

REQUIRED, CONDITION, VERIFICATION = "required", "condition", "verification"
Severity = Literal["required", "condition"]
PartnerRole = Literal["awarding body", "delivering partner"]
_PARTNER_ROLES: tuple[PartnerRole, ...] = ("awarding body", "delivering partner")


# --------------------------------------------------------------------------- the policy as data


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Rule(_Strict):
    """Fields every rule has: how much it matters and what a failed condition asks for."""

    severity: Severity = "required"
    condition: str | None = Field(default=None, description="what the learner must still do (severity condition)")
    note: str | None = Field(default=None, description="why the institution has this rule")


class TrustedIssuerRule(Rule):
    """The issuer is on the trust list and signed with material listed for it."""


class TrustedPartnersRule(Rule):
    """Every other awarding body / delivering partner of a joint or cooperative credential is listed."""

    roles: list[PartnerRole] = Field(default_factory=lambda: list(_PARTNER_ROLES))


class EctsRule(Rule):
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _bounds(self) -> "EctsRule":
        if self.min is None and self.max is None:
            raise ValueError("give min and/or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        return self


T = TypeVar("T", int, str)


def _known(values: list[T], table: Collection[T], what: str) -> list[T]:
    """Policy codes must be ones the vocabularies know: a typo would silently never match."""
    bad = [x for x in values if x not in table]
    if bad:
        raise ValueError(f"unknown {what} {bad}; use {sorted(table)}")
    return values


class LevelRule(Rule):
    eqf: list[int] = Field(default_factory=list, description="accepted EQF levels")
    qf_ehea: list[str] = Field(default_factory=list, description="accepted QF-EHEA cycles")

    @field_validator("eqf")
    @classmethod
    def _eqf(cls, v: list[int]) -> list[int]:
        return _known(v, vocab.EQF, "EQF level(s)")

    @field_validator("qf_ehea")
    @classmethod
    def _cycles(cls, v: list[str]) -> list[str]:
        return _known(v, vocab.QF_EHEA, "QF-EHEA cycle(s)")

    @model_validator(mode="after")
    def _some(self) -> "LevelRule":
        if not self.eqf and not self.qf_ehea:
            raise ValueError("give eqf and/or qf_ehea")
        return self


class QualityAssuranceRule(Rule):
    external: bool = Field(default=False, description="external QA by an agency is required")
    accredited_institution: bool = Field(default=False, description="issuer accredited per the trust list")
    types: list[str] = Field(default_factory=list, description="accepted QA type codes")

    @field_validator("types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        return _known(v, vocab.QA_TYPE, "QA type(s)")


class AssessmentRule(Rule):
    types: list[str] = Field(min_length=1, description="accepted assessment type codes")

    @field_validator("types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        return _known([x.strip().lower() for x in v], vocab.ASSESSMENT, "assessment type(s)")


class IdentityVerifiedRule(Rule):
    supervision: list[str] = Field(default_factory=lambda: sorted(vocab.ID_VERIFIED_SUPERVISION),
                                   description="accepted supervision codes (identity-verified ones)")

    @field_validator("supervision")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return _known(v, vocab.ID_VERIFIED_SUPERVISION, "identity-verified supervision code(s)")


class MaxAgeRule(Rule):
    years: float | None = Field(default=None, gt=0)
    days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> "MaxAgeRule":
        if (self.years is None) == (self.days is None):
            raise ValueError("give exactly one of years or days")
        return self

    @property
    def limit(self) -> timedelta:
        return timedelta(days=self.days) if self.days is not None else timedelta(days=365.25 * (self.years or 0))

    def describe(self) -> str:
        return f"{self.days} days" if self.days is not None else f"{self.years:g} years"


class AwardingModelsRule(Rule):
    accepted: list[Literal["single", "cooperative", "joint-award", "joint-lead"]] = Field(min_length=1)


class LearningOutcomesRule(Rule):
    esco: list[str] = Field(min_length=1, description="ESCO skill/occupation URIs")
    match: Literal["any", "all"] = "any"

    @field_validator("esco")
    @classmethod
    def _esco(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if not x.startswith("http://data.europa.eu/esco/")]
        if bad:
            raise ValueError(f"not ESCO URIs (http://data.europa.eu/esco/...): {bad}")
        return v


_INFERABLE = tuple(Elements.model_fields)


class ExplicitElementsRule(Rule):
    allow: list[str] = Field(default_factory=list, description="elements that may be inferred")

    @field_validator("allow")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if x not in _INFERABLE]
        if bad:
            raise ValueError(f"unknown element name(s) {bad}; use e.g. {', '.join(ELEMENT_KEYS)}, qf_ehea")
        return v


class Rules(_Strict):
    """Every rule is optional; absent rules are not evaluated. Evaluation follows RULE_ORDER."""

    trusted_issuer: TrustedIssuerRule | None = None
    trusted_partners: TrustedPartnersRule | None = None
    ects: EctsRule | None = None
    level: LevelRule | None = None
    quality_assurance: QualityAssuranceRule | None = None
    assessment: AssessmentRule | None = None
    identity_verified: IdentityVerifiedRule | None = None
    max_age: MaxAgeRule | None = None
    awarding_models: AwardingModelsRule | None = None
    learning_outcomes: LearningOutcomesRule | None = None
    explicit_elements: ExplicitElementsRule | None = None


RULE_ORDER: tuple[str, ...] = tuple(Rules.model_fields)


class PolicyInfo(_Strict):
    name: str = Field(min_length=1)
    institution: str | None = None
    description: str | None = None
    version: str | None = None


class Target(_Strict):
    """What a stack of credentials must add up to, e.g. 30 ECTS at EQF 6 or above."""

    ects: float = Field(gt=0)
    eqf: int | None = Field(default=None, ge=1, le=8)
    name: str | None = None


class Policy(_Strict):
    policy: PolicyInfo
    rules: Rules = Field(default_factory=Rules)
    target: Target | None = None
    source: str | None = Field(default=None, exclude=True)

    @property
    def name(self) -> str:
        return self.policy.name

    def summary(self) -> dict[str, Any]:
        return {"name": self.policy.name, "institution": self.policy.institution, "version": self.policy.version,
                "source": self.source,
                "rules": [r for r in RULE_ORDER if getattr(self.rules, r) is not None],
                "target": self.target.model_dump() if self.target else None}


def parse_policy(data: dict[str, Any], *, source: str | None = None) -> Policy:
    """A Policy from parsed TOML; InputError names every bad key (typos are errors, not ignored)."""
    if "source" in data:
        raise InputError("policy: source is not a known key", field="source")
    try:
        return Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise validation_error(exc, "policy") from exc


def load_policy(path: str | Path) -> Policy:
    """Read a recognition policy TOML file."""
    return parse_policy(read_toml(path, what="policy"), source=str(path))


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Reason:
    """One rule's (or failed check's) outcome, as a sentence."""

    rule: str
    passed: bool
    severity: str                   # required | condition | verification
    reason: str
    condition: str | None = None    # what is asked, when a condition rule failed

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "severity": self.severity, "reason": self.reason,
                "condition": self.condition}


@dataclass(frozen=True)
class Decision:
    outcome: str
    reasons: tuple[Reason, ...]

    @property
    def conditions(self) -> list[str]:
        return [r.condition for r in self.reasons if not r.passed and r.condition]

    @property
    def failed(self) -> list[Reason]:
        return [r for r in self.reasons if not r.passed]

    @property
    def accepted(self) -> bool:
        return self.outcome in (RECOGNISED, WITH_CONDITIONS, VERIFIED)


def _label(value: dict[str, str] | None) -> str:
    if not value:
        return "(none)"
    return value.get("en") or next(iter(value.values()))


Outcome = tuple[bool, str]


def _trusted_issuer(rule: TrustedIssuerRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    return _issuer_outcome(t)


def _issuer_outcome(t: TrustFindings) -> Outcome:
    if not t.checked:
        return False, "no trust list given: the issuer's trust could not be established"
    if t.issuer is None:
        return False, "the issuer could not be identified"
    return t.issuer.trusted, t.issuer.reason


def _trusted_partners(rule: TrustedPartnersRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    if not t.checked:
        return False, "no trust list given: the partners' trust could not be established"
    parties = [p for p in t.partners if p.role in rule.roles]
    if not parties:
        return True, "no awarding body or delivering partner besides the issuer"
    bad = [p for p in parties if not p.trusted]
    if bad:
        return False, "; ".join(p.reason for p in bad)
    return True, "all on the trust list: " + ", ".join(f"{p.name} ({p.role})" for p in parties)


def _ects(rule: EctsRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    wanted = (f"{rule.min:g} to {rule.max:g}" if rule.min is not None and rule.max is not None
              else f"at least {rule.min:g}" if rule.min is not None else f"at most {rule.max:g}")
    if e.ects is None:
        return False, f"no ECTS workload stated ({wanted} ECTS required)"
    ok = (rule.min is None or e.ects >= rule.min) and (rule.max is None or e.ects <= rule.max)
    return ok, f"{e.ects:g} ECTS {'is' if ok else 'is not'} within {wanted} ECTS"


def _level(rule: LevelRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    problems, facts = [], []
    if rule.eqf:
        accepted = ", ".join(map(str, rule.eqf))
        if e.eqf is None:
            problems.append(f"no EQF level stated (accepted: {accepted})")
        elif e.eqf not in rule.eqf:
            problems.append(f"EQF {e.eqf} is not an accepted level ({accepted})")
        else:
            facts.append(f"EQF {e.eqf} accepted")
    if rule.qf_ehea:
        accepted = ", ".join(rule.qf_ehea)
        if e.qf_ehea is None:
            problems.append(f"no QF-EHEA cycle stated (accepted: {accepted})")
        elif e.qf_ehea not in rule.qf_ehea:
            problems.append(f"QF-EHEA {e.qf_ehea} cycle is not accepted ({accepted})")
        else:
            facts.append(f"QF-EHEA {e.qf_ehea} cycle accepted")
    return (False, "; ".join(problems)) if problems else (True, "; ".join(facts))


def _quality_assurance(rule: QualityAssuranceRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    qa = e.quality_assurance
    problems, facts = [], []
    if rule.external:
        if qa is None or qa.external is not True:
            problems.append("external quality assurance is not stated")
        else:
            agency = _label(qa.agency.name) if qa.agency else "an agency"
            facts.append(f"external QA by {agency}")
    if rule.types:
        code = qa.type.code if qa and qa.type else None
        if code not in rule.types:
            problems.append(f"QA type {code or 'not stated'} is not accepted ({', '.join(rule.types)})")
        else:
            facts.append(f"QA type {code}")
    if rule.accredited_institution:
        if not (t.checked and t.issuer and t.issuer.trusted):
            problems.append("the issuer's accreditation is unknown (issuer not established on the trust list)")
        elif not (t.issuer.qa and t.issuer.qa.accredited):
            problems.append(f"the trust list records no accreditation for {t.issuer.institution}")
        else:
            facts.append(f"{t.issuer.institution} accredited ({t.issuer.qa.describe()})")
    if not (rule.external or rule.types or rule.accredited_institution):
        return (qa is not None, "quality assurance stated" if qa else "no quality assurance stated")
    return (False, "; ".join(problems)) if problems else (True, "; ".join(facts))


def _assessment(rule: AssessmentRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    a = e.assessment
    value = (a.code or (a.label or "").strip().lower()) if a else None
    if not value:
        return False, f"no assessment type stated (accepted: {', '.join(rule.types)})"
    ok = value in rule.types
    return ok, f"assessment by {value} {'is' if ok else 'is not'} accepted" + ("" if ok else
                                                                              f" ({', '.join(rule.types)})")


def _identity_verified(rule: IdentityVerifiedRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    s = e.supervision
    if s is None:
        return False, "supervision and identity verification of the assessment are not stated"
    if not s.identity_verified:
        return False, f"the assessment was not identity-verified ({s.code or 'unstated supervision'})"
    if s.code not in rule.supervision:
        return False, f"identity verification {s.code} is not an accepted kind ({', '.join(rule.supervision)})"
    return True, f"identity-verified assessment ({s.code})"


def _max_age(rule: MaxAgeRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    issued = parse_datetime(e.issued)
    if issued is None:
        return False, f"date of issuing {e.issued!r} is missing or unreadable, so its age is unknown"
    age = now - issued
    ok = age <= rule.limit
    return ok, (f"issued {issued.date().isoformat()}, {age.days} days ago: "
                f"{'within' if ok else 'older than'} the {rule.describe()} limit")


def _awarding_models(rule: AwardingModelsRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    ok = e.awarding_model in rule.accepted
    inferred = " (inferred)" if "awarding_model" in e.inferred else ""
    return ok, (f"awarding model {e.awarding_model or 'unknown'}{inferred} "
                f"{'is' if ok else 'is not'} accepted ({', '.join(rule.accepted)})")


def _learning_outcomes(rule: LearningOutcomesRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    have = {uri for lo in e.learning_outcomes for uri in lo.esco}
    hits = [uri for uri in rule.esco if uri in have]
    if rule.match == "all":
        missing = [uri for uri in rule.esco if uri not in have]
        if missing:
            return False, f"{len(missing)} of {len(rule.esco)} required ESCO skills not aligned: {', '.join(missing)}"
        return True, f"all {len(rule.esco)} required ESCO skills aligned"
    if hits:
        return True, f"aligned to required ESCO skill(s): {', '.join(hits)}"
    return False, (f"no learning outcome is aligned to any of the {len(rule.esco)} required ESCO skills"
                   + (f" (the credential aligns to {len(have)} other ESCO skill(s))" if have else
                      " (the credential states no ESCO alignment)"))


def _explicit_elements(rule: ExplicitElementsRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    inferred = [x for x in e.inferred if x not in rule.allow]
    if inferred:
        return False, f"element(s) inferred, not stated: {', '.join(inferred)}"
    tolerated = [x for x in e.inferred if x in rule.allow]
    return True, "every element explicitly stated" + (f" (tolerated inferred: {', '.join(tolerated)})"
                                                      if tolerated else "")


_EVALUATORS: dict[str, Callable[[Any, Elements, TrustFindings, datetime], Outcome]] = {
    "trusted_issuer": _trusted_issuer, "trusted_partners": _trusted_partners, "ects": _ects, "level": _level,
    "quality_assurance": _quality_assurance, "assessment": _assessment, "identity_verified": _identity_verified,
    "max_age": _max_age, "awarding_models": _awarding_models, "learning_outcomes": _learning_outcomes,
    "explicit_elements": _explicit_elements,
}

_DEFAULT_CONDITIONS = {
    "trusted_issuer": "the issuer's status must be confirmed by the admissions office",
    "trusted_partners": "the partners' status must be confirmed by the admissions office",
    "ects": "the workload must be confirmed against the programme",
    "level": "the level must be confirmed by the programme director",
    "quality_assurance": "the quality assurance must be confirmed by the admissions office",
    "assessment": "an additional assessment is needed",
    "identity_verified": "an identity-verified check (e.g. an oral examination) is needed",
    "max_age": "recent practice of the learning outcomes must be shown",
    "awarding_models": "the awarding arrangement must be confirmed",
    "learning_outcomes": "the learning outcomes must be mapped to the programme by hand",
    "explicit_elements": "the inferred elements must be confirmed by the issuer",
}


def evaluate(policy: Policy, elements: Elements, trust: TrustFindings | None, now: datetime) -> Decision:
    """Apply every configured rule, in RULE_ORDER, to one verified credential's elements."""
    trust = trust or TrustFindings(checked=False)
    reasons = []
    for name in RULE_ORDER:
        rule = getattr(policy.rules, name)
        if rule is None:
            continue
        passed, text = _EVALUATORS[name](rule, elements, trust, now)
        condition = None
        if not passed and rule.severity == CONDITION:
            condition = rule.condition or _DEFAULT_CONDITIONS[name]
        reasons.append(Reason(name, passed, rule.severity, text, condition))
    if any(not r.passed and r.severity == REQUIRED for r in reasons):
        outcome = NOT_RECOGNISED
    elif any(not r.passed for r in reasons):
        outcome = WITH_CONDITIONS
    else:
        outcome = RECOGNISED
    return Decision(outcome, tuple(reasons))


def verification_reasons(checks: Sequence[CheckResult]) -> tuple[Reason, ...]:
    """Failed verification checks (trust checks aside) as reasons."""
    return tuple(Reason(c.name, False, VERIFICATION, c.reason) for c in checks
                 if not c.passed and c.name not in POLICY_WEIGHED)


def invalid(checks: Sequence[CheckResult], *, with_policy: bool) -> Decision:
    """A credential that failed verification: never recognised, whatever the policy says."""
    return Decision(NOT_RECOGNISED if with_policy else NOT_VERIFIED, verification_reasons(checks))


def verification_only(trust: TrustFindings | None) -> Decision:
    """No policy: an authentic, complete credential is `verified` only when its issuer is trusted.

    Without a trust list the issuer is unchecked, so the credential is `not verified` (with
    that reason): a signature alone says someone signed, not who (report schema 3).
    """
    passed, text = _issuer_outcome(trust or TrustFindings(checked=False))
    return Decision(VERIFIED if passed else NOT_VERIFIED, (Reason("trusted_issuer", passed, REQUIRED, text),))
