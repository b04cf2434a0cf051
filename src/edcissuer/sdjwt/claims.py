"""Record -> SD-JWT VC claims (the EUDI Learning Credential plus our elements), and back to `Elements`.

Two types. The EU Digital Identity Wallet's Learning Credential
(`urn:eu.europa.ec.eudi:learning:credential:1`, eudi-srv-pid-issuer @7c8ac094,
`learning_credential.json` and `EncodeLearningCredential.kt`) lacks several of the eleven
Annex I elements (countries, awarding bodies with ids, ECTS, QF-EHEA, assessment type,
participation form, QA detail); our type `urn:edcissuer:micro-credential:1` extends it
with exactly those, keeping every inherited claim and its `sd` unchanged (an extending
type may not change `sd`). A URN, not a URL: every deployment issues the same type, so
one name serves every institution and a wallet's DCQL `vct_values` lists it once; the
document is published by each issuer at `/type-metadata/{vct}`, as the EUDI issuer does.

Disclosability: the EUDI `sd` where the EUDI type defines the claim; personal data
(names, birth date, student id, grade) always; a claim of ours that repeats a fact the
EUDI type hides (ECTS next to `expected_study_time`, the QA type next to
`types_of_quality_assurance`, the QF-EHEA cycle next to the EQF level, stackability text
next to `integration_stackability_options`) is hidden too, or the EUDI disclosability could
be bypassed; other programme facts never (a verifier needs them to weigh the credential,
and they say nothing about the learner).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..models import vocab
from ..models.elements import (
    ELEMENT_KEYS,
    Body,
    CodedValue,
    Elements,
    Learner,
    Outcome,
    QualityAssuranceInfo,
    SupervisionInfo,
)
from ..models.records import MicroCredentialRecord

EUDI_VCT = "urn:eu.europa.ec.eudi:learning:credential:1"
EDC_VCT = "urn:edcissuer:micro-credential:1"
#: where the EUDI type was read (recorded with the bundled copy in data/NOTICE.md)
EUDI_SOURCE = ("eu-digital-identity-wallet/eudi-srv-pid-issuer@7c8ac09417080e42f6e13594638af0d7a06215f7:"
               "src/main/resources/vct/learning_credential.json")
FORMAT = "sd-jwt-vc"

Sd = Literal["always", "never"]


@dataclass(frozen=True)
class ClaimSpec:
    """One claim: its name, JSON Schema, whether it is selectively disclosable, and what it shows."""

    name: str
    schema: dict[str, Any]
    sd: Sd
    mandatory: bool
    label: str
    description: str
    element: str | None = None      # the Annex I element key (models.elements.ELEMENT_KEYS) it carries
    item_label: str | None = None   # arrays: the label of one element (path [name, null])


_STR: dict[str, Any] = {"type": "string"}
_STRS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_DATE: dict[str, Any] = {"type": "string", "format": "date"}
_CODED: dict[str, Any] = {"type": "object", "required": ["code"], "additionalProperties": False,
                          "properties": {"code": _STR, "uri": {"type": "string", "format": "uri"}, "label": _STR}}

#: the EUDI Learning Credential's business claims, with its `sd` and `mandatory` (research A.3)
EUDI_CLAIMS: tuple[ClaimSpec, ...] = (
    ClaimSpec("issuing_authority", _STR, "never", True, "Issuing Authority",
              "Name of the institution that issued the credential", "awarding_bodies"),
    ClaimSpec("issuing_country", {"type": "string", "pattern": "^[A-Z]{2}$"}, "never", True, "Issuing Country",
              "ISO 3166-1 alpha-2 code of the issuing institution's country", "countries"),
    ClaimSpec("date_of_issuance", _DATE, "never", True, "Date of Issuance", "Date the credential was awarded",
              "issued"),
    ClaimSpec("date_of_expiry", _DATE, "never", False, "Date of Expiry", "Date the credential expires"),
    ClaimSpec("family_name", _STR, "always", True, "Family Name(s)", "Family name(s) of the learner", "learner"),
    ClaimSpec("given_name", _STR, "always", False, "Given Name(s)", "Given name(s) of the learner", "learner"),
    ClaimSpec("achievement_title", _STR, "never", True, "Achievement Title", "Title of the micro-credential",
              "title"),
    ClaimSpec("achievement_description", _STR, "never", False, "Achievement Description",
              "What the micro-credential is about"),
    ClaimSpec("learning_outcomes", {**_STRS, "minItems": 1}, "always", False, "Learning Outcomes",
              "What the learner knows and can do", "learning_outcomes", "Learning Outcome"),
    ClaimSpec("assessment_grade", _STR, "always", False, "Assessment Grade", "Grade the learner achieved"),
    ClaimSpec("language_of_classes", _STRS, "never", True, "Language of Classes",
              "Languages of instruction (ISO 639-1)", None, "Language"),
    ClaimSpec("learner_identification", _STR, "always", True, "Learner Identification",
              "Identifier of the learner at the institution", "learner"),
    ClaimSpec("expected_study_time", _STR, "always", True, "Expected Study Time", "Notional workload", "ects"),
    ClaimSpec("level_of_learning_experience", {"type": "integer", "minimum": 1, "maximum": 8}, "always", True,
              "Level of learning experience", "Indicates competences as defined by the EQF", "eqf"),
    ClaimSpec("types_of_quality_assurance", _STRS, "always", True, "Types of Quality Assurance",
              "Quality assurance underpinning the micro-credential", "quality_assurance", "Type of Quality Assurance"),
    ClaimSpec("prerequisites_to_enroll", _STRS, "always", False, "Prerequisites to Enroll",
              "What a learner needed to enrol", None, "Prerequisite"),
    ClaimSpec("integration_stackability_options", {"type": "boolean"}, "always", False,
              "Integration or Stackability options", "Whether it can be combined into a larger credential"),
)

_BODY: dict[str, Any] = {"type": "object", "required": ["name"], "additionalProperties": False,
                         "properties": {"id": _STR, "name": _STR, "country": _STR}}

#: our claims: the Annex I elements the EUDI type lacks
EDC_CLAIMS: tuple[ClaimSpec, ...] = (
    ClaimSpec("credential_id", _STR, "never", True, "Credential Identifier", "Identifier of this credential"),
    ClaimSpec("credential_language", _STR, "never", True, "Credential Language",
              "Language the texts of this credential are written in (BCP 47)"),
    ClaimSpec("issuing_countries", {**_STRS, "minItems": 1}, "never", True, "Countries of the Issuer",
              "Every country (ISO 3166-1 alpha-2) of the awarding bodies", "countries", "Country"),
    ClaimSpec("awarding_bodies", {"type": "array", "minItems": 1, "items": _BODY}, "never", True,
              "Awarding Bodies", "Institutions that award the micro-credential, with their identifiers",
              "awarding_bodies", "Awarding Body"),
    ClaimSpec("ects_credits", {"type": "number", "exclusiveMinimum": 0}, "always", False, "ECTS Credits",
              "Notional workload in ECTS credits", "ects"),
    ClaimSpec("workload_hours", {"type": "integer", "minimum": 1}, "always", False, "Workload in Hours",
              "Notional workload in hours", "ects"),
    ClaimSpec("qf_ehea_cycle", {"type": "string", "enum": sorted(vocab.QF_EHEA)}, "always", False,
              "QF-EHEA Cycle", "Cycle of the Qualifications Framework of the European Higher Education Area",
              "eqf"),
    ClaimSpec("assessment_type", _CODED, "never", True, "Type of Assessment", "How the learning was assessed",
              "assessment"),
    ClaimSpec("participation_form", _CODED, "never", True, "Form of Participation",
              "Online, onsite, blended, ...", "participation"),
    ClaimSpec("quality_assurance", {"type": "object", "required": ["type"], "additionalProperties": False,
                                    "properties": {"type": _CODED, "external": {"type": "boolean"},
                                                   "agency": _STR}},
              "always", True, "Quality Assurance", "Type of quality assurance, and the external agency",
              "quality_assurance"),
    ClaimSpec("supervision_verification", {**_CODED, "properties": {
        **_CODED["properties"], "supervised": {"type": "boolean"}, "identity_verified": {"type": "boolean"}}},
              "never", False, "Supervision and Identity Verification",
              "Whether the assessment was supervised and the learner's identity verified"),
    ClaimSpec("stackability_description", _STR, "always", False, "Integration and Stackability",
              "What it counts towards"),
    ClaimSpec("birthdate", _DATE, "always", False, "Date of Birth", "Date of birth of the learner"),
)

CLAIMS: dict[str, ClaimSpec] = {c.name: c for c in (*EUDI_CLAIMS, *EDC_CLAIMS)}


def claims_for(vct: str) -> tuple[ClaimSpec, ...]:
    """The business claims a type carries: the EUDI ones, plus ours when it is our type."""
    return EUDI_CLAIMS if vct == EUDI_VCT else (*EUDI_CLAIMS, *EDC_CLAIMS)


def _text(value: dict[str, str] | None, lang: str) -> str | None:
    if not value:
        return None
    return value.get(lang) or value.get("en") or next(iter(value.values()))


def _coded(code: str, concept: vocab.Concept) -> dict[str, str]:
    return {"code": code, "uri": concept.uri, "label": concept.label}


def record_claims(record: MicroCredentialRecord, vct: str = EDC_VCT) -> dict[str, Any]:
    """The claim set of a record for `vct` (before selective disclosure), exact EUDI names and types."""
    lang = record.language
    lead = record.awarding.lead
    learner = record.learner
    workload = record.workload
    out: dict[str, Any] = {
        "issuing_authority": _text(lead.legal_name, lang),
        "issuing_country": lead.country,
        "date_of_issuance": record.issued.date().isoformat(),
        "date_of_expiry": record.valid_until.date().isoformat() if record.valid_until else None,
        "family_name": _text(learner.family_name, lang),
        "given_name": _text(learner.given_name, lang),
        "achievement_title": _text(record.title, lang),
        "achievement_description": _text(record.description, lang),
        "learning_outcomes": [_text(o.title, lang) for o in record.learning_outcomes],
        "assessment_grade": _text(record.grade.value, lang) if record.grade else None,
        "language_of_classes": list(record.languages.instruction) if record.languages and
        record.languages.instruction else [lang.split("-")[0]],
        "learner_identification": learner.student_id or learner.id or learner.email
        or f"{_text(learner.given_name, lang)} {_text(learner.family_name, lang)}",
        "expected_study_time": _study_time(workload.ects, workload.hours),
        "level_of_learning_experience": record.level.eqf,
        "types_of_quality_assurance": [vocab.QA_TYPE[record.quality_assurance.type].label],
        "prerequisites_to_enroll": [_text(record.prerequisites, lang)] if record.prerequisites else None,
        "integration_stackability_options": record.stackability.stackable if record.stackability else None,
    }
    if vct != EUDI_VCT:
        qa = record.quality_assurance
        out.update({
            "credential_id": record.credential_id(),
            "credential_language": lang,
            "issuing_countries": record.issuer_countries,
            "awarding_bodies": [{k: v for k, v in (("id", o.id), ("name", _text(o.legal_name, lang)),
                                                   ("country", o.country)) if v}
                                for o in record.awarding.awarding_bodies],
            "ects_credits": workload.ects,
            "workload_hours": workload.hours,
            "qf_ehea_cycle": record.level.qf_ehea,
            "assessment_type": _assessment(record, lang),
            "participation_form": _coded(record.participation, vocab.PARTICIPATION[record.participation]),
            "quality_assurance": {k: v for k, v in (
                ("type", _coded(qa.type, vocab.QA_TYPE[qa.type])), ("external", qa.external),
                ("agency", _text(qa.agency.legal_name, lang) if qa.agency else None)) if v is not None},
            "supervision_verification": ({**_coded(record.supervision.code,
                                                   vocab.SUPERVISION[record.supervision.code]),
                                          "supervised": record.supervision.supervised,
                                          "identity_verified": record.supervision.identity_verified}
                                         if record.supervision else None),
            "stackability_description": _text(record.stackability.description, lang)
            if record.stackability else None,
            "birthdate": learner.date_of_birth.isoformat() if learner.date_of_birth else None,
        })
    return {k: v for k, v in out.items() if v is not None}


def _study_time(ects: float | None, hours: int | None) -> str:
    parts = [f"{ects:g} ECTS"] if ects is not None else []
    if hours is not None:
        parts.append(f"{hours} hours")
    return ", ".join(parts)


def _assessment(record: MicroCredentialRecord, lang: str) -> dict[str, str]:
    code = record.assessment.eu_type
    if code is not None:
        return _coded(code, vocab.ASSESSMENT[code])
    kind = next((k for k in record.assessment.kinds if k.other_type), record.assessment)
    out = {"code": "other", "label": _text(kind.other_type, lang) or "other"}
    if kind.type_uri is not None:
        out["uri"] = str(kind.type_uri)
    return out


# --- back: disclosed claims -> Elements ---------------------------------------------------------

def _coded_value(value: Any) -> CodedValue | None:
    if not isinstance(value, dict) or not isinstance(value.get("code"), str):
        return None
    return CodedValue(code=value["code"], uri=_s(value.get("uri")), label=_s(value.get("label")))


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def elements_from_claims(claims: dict[str, Any]) -> Elements:
    """The Annex I elements a verifier can read from the disclosed claims (withheld ones are absent)."""
    lang = _s(claims.get("credential_language")) or "en"
    sources: dict[str, str] = {}

    def text(name: str) -> dict[str, str] | None:
        value = _s(claims.get(name))
        return {lang: value} if value else None

    names = [n for n in (_s(claims.get("given_name")), _s(claims.get("family_name"))) if n]
    ident = _s(claims.get("learner_identification"))
    learner = None
    if names or ident:
        learner = Learner(id=ident if ident and ident.startswith("did:") else None,
                          name={lang: " ".join(names)} if names else {}, identifiers=[ident] if ident else [])
        sources["learner"] = "family_name/given_name/learner_identification"
    bodies = [Body(id=_s(b.get("id")), name={lang: b["name"]}, country=_s(b.get("country")))
              for b in claims.get("awarding_bodies") or [] if isinstance(b, dict) and isinstance(b.get("name"), str)]
    issuer = None
    if isinstance(claims.get("issuing_authority"), str):
        issuer = Body(id=_s(claims.get("iss")), name={lang: claims["issuing_authority"]},
                      country=_s(claims.get("issuing_country")))
        if not bodies:
            bodies = [issuer]
    countries = _strings(claims.get("issuing_countries")) or (
        [claims["issuing_country"]] if isinstance(claims.get("issuing_country"), str) else [])
    qa_claim = claims.get("quality_assurance")
    qa_types = _strings(claims.get("types_of_quality_assurance"))
    quality = None
    if isinstance(qa_claim, dict):
        agency = _s(qa_claim.get("agency"))
        quality = QualityAssuranceInfo(type=_coded_value(qa_claim.get("type")),
                                       external=qa_claim.get("external") if isinstance(qa_claim.get("external"),
                                                                                     bool) else None,
                                       agency=Body(name={lang: agency}) if agency else None)
    elif qa_types:
        quality = QualityAssuranceInfo(type=CodedValue(label=qa_types[0]))
    sup = claims.get("supervision_verification")
    supervision = None
    if isinstance(sup, dict):
        supervision = SupervisionInfo(code=_s(sup.get("code")), uri=_s(sup.get("uri")),
                                      supervised=sup.get("supervised") if isinstance(sup.get("supervised"), bool)
                                      else None,
                                      identity_verified=sup.get("identity_verified")
                                      if isinstance(sup.get("identity_verified"), bool) else None)
    prerequisites = _strings(claims.get("prerequisites_to_enroll"))
    ects = _number(claims.get("ects_credits"))
    hours = _integer(claims.get("workload_hours"))
    for key, claim in (("title", "achievement_title"), ("countries", "issuing_countries"),
                       ("awarding_bodies", "awarding_bodies"), ("issued", "date_of_issuance"),
                       ("learning_outcomes", "learning_outcomes"), ("ects", "ects_credits"),
                       ("eqf", "level_of_learning_experience"), ("assessment", "assessment_type"),
                       ("participation", "participation_form"), ("quality_assurance", "quality_assurance")):
        if claim in claims:
            sources[key] = claim
    return Elements(
        format=FORMAT,
        credential_id=_s(claims.get("credential_id")) or _s(claims.get("jti")),
        learner=learner,
        title=text("achievement_title"),
        countries=countries,
        issuer=issuer,
        awarding_bodies=bodies,
        issued=_s(claims.get("date_of_issuance")),
        learning_outcomes=[Outcome(title={lang: t}) for t in _strings(claims.get("learning_outcomes"))],
        ects=ects,
        hours=hours,
        no_ects=ects is None and hours is not None,
        eqf=_integer(claims.get("level_of_learning_experience")),
        qf_ehea=_s(claims.get("qf_ehea_cycle")),
        assessment=_coded_value(claims.get("assessment_type")),
        participation=_coded_value(claims.get("participation_form")),
        instruction_languages=_strings(claims.get("language_of_classes")),
        quality_assurance=quality,
        prerequisites={lang: prerequisites[0]} if prerequisites else None,
        supervision=supervision,
        grade=text("assessment_grade"),
        stackability=text("stackability_description"),
        sources=sources,
    )


def withheld(claims: dict[str, Any], vct: str) -> tuple[list[str], list[str]]:
    """(mandatory SD claims of `vct` not disclosed, Annex I elements absent because of them).

    A verifier cannot tell an undisclosed digest from a decoy, but a mandatory claim the
    type metadata marks `sd: always` was issued, so its absence is the holder's choice.
    """
    specs = claims_for(vct) if vct in (EUDI_VCT, EDC_VCT) else EUDI_CLAIMS
    claim_names = [c.name for c in specs if c.sd == "always" and c.mandatory and c.name not in claims]
    missing = set(elements_from_claims(claims).missing())
    elements = [ELEMENT_KEYS[c.element] for c in specs
                if c.element and c.sd == "always" and c.name not in claims and ELEMENT_KEYS[c.element] in missing]
    return claim_names, list(dict.fromkeys(elements))
