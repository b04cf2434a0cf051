"""Record -> unsigned Open Badges 3.0 OpenBadgeCredential (VC Data Model 2.0).

Two forms, one mapping:

- **standard** (the default): only the W3C VC 2.0 and OB 3.0 contexts, the ones every OB3
  verifier and wallet bundles, so the credential verifies anywhere (no `credentialSchema`:
  its type is defined only by the OB3 extensions context, which not every verifier loads). Each element sits in
  the OB 3.0 property that means it (achievement `name`, `creditsAvailable`, issuer Profile
  and its `address`, `awardedDate`, the learner's `identifier`s, the assessment and grade
  as a `resultDescription` aligned to the EU assessment type and its `result`, translations
  as `related` language editions). The elements OB 3.0 has no property for are
  `alignment`s of the achievement: one per statement, its
  `targetType` naming the element (an `ext:` value, as OB 3.0's extensible enumeration
  allows), `targetUrl` the EU controlled-vocabulary concept (EQF level, participation
  form, QA type, ...) or the organisation's id, `targetCode` the code, `targetName` the
  label and `targetDescription` any free text. docs/ob3-mapping.md compares this with the
  community ELM <-> OB 3.0 crosswalk, element by element.
- **extended**: the standard document plus edcissuer's JSON-LD extension context
  (contexts/edcissuer-mc-v1.jsonld) with every element and every language as typed terms.
  No other verifier bundles that context, so it verifies only where it is installed: an
  explicit choice, never the default.
"""
from __future__ import annotations

import hashlib
from typing import Any

from ..errors import MappingError
from ..models import vocab
from ..models.records import MicroCredentialRecord, Organisation
from .common import (
    MC_EXT,
    OB3,
    OB3_EXTENSIONS,
    OB3_SCHEMA,
    VC2,
    Party,
    awarding_parties,
    compact,
    controlled_values,
    delivering_parties,
    iso,
    node_id,
    outcome_ids,
    parties,
    text,
)

FORMS: tuple[str, ...] = ("standard", "extended")
CONTEXT = [VC2, OB3]
EXTENDED_CONTEXT = [VC2, OB3, OB3_EXTENSIONS, MC_EXT]

#: `targetType` of the alignments that carry what OB 3.0 has no property for, by element.
TARGET_TYPE: dict[str, str] = {
    "learning_outcome": "ext:LearningOutcome",
    "esco": "ext:ESCOSkill",
    "country": "ext:IssuerCountry",
    "awarding_model": "ext:AwardingModel",
    "awarding_body": "ext:AwardingBody",
    "delivering_partner": "ext:DeliveringPartner",
    "eqf": "ext:EQFLevel",
    "qf_ehea": "ext:QFEHEACycle",
    "assessment": "ext:AssessmentType",
    "participation": "ext:ParticipationForm",
    "learning_setting": "ext:LearningSetting",
    "quality_assurance": "ext:QualityAssuranceType",
    "qa_agency": "ext:QualityAssuranceAgency",
    "qa_report": "ext:QualityAssuranceReport",
    "supervision": "ext:SupervisionAndIdentityVerification",
    "prerequisites": "ext:Prerequisites",
    "stackability": "ext:Stackability",
    "stackable_towards": "ext:StackableTowards",
    "further_information": "ext:FurtherInformation",
    "grade": "ext:Grade",
}
#: `targetFramework` of those alignments: the vocabulary the target belongs to.
FRAMEWORK: dict[str, str] = {
    "esco": "ESCO",
    "country": "EU Country authority table",
    "eqf": "European Qualifications Framework",
    "qf_ehea": "Qualifications Framework of the European Higher Education Area",
    "assessment": "EU assessment types (ELM)",
    "participation": "EU learning activity modes (ELM)",
    "learning_setting": "EU learning settings (ELM)",
    "quality_assurance": "EU accreditation types (ELM)",
    "supervision": "Supervision and identity verification types (ELM and edcissuer)",
}
_ANNEX = "Council Recommendation on micro-credentials (2022), Annex I"
EXTERNAL_QA, INTERNAL_QA = "External quality assurance", "Internal quality assurance"


def profile(org: Organisation, org_node: str, lang: str, *, parent: dict[str, Any] | None = None,
            brief: bool = False) -> dict[str, Any]:
    """An OB3 Profile for an organisation (issuer, creator or alliance member).

    `brief` leaves out the identifier entries: OB3 forbids ids on them, so repeating them
    for the same organisation would add identical blank nodes to canonicalise.
    """
    other_ids = [] if brief else [
        {"type": "IdentifierEntry", "identifier": value, "identifierType": kind}
        for kind, value in (("ext:legalIdentifier", org.legal_identifier),
                            ("ext:erasmusCode", org.erasmus_code),
                            ("ext:deqarId", org.deqar_id))
        if value
    ]
    return compact({
        "id": org_node,
        "type": ["Profile"],
        "name": text(org.legal_name, lang),
        "url": str(org.homepage) if org.homepage else None,
        "email": org.email,
        "address": compact({"id": f"{org_node}#address", "type": ["Address"],
                            "addressCountryCode": org.country, "addressRegion": org.region}),
        "otherIdentifier": other_ids or None,
        "parentOrg": parent,
    })


def _alliance(record: MicroCredentialRecord, cid: str, lang: str) -> dict[str, Any] | None:
    alliance = record.awarding.alliance
    if alliance is None:
        return None
    return compact({
        "id": alliance.id or node_id(cid, "alliance"),
        "type": ["Profile"],
        "name": text(alliance.name, lang),
        "url": str(alliance.homepage) if alliance.homepage else None,
        "image": ({"id": str(alliance.logo), "type": "Image", "caption": f"{text(alliance.name, lang)} logo"}
                  if alliance.logo else None),
    })


def _party_profile(p: Party, record: MicroCredentialRecord, cid: str, lang: str, *,
                   brief: bool = False) -> dict[str, Any]:
    return profile(p.org, p.id, lang, parent=_alliance(record, cid, lang), brief=brief)


def _hashed_identity(kind: str, value: str, salt: str) -> dict[str, Any]:
    """An OB3 IdentityObject with a salted SHA-256 (the recipient stays private in transit)."""
    digest = hashlib.sha256((value + salt).encode("utf-8")).hexdigest()
    return {"type": "IdentityObject", "identityType": kind, "hashed": True,
            "identityHash": f"sha256${digest}", "salt": salt}


def _alignment(cid: str, key: str, target_url: str, name: str, *, code: str | None = None,
               description: str | None = None, n: object = 0, edition: str | None = None) -> dict[str, Any]:
    """One alignment statement of element `key` (ids stable, so canonicalisation has no blank
    nodes; a language edition's restatement has its own id)."""
    parts: tuple[object, ...] = (key, n, target_url) + ((edition,) if edition else ())
    return compact({
        "id": node_id(cid, "alignment", *parts),
        "type": ["Alignment"],
        "targetType": TARGET_TYPE[key],
        "targetUrl": target_url,
        "targetName": name,
        "targetCode": code,
        "targetDescription": description,
        "targetFramework": FRAMEWORK.get(key, _ANNEX),
    })


def _concept(cid: str, key: str, concept: vocab.Concept, code: str, description: str | None = None) -> dict[str, Any]:
    return _alignment(cid, key, concept.uri, concept.label, code=code, description=description)


def place(org: Organisation) -> str:
    """'Country: DE' or 'Country: DE; region: Bavaria': how an organisation alignment states where it is."""
    return f"Country: {org.country}" + (f"; region: {org.region}" if org.region else "")


def _organisation(cid: str, key: str, p: Party, lang: str, n: int) -> dict[str, Any]:
    return _alignment(cid, key, p.id, text(p.org.legal_name, lang) or p.id, code=p.org.legal_identifier,
                      description=place(p.org), n=n)


def _quality_assurance(record: MicroCredentialRecord, cid: str, lang: str) -> list[dict[str, Any]]:
    qa = record.quality_assurance
    out = [_concept(cid, "quality_assurance", vocab.QA_TYPE[qa.type], qa.type, text(qa.description, lang))]
    if qa.agency:
        agency = qa.agency
        out.append(_alignment(
            cid, "qa_agency", agency.id or str(agency.homepage or node_id(cid, "qa-agency")),
            text(agency.legal_name, lang) or "", code=agency.deqar_id,
            description=f"{EXTERNAL_QA if qa.external else INTERNAL_QA}; {place(agency)}"))
    if qa.report:
        out.append(_alignment(cid, "qa_report", str(qa.report), vocab.NOTE_SUBJECTS["qa-report"].label,
                              code=qa.deqar_report_id))
    return out


def _note(cid: str, key: str, subject: str, value: dict[str, str] | None, lang: str,
          name: str | None = None) -> list[dict[str, Any]]:
    """A free-text element as an alignment to its note subject (nothing when absent)."""
    if not value:
        return []
    concept = vocab.NOTE_SUBJECTS[subject]
    return [_alignment(cid, key, concept.uri, name or concept.label, description=text(value, lang))]


def _alignments(record: MicroCredentialRecord, cid: str, lang: str) -> list[dict[str, Any]]:
    """Every element OB 3.0 has no property for, as alignments of the achievement (the
    assessment type is aligned on its ResultDescription instead: see `_assessment`)."""
    cv = controlled_values(record)
    out = [_alignment(cid, "learning_outcome", oid, text(lo.title, lang) or "", n=i)
           for i, (oid, lo) in enumerate(zip(outcome_ids(record), record.learning_outcomes))]
    out += [_alignment(cid, "esco", uri, text(lo.title, lang) or "", n=i)
            for i, lo in enumerate(record.learning_outcomes) for uri in lo.esco]
    out += [_concept(cid, "country", vocab.COUNTRY[c], c) for c in record.issuer_countries]
    model = record.awarding.model.value
    out.append(_concept(cid, "awarding_model", vocab.AWARDING_MODEL[model], model))
    out += [_organisation(cid, "awarding_body", p, lang, i)
            for i, p in enumerate(awarding_parties(record)) if p.role != "lead"]
    out += [_organisation(cid, "delivering_partner", p, lang, i) for i, p in enumerate(delivering_parties(record))]
    out.append(_concept(cid, "eqf", cv["eqf"], str(record.level.eqf)))
    if record.level.qf_ehea:
        out.append(_concept(cid, "qf_ehea", cv["qf_ehea"], record.level.qf_ehea))
    out.append(_concept(cid, "participation", cv["participation"], record.participation))
    out.append(_concept(cid, "learning_setting", cv["learning_setting"], record.setting))
    out += _quality_assurance(record, cid, lang)
    if record.supervision:
        out.append(_concept(cid, "supervision", cv["supervision"], record.supervision.code))
    out += _note(cid, "prerequisites", "prerequisites", record.prerequisites, lang)
    if record.stackability:
        stack = record.stackability
        out += _note(cid, "stackability", "stackability",
                     stack.description or {"en": ""}, lang, "Stackable" if stack.stackable else "Not stackable")
        out += [_alignment(cid, "stackable_towards", uri, "Counts towards", n=i) for i, uri in enumerate(stack.towards)]
    out += _note(cid, "further_information", "further-information", record.further_information, lang)
    return out


def _assessment(record: MicroCredentialRecord, cid: str, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Type of assessment (i) and grade as OB 3.0's own pair: the achievement's ResultDescription,
    aligned to the EU assessment-type concept, and the learner's Result linked to it (the
    grade as `value`; without a grade, `status` Completed, as OB 3.0 requires for Status)."""
    assessment, grade = record.assessment, record.grade
    concept = controlled_values(record)["assessment"]
    description_id = node_id(cid, "result-description", "assessment")
    scheme = text(grade.scheme, lang) if grade and grade.scheme else None
    name = f"Assessment: {concept.label}" + (f"; grade ({scheme})" if scheme else "; grade" if grade else "")
    description = {
        "id": description_id,
        "type": ["ResultDescription"],
        "name": name,
        # OB 3.0 "Result": a result of no more specific type (an ELM grade is free text)
        "resultType": "Result" if grade else "Status",
        "alignment": [_concept(cid, "assessment", concept, assessment.eu_type or "", text(assessment.description, lang))],
    }
    result = compact({"id": node_id(cid, "result", "assessment"), "type": ["Result"],
                      "resultDescription": description_id,
                      "value": text(grade.value, lang) if grade else None,
                      "status": None if grade else "Completed"})
    return description, result


def _criteria(record: MicroCredentialRecord, lang: str) -> str:
    """What a wallet shows as 'criteria': the outcomes and how they are assessed, in Markdown."""
    lines = ["The learner achieved the following learning outcomes:"]
    lines += [f"- {text(lo.title, lang)}" for lo in record.learning_outcomes]
    lines.append(f"\nAssessed by {record.assessment.type}"
                 + (f": {text(record.assessment.description, lang)}" if record.assessment.description else "."))
    hours = f" ({record.workload.hours} hours)" if record.workload.hours else ""
    lines.append(f"\nWorkload: {record.workload.ects:g} ECTS{hours}; level: EQF {record.level.eqf}; "
                 f"participation: {record.participation}.")
    if record.prerequisites:
        lines.append(f"\nPrerequisites: {text(record.prerequisites, lang)}")
    return "\n".join(lines)


def _edition_alignments(record: MicroCredentialRecord, cid: str, other: str) -> list[dict[str, Any]]:
    """The free texts the record has in language `other`, each restated as the alignment the
    achievement states it with (same `targetType` and `targetUrl`, text in `other`)."""
    cv = controlled_values(record)
    out = [_alignment(cid, "learning_outcome", oid, lo.title[other], n=i, edition=other)
           for i, (oid, lo) in enumerate(zip(outcome_ids(record), record.learning_outcomes)) if other in lo.title]
    assessment, qa = record.assessment, record.quality_assurance
    if assessment.description and other in assessment.description:
        out.append(_alignment(cid, "assessment", cv["assessment"].uri, cv["assessment"].label,
                              code=assessment.type, description=assessment.description[other], edition=other))
    if qa.description and other in qa.description:
        out.append(_alignment(cid, "quality_assurance", cv["quality_assurance"].uri, cv["quality_assurance"].label,
                              code=qa.type, description=qa.description[other], edition=other))
    stack = record.stackability
    notes = [("prerequisites", "prerequisites", record.prerequisites, None),
             ("stackability", "stackability", stack.description if stack else None,
              "Stackable" if stack and stack.stackable else "Not stackable"),
             ("further_information", "further-information", record.further_information, None)]
    for key, subject, value, name in notes:
        if value and other in value:
            concept = vocab.NOTE_SUBJECTS[subject]
            out.append(_alignment(cid, key, concept.uri, name or concept.label, description=value[other],
                                  edition=other))
    grade = record.grade
    if grade and other in grade.value:
        scheme = grade.scheme.get(other) if grade.scheme else None
        out.append(_alignment(cid, "grade", node_id(cid, "result-description", "assessment"),
                              "Grade" + (f" ({scheme})" if scheme else ""), description=grade.value[other],
                              edition=other))
    return out


def _language_editions(record: MicroCredentialRecord, cid: str, lang: str) -> list[dict[str, Any]]:
    """The record's other languages as OB 3.0 `related` language editions: the title and
    description, and every other free text restated as alignments in that language, so the
    standard form carries every language with OB 3.0 terms only (its strings hold one each)."""
    description = record.description or {}
    texts: list[dict[str, str] | None] = [
        record.title, description, *(lo.title for lo in record.learning_outcomes),
        record.assessment.description, record.quality_assurance.description, record.prerequisites,
        record.stackability.description if record.stackability else None, record.further_information,
        record.grade.value if record.grade else None]
    others = [x for x in dict.fromkeys(k for t in texts if t for k in t) if x != lang]
    return [compact({"id": node_id(cid, "achievement", "edition", other), "type": ["Related"],
                     "inLanguage": other, "name": record.title.get(other),
                     "description": description.get(other),
                     "alignment": _edition_alignments(record, cid, other) or None})
            for other in others]


def _standard(record: MicroCredentialRecord) -> dict[str, Any]:
    cid = record.credential_id()
    lang = record.language
    lead, *_ = parties(record)
    learner = record.learner
    salt = node_id(cid, "salt").removeprefix("urn:uuid:")
    identifiers = [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                    "identityHash": text(learner.full_name, lang)}]
    if learner.email:
        identifiers.append(_hashed_identity("emailAddress", learner.email, salt))
    if learner.student_id:
        identifiers.append({"type": "IdentityObject", "identityType": "sisSourcedId", "hashed": False,
                            "identityHash": learner.student_id})
    result_description, result = _assessment(record, cid, lang)
    achievement = compact({
        "id": node_id(cid, "achievement"),
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": text(record.title, lang),
        "description": text(record.description, lang) or f"Micro-credential: {text(record.title, lang)}",
        "criteria": {"id": node_id(cid, "criteria"), "narrative": _criteria(record, lang)},
        "creditsAvailable": record.workload.ects,
        "alignment": _alignments(record, cid, lang),
        "inLanguage": lang,
        "image": ({"id": str(record.image), "type": "Image", "caption": text(record.title, lang)}
                  if record.image else None),
        "creator": _party_profile(lead, record, cid, lang, brief=True),
        "related": _language_editions(record, cid, lang) or None,
        "tag": ["micro-credential", f"EQF {record.level.eqf}", f"{record.workload.ects:g} ECTS",
                record.participation],
        "resultDescription": [result_description],
    })
    subject = compact({
        "id": learner.id or node_id(cid, "learner"),
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": achievement,
        "creditsEarned": record.workload.ects,
        "result": [result],
    })
    return compact({
        "@context": list(CONTEXT),
        "id": cid,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": text(record.title, lang),
        "description": text(record.description, lang),
        "issuer": _party_profile(lead, record, cid, lang),
        "validFrom": iso(record.issued),
        "validUntil": iso(record.valid_until) if record.valid_until else None,
        "awardedDate": iso(record.issued),
        "credentialSubject": subject,
    })


def _qa_node(record: MicroCredentialRecord, cid: str, lang: str) -> dict[str, Any]:
    qa = record.quality_assurance
    return compact({
        "id": node_id(cid, "quality-assurance"),
        "type": "QualityAssurance",
        "qaType": controlled_values(record)["quality_assurance"].uri,
        "external": qa.external,
        "agency": profile(qa.agency, qa.agency.id or node_id(cid, "qa-agency"), lang) if qa.agency else None,
        "report": str(qa.report) if qa.report else None,
        "deqarId": qa.deqar_report_id,
        "qaDescription": qa.description,
    })


def _extend(doc: dict[str, Any], record: MicroCredentialRecord) -> dict[str, Any]:
    """The standard document plus the extension-context terms: every element, every language."""
    cid = record.credential_id()
    lang = record.language
    cv = controlled_values(record)
    subject = dict(doc["credentialSubject"])
    achievement = dict(subject["achievement"])
    achievement.update(compact({
        "titleTranslations": record.title,
        "descriptionTranslations": record.description,
        "learningOutcome": [compact({"id": oid, "type": "LearningOutcome", "title": lo.title,
                                     "escoSkill": lo.esco or None})
                            for oid, lo in zip(outcome_ids(record), record.learning_outcomes)],
        "notionalHours": record.workload.hours,
        "eqfLevel": cv["eqf"].uri,
        "qfEheaCycle": cv["qf_ehea"].uri if "qf_ehea" in cv else None,
        "participationForm": cv["participation"].uri,
        "learningSetting": cv["learning_setting"].uri,
        "assessmentType": cv["assessment"].uri,
        "assessmentDescription": record.assessment.description,
        "qualityAssurance": _qa_node(record, cid, lang),
        "prerequisites": record.prerequisites,
        "stackability": (compact({
            "id": node_id(cid, "stackability"), "type": "Stackability",
            "stackable": record.stackability.stackable,
            "stackabilityNote": record.stackability.description,
            "stackableTowards": record.stackability.towards or None,
        }) if record.stackability else None),
        "furtherInformation": record.further_information,
    }))
    subject.update(compact({
        "achievement": achievement,
        "learnerName": record.learner.full_name,
        "gradeTranslations": record.grade.value if record.grade else None,
        "gradeScheme": record.grade.scheme if record.grade else None,
        "supervision": (compact({
            "id": node_id(cid, "supervision"), "type": "Supervision",
            "supervisionMethod": cv["supervision"].uri,
            "supervised": record.supervision.supervised,
            "identityVerified": record.supervision.identity_verified,
        }) if record.supervision else None),
    }))
    return compact({
        **doc,
        "@context": list(EXTENDED_CONTEXT),
        "credentialSubject": subject,
        # 1EdTech's schema validator type is defined by the OB3 extensions context only
        "credentialSchema": [{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "awardingModel": record.awarding.model.value,
        "awardingBody": [p.id if p.role == "lead" else _party_profile(p, record, cid, lang)
                         for p in awarding_parties(record)],
        "deliveringPartner": [_party_profile(p, record, cid, lang) for p in delivering_parties(record)] or None,
        "alliance": _alliance(record, cid, lang),
        "issuerCountry": record.issuer_countries,
    })


def to_ob3(record: MicroCredentialRecord, *, form: str = "standard") -> dict[str, Any]:
    """Map a validated record to an unsigned OpenBadgeCredential in the given form."""
    if form not in FORMS:
        raise MappingError(f"unknown OB3 form {form!r}; use one of {', '.join(FORMS)}", field="ob3_form",
                           value=form)
    doc = _standard(record)
    return _extend(doc, record) if form == "extended" else doc
