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

import datetime as dt
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
from ..profiles import load_profile
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


class CatalogueEntry(_Strict):
    """One programme or credential specification the institution recognises without case-by-case review."""

    id: str = Field(min_length=1, description="specification id (ELM Qualification, OB3 achievement) or "
                                              "the id of the qualification it is part of")
    name: str = Field(min_length=1, description="what the entry is, as the institution calls it")
    issuer: str | None = Field(default=None, description="the issuer id (DID) the entry is recognised from")
    note: str | None = None


#: the rules about what was learned, which a pre-approved entry already decided
PROGRAMME_RULES = ("ects", "level", "assessment", "learning_outcomes", "awarding_models", "explicit_elements")


class CatalogueRule(Rule):
    """Pre-approved catalogue: listed specifications are recognised automatically.

    A listed credential passes, and a failure of a rule in `waives` (decided when the entry
    was approved) does not count against it; trust, quality assurance, age and every other
    rule still apply. An unlisted credential is decided by the other rules
    (`unlisted = "other-rules"`) or fails this rule (`unlisted = "not-listed-fails"`).
    """

    entries: list[CatalogueEntry] = Field(min_length=1)
    waives: list[str] = Field(default_factory=lambda: list(PROGRAMME_RULES))
    unlisted: Literal["other-rules", "not-listed-fails"] = "other-rules"

    @field_validator("waives")
    @classmethod
    def _waivable(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if x not in PROGRAMME_RULES]
        if bad:
            raise ValueError(f"{bad} cannot be waived by a catalogue entry; waivable: {', '.join(PROGRAMME_RULES)}")
        return v

    @model_validator(mode="after")
    def _unique(self) -> "CatalogueRule":
        keys = [(e.id, e.issuer) for e in self.entries]
        twice = sorted({k[0] for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"catalogue entries listed twice: {', '.join(twice)}")
        return self


class ProfilesRule(Rule):
    """The credential states the alliance profile(s) the institution requires (Elements.profiles, signed)."""

    required: list[str] = Field(min_length=1, description="profile ids, or names of shipped profiles")
    match: Literal["any", "all"] = "all"

    @field_validator("required")
    @classmethod
    def _ids(cls, v: list[str]) -> list[str]:
        """A shipped profile's name (diverse) stands for its id; anything else must be a URI."""
        out = []
        for item in v:
            if ":" in item:
                out.append(item)
                continue
            try:
                out.append(load_profile(item).id)
            except InputError as exc:
                raise ValueError(f"{item!r} is neither a profile id (URI) nor a shipped profile name: "
                                 f"{exc.message}") from exc
        return out


class RegisteredAgency(_Strict):
    deqar_id: str = Field(min_length=1)
    name: str | None = None
    until: dt.date | None = Field(default=None, description="registered until (EQAR registration is renewed)")


class AgencyRegister(_Strict):
    """The EQAR-registered agencies as the institution keeps them (a dated file; no network)."""

    source: str = Field(min_length=1, description="where the list was taken from, e.g. the EQAR register")
    as_of: dt.date
    agency: list[RegisteredAgency] = Field(min_length=1)
    path: str | None = Field(default=None, exclude=True)


class EqarAgencyRule(Rule):
    """The QA agency named in the credential (by its DEQAR id) is EQAR-registered.

    The registered agencies are listed inline (`registered`) and/or in a dated register file
    (`register_file`, relative to the policy file), which the institution refreshes from EQAR.
    """

    registered: list[str] = Field(default_factory=list, description="DEQAR ids of registered agencies")
    register_file: str | None = Field(default=None, description="register file (TOML), relative to the policy")
    max_register_age_days: int | None = Field(default=None, gt=0)
    loaded: AgencyRegister | None = Field(default=None, description="set by load_policy from `register_file`")

    @model_validator(mode="after")
    def _some(self) -> "EqarAgencyRule":
        if not self.registered and self.register_file is None:
            raise ValueError("give registered (DEQAR ids) and/or register_file (the register file)")
        if self.max_register_age_days is not None and self.register_file is None:
            raise ValueError("max_register_age_days needs register_file (a dated register file)")
        return self


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


class DisclosureRule(Rule):
    """Elements a holder must disclose (an SD-JWT VC lets the learner withhold personal claims)."""

    require: list[str] = Field(min_length=1, description="element names, e.g. learner, assessment")

    @field_validator("require")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if x not in ELEMENT_KEYS]
        if bad:
            raise ValueError(f"unknown element name(s) {bad}; use {', '.join(ELEMENT_KEYS)}")
        return v


class Rules(_Strict):
    """Every rule is optional; absent rules are not evaluated. Evaluation follows RULE_ORDER."""

    trusted_issuer: TrustedIssuerRule | None = None
    trusted_partners: TrustedPartnersRule | None = None
    ects: EctsRule | None = None
    level: LevelRule | None = None
    quality_assurance: QualityAssuranceRule | None = None
    eqar_agency: EqarAgencyRule | None = None
    assessment: AssessmentRule | None = None
    identity_verified: IdentityVerifiedRule | None = None
    max_age: MaxAgeRule | None = None
    awarding_models: AwardingModelsRule | None = None
    profiles: ProfilesRule | None = None
    learning_outcomes: LearningOutcomesRule | None = None
    catalogue: CatalogueRule | None = None
    explicit_elements: ExplicitElementsRule | None = None
    disclosure: DisclosureRule | None = None


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
    """A Policy from parsed TOML; InputError names every bad key (typos are errors, not ignored).

    A register file named by `rules.eqar_agency.register_file` is read here, relative to the
    policy file (`source`), so evaluation stays free of I/O.
    """
    if "source" in data:
        raise InputError("policy: source is not a known key", field="source")
    eqar = (data.get("rules") or {}).get("eqar_agency") if isinstance(data.get("rules"), dict) else None
    if isinstance(eqar, dict) and "loaded" in eqar:
        raise InputError("policy: rules.eqar_agency.loaded is not a known key", field="rules.eqar_agency.loaded")
    try:
        policy = Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise validation_error(exc, "policy") from exc
    rule = policy.rules.eqar_agency
    if rule is not None and rule.register_file is not None:
        base = Path(source).parent if source else Path.cwd()
        loaded = load_agency_register(base / rule.register_file)
        rules = policy.rules.model_copy(update={"eqar_agency": rule.model_copy(update={"loaded": loaded})})
        policy = policy.model_copy(update={"rules": rules})
    return policy


def load_policy(path: str | Path) -> Policy:
    """Read a recognition policy TOML file."""
    return parse_policy(read_toml(path, what="policy"), source=str(path))


def load_agency_register(path: str | Path) -> AgencyRegister:
    """Read an EQAR register file: `[register] source, as_of` and `[[agency]] deqar_id, name, until`."""
    data = read_toml(path, what="EQAR register")
    head = data.get("register")
    if not isinstance(head, dict):
        raise InputError(f"EQAR register {path}: needs a [register] table with source and as_of",
                         field=f"{path}: register")
    extra = sorted(set(data) - {"register", "agency"})
    if extra:
        raise InputError(f"EQAR register {path}: {', '.join(extra)} is not a known key", field=f"{path}: {extra[0]}")
    try:
        return AgencyRegister.model_validate({**head, "agency": data.get("agency", []), "path": str(path)})
    except ValidationError as exc:
        raise validation_error(exc, f"EQAR register {path}") from exc


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


def _issued_date(e: Elements) -> dt.date | None:
    issued = parse_datetime(e.issued)
    return issued.date() if issued else None


def _eqar_agency(rule: EqarAgencyRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    qa = e.quality_assurance
    agency = qa.agency if qa else None
    if agency is None:
        return False, "the credential names no quality assurance agency, so EQAR registration cannot be decided"
    name = _label(agency.name)
    if not agency.deqar_id:
        return False, f"the QA agency {name} carries no DEQAR id, so its EQAR registration cannot be decided"
    register = rule.loaded
    listed: dict[str, RegisteredAgency] = {x: RegisteredAgency(deqar_id=x) for x in rule.registered}
    if register is not None:
        listed.update({a.deqar_id: a for a in register.agency})
    where = (f"the EQAR register file {Path(register.path or '').name} ({register.source}, as of "
             f"{register.as_of.isoformat()})" if register else "the policy's list of EQAR-registered agencies")
    if register is not None and rule.max_register_age_days is not None:
        age = (now.date() - register.as_of).days
        if age > rule.max_register_age_days:
            return False, (f"{where} is {age} days old, over the {rule.max_register_age_days}-day limit: "
                           "refresh it from the EQAR register before deciding")
    entry = listed.get(agency.deqar_id.strip())
    if entry is None:
        return False, f"QA agency {name} (DEQAR {agency.deqar_id}) is not on {where}"
    issued = _issued_date(e)
    if entry.until is not None and (issued is None or issued > entry.until):
        return False, (f"QA agency {name} (DEQAR {agency.deqar_id}) was EQAR-registered until "
                       f"{entry.until.isoformat()}, before the credential was issued ({e.issued or 'date unknown'})")
    return True, f"QA agency {name} (DEQAR {agency.deqar_id}) is EQAR-registered per {where}"


def _profiles(rule: ProfilesRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    have = list(e.profiles)
    hits = [p for p in rule.required if p in have]
    stated = f"the credential states {', '.join(have)}" if have else "the credential states no alliance profile"
    if rule.match == "all":
        missing = [p for p in rule.required if p not in have]
        if missing:
            return False, f"required alliance profile(s) not stated: {', '.join(missing)} ({stated})"
        return True, f"states the required alliance profile(s): {', '.join(hits)}"
    if hits:
        return True, f"states the accepted alliance profile(s): {', '.join(hits)}"
    return False, f"none of the accepted alliance profiles ({', '.join(rule.required)}) is stated ({stated})"


def catalogue_match(rule: CatalogueRule, e: Elements) -> tuple[CatalogueEntry | None, str]:
    """The catalogue entry the credential's signed identifiers match, and why (or why none does)."""
    ids = [(e.specification_id, "its specification"),
           ((e.part_of or {}).get("id"), "the qualification it is part of")]
    issuer = e.issuer.id if e.issuer else None
    near = []
    for entry in rule.entries:
        for value, what in ids:
            if value is None or value != entry.id:
                continue
            if entry.issuer is not None and entry.issuer != issuer:
                near.append(f"{entry.id} is listed ('{entry.name}') for issuer {entry.issuer}, "
                            f"but this credential's issuer is {issuer or 'unknown'}")
                continue
            return entry, f"pre-approved: catalogue entry '{entry.name}' ({entry.id}) lists {what}"
    if near:
        return None, "; ".join(near)
    shown = ", ".join(f"{what} {value}" for value, what in ids if value) or "no specification id"
    return None, f"not in the pre-approved catalogue ({shown})"


def _catalogue(rule: CatalogueRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    entry, why = catalogue_match(rule, e)
    if entry is not None:
        return True, why
    if rule.unlisted == "other-rules":
        return True, f"{why}: the other rules decide"
    return False, why


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


def _disclosure(rule: DisclosureRule, e: Elements, t: TrustFindings, now: datetime) -> Outcome:
    wanted = [ELEMENT_KEYS[k] for k in rule.require]
    held_back = [x for x in wanted if x in e.withheld]
    if held_back:
        return False, f"withheld by the holder: {', '.join(held_back)} (ask for a presentation disclosing it)"
    return True, f"disclosed: {', '.join(wanted)}"


_EVALUATORS: dict[str, Callable[[Any, Elements, TrustFindings, datetime], Outcome]] = {
    "trusted_issuer": _trusted_issuer, "trusted_partners": _trusted_partners, "ects": _ects, "level": _level,
    "quality_assurance": _quality_assurance, "assessment": _assessment, "identity_verified": _identity_verified,
    "max_age": _max_age, "awarding_models": _awarding_models, "learning_outcomes": _learning_outcomes,
    "explicit_elements": _explicit_elements, "eqar_agency": _eqar_agency, "profiles": _profiles,
    "catalogue": _catalogue, "disclosure": _disclosure,
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
    "eqar_agency": "the quality assurance agency's EQAR registration must be confirmed by the admissions office",
    "profiles": "conformity with the alliance profile must be confirmed by the alliance",
    "catalogue": "the programme must be approved for recognition (it is not in the catalogue)",
    "disclosure": "the learner must disclose the withheld elements",
}


def evaluate(policy: Policy, elements: Elements, trust: TrustFindings | None, now: datetime) -> Decision:
    """Apply every configured rule, in RULE_ORDER, to one verified credential's elements."""
    trust = trust or TrustFindings(checked=False)
    catalogue = policy.rules.catalogue
    entry = catalogue_match(catalogue, elements)[0] if catalogue is not None else None
    reasons = []
    for name in RULE_ORDER:
        rule = getattr(policy.rules, name)
        if rule is None:
            continue
        passed, text = _EVALUATORS[name](rule, elements, trust, now)
        if not passed and entry is not None and catalogue is not None and name in catalogue.waives:
            passed, text = True, f"pre-approved by catalogue entry '{entry.name}' ({entry.id}), so not weighed: {text}"
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
