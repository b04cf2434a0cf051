"""The eleven Annex I elements as read back from a credential, whatever its format.

Verifiers and recognition policies work on this one structure, so an ELM credential and
an OB3 credential of the same record give the same answers. Each element records where it
was found (`sources`) and whether it had to be inferred rather than read (`inferred`).
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ELEMENT_KEYS: dict[str, str] = {
    "learner": "a) identification of the learner",
    "title": "b) title",
    "countries": "c) country(ies)/region(s) of the issuer",
    "awarding_bodies": "d) awarding body(ies)",
    "issued": "e) date of issuing",
    "learning_outcomes": "f) learning outcomes",
    "ects": "g) notional workload (ECTS)",
    "eqf": "h) level (EQF, QF-EHEA cycle)",
    "assessment": "i) type of assessment",
    "participation": "j) form of participation",
    "quality_assurance": "k) type of quality assurance",
}


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Body(_M):
    """An organisation named in a credential."""

    id: str | None = None
    name: dict[str, str] = Field(default_factory=dict)
    country: str | None = None
    region: str | None = None
    legal_identifier: str | None = None
    short_name: dict[str, str] = Field(default_factory=dict)
    role: dict[str, str] = Field(default_factory=dict, description="what the partner does, as the credential states")
    logo: str | None = Field(default=None, description="https URL or data: URI of the logo, as signed")
    deqar_id: str | None = None


class Learner(_M):
    id: str | None = None
    name: dict[str, str] = Field(default_factory=dict)
    email: str | None = None
    email_hash: str | None = None
    identifiers: list[str] = Field(default_factory=list)


class Outcome(_M):
    title: dict[str, str]
    esco: list[str] = Field(default_factory=list)
    esco_labels: dict[str, dict[str, str]] = Field(default_factory=dict, description="ESCO URI -> its label, as signed")


class CodedValue(_M):
    """A controlled value: the record code when known, the concept URI and its label."""

    code: str | None = None
    uri: str | None = None
    label: str | None = None


class AssessmentInfo(_M):
    """One assessment (or weighted component) as the credential states it."""

    type: CodedValue | None = Field(default=None, description="EU type, or other_type's URI/label")
    title: dict[str, str] | None = None
    description: dict[str, str] | None = None
    weight: float | None = None
    mode: CodedValue | None = None
    grade: dict[str, str] | None = None


class ModuleInfo(_M):
    """One module of a modular micro-credential."""

    id: str | None = None
    title: dict[str, str] = Field(default_factory=dict)
    ects: float | None = None
    hours: int | None = None
    assessment: AssessmentInfo | None = None
    grade: dict[str, str] | None = None
    start: str | None = None
    end: str | None = None
    learning_outcomes: list[Outcome] = Field(default_factory=list)


class QualityAssuranceInfo(_M):
    type: CodedValue | None = None
    external: bool | None = None
    agency: Body | None = None
    report: str | None = None
    deqar_report_id: str | None = None
    basis: str | None = Field(default=None, description="how QA was established when inferred")


class SupervisionInfo(_M):
    code: str | None = None
    uri: str | None = None
    supervised: bool | None = None
    identity_verified: bool | None = None


class Elements(_M):
    """Annex I elements a)-k) plus the optional ones, in one shape for ELM and OB3."""

    format: str
    credential_id: str | None = None
    specification_id: str | None = Field(default=None, description="id of what was achieved (ELM specifiedBy, OB3 "
                                         "achievement) when stable: a module's id in a modular credential")
    learner: Learner | None = None
    title: dict[str, str] | None = None
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    awarding_model: str | None = None
    issuer: Body | None = None
    awarding_bodies: list[Body] = Field(default_factory=list)
    delivering_partners: list[Body] = Field(default_factory=list)
    on_behalf_of: list[Body] = Field(default_factory=list, description="bodies the issuer issued for (joint-award)")
    assessors: list[Body] = Field(default_factory=list)
    alliance: dict[str, str] | None = None
    alliance_logo: str | None = None
    issued: str | None = None
    learning_outcomes: list[Outcome] = Field(default_factory=list)
    ects: float | None = None
    hours: int | None = None
    no_ects: bool = Field(default=False, description="the credential states that no ECTS are awarded")
    eqf: int | None = None
    qf_ehea: str | None = None
    nqf: str | None = None
    assessment: CodedValue | None = None
    assessments: list[AssessmentInfo] = Field(default_factory=list, description="components, when several")
    assessment_mode: CodedValue | None = None
    participation: CodedValue | None = None
    learning_setting: CodedValue | None = None
    partial_qualification: bool | None = None
    part_of: dict[str, str] | None = Field(default=None, description="title (en) and id of the qualification")
    modules: list[ModuleInfo] = Field(default_factory=list)
    identifier: str | None = None
    thematic_area: str | None = None
    delivery_start: str | None = None
    delivery_end: str | None = None
    maximum_duration: str | None = None
    instruction_languages: list[str] = Field(default_factory=list)
    assessment_languages: list[str] = Field(default_factory=list)
    profiles: list[str] = Field(default_factory=list, description="alliance profiles the credential states it meets")
    quality_assurance: QualityAssuranceInfo | None = None
    prerequisites: dict[str, str] | None = None
    supervision: SupervisionInfo | None = None
    grade: dict[str, str] | None = None
    stackability: dict[str, str] | None = None
    further_information: dict[str, str] | None = None
    sources: dict[str, str] = Field(default_factory=dict)
    inferred: list[str] = Field(default_factory=list)
    withheld: list[str] = Field(default_factory=list, description="elements ('a) identification of the learner') "
                                "the holder did not disclose (SD-JWT VC)")

    def missing(self) -> list[str]:
        """Names ('g) notional workload (ECTS)') of mandatory elements that are absent."""
        present: dict[str, Any] = {
            "learner": self.learner and (self.learner.id or self.learner.name),
            "title": self.title,
            "countries": self.countries,
            "awarding_bodies": self.awarding_bodies,
            "issued": self.issued,
            "learning_outcomes": self.learning_outcomes,
            # hours alone count where the credential says no ECTS are awarded
            "ects": (self.ects is not None and self.ects > 0) or (self.no_ects and bool(self.hours)),
            "eqf": self.eqf,
            "assessment": self.assessment,
            "participation": self.participation,
            "quality_assurance": self.quality_assurance,
        }
        return [ELEMENT_KEYS[k] for k, v in present.items() if not v]
