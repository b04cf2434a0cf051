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
    legal_identifier: str | None = None


class Learner(_M):
    id: str | None = None
    name: dict[str, str] = Field(default_factory=dict)
    email: str | None = None
    email_hash: str | None = None
    identifiers: list[str] = Field(default_factory=list)


class Outcome(_M):
    title: dict[str, str]
    esco: list[str] = Field(default_factory=list)


class CodedValue(_M):
    """A controlled value: the record code when known, the concept URI and its label."""

    code: str | None = None
    uri: str | None = None
    label: str | None = None


class QualityAssuranceInfo(_M):
    type: CodedValue | None = None
    external: bool | None = None
    agency: Body | None = None
    report: str | None = None
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
    learner: Learner | None = None
    title: dict[str, str] | None = None
    countries: list[str] = Field(default_factory=list)
    awarding_model: str | None = None
    issuer: Body | None = None
    awarding_bodies: list[Body] = Field(default_factory=list)
    delivering_partners: list[Body] = Field(default_factory=list)
    alliance: dict[str, str] | None = None
    issued: str | None = None
    learning_outcomes: list[Outcome] = Field(default_factory=list)
    ects: float | None = None
    eqf: int | None = None
    qf_ehea: str | None = None
    assessment: CodedValue | None = None
    participation: CodedValue | None = None
    quality_assurance: QualityAssuranceInfo | None = None
    prerequisites: dict[str, str] | None = None
    supervision: SupervisionInfo | None = None
    grade: dict[str, str] | None = None
    stackability: dict[str, str] | None = None
    further_information: dict[str, str] | None = None
    sources: dict[str, str] = Field(default_factory=dict)
    inferred: list[str] = Field(default_factory=list)

    def missing(self) -> list[str]:
        """Names ('g) notional workload (ECTS)') of mandatory elements that are absent."""
        present: dict[str, Any] = {
            "learner": self.learner and (self.learner.id or self.learner.name),
            "title": self.title,
            "countries": self.countries,
            "awarding_bodies": self.awarding_bodies,
            "issued": self.issued,
            "learning_outcomes": self.learning_outcomes,
            "ects": self.ects is not None and self.ects > 0,
            "eqf": self.eqf,
            "assessment": self.assessment,
            "participation": self.participation,
            "quality_assurance": self.quality_assurance,
        }
        return [ELEMENT_KEYS[k] for k, v in present.items() if not v]
