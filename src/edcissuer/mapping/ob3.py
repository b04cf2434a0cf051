"""Record -> unsigned Open Badges 3.0 OpenBadgeCredential (VC Data Model 2.0).

Everything OB3 has a field for goes there, so any OB3 wallet shows it: the achievement
(name, description, criteria, ECTS in `creditsAvailable`, ESCO `alignment`, grade as
`resultDescription`/`result`, `achievementType` MicroCredential), the issuer Profile with
its country and the alliance as `parentOrg`. The Annex I elements OB3 has no field for
(EQF/QF-EHEA level, participation, assessment type, QA, awarding model and bodies,
supervision, stackability) are carried by edcissuer's own small JSON-LD extension context
(contexts/edcissuer-mc-v1.jsonld), never as undefined terms.
"""
from __future__ import annotations

import hashlib
from typing import Any

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

CONTEXT = [VC2, OB3, OB3_EXTENSIONS, MC_EXT]


def profile(org: Organisation, org_node: str, lang: str, *, parent: dict[str, Any] | None = None,
            brief: bool = False) -> dict[str, Any]:
    """An OB3 Profile for an organisation (issuer, awarding body, partner or QA agency).

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


def _criteria(record: MicroCredentialRecord, lang: str) -> str:
    lines = ["The learner achieved the following learning outcomes:"]
    lines += [f"- {text(lo.title, lang)}" for lo in record.learning_outcomes]
    lines.append(f"Assessed by {record.assessment.type}"
                 + (f": {text(record.assessment.description, lang)}" if record.assessment.description else "."))
    return "\n".join(lines)


def _quality_assurance(record: MicroCredentialRecord, cid: str, lang: str) -> dict[str, Any]:
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


def to_ob3(record: MicroCredentialRecord) -> dict[str, Any]:
    """Map a validated record to an unsigned OpenBadgeCredential."""
    cid = record.credential_id()
    lang = record.language
    cv = controlled_values(record)
    lead, *_ = parties(record)
    issuer = _party_profile(lead, record, cid, lang)
    learner = record.learner
    salt = node_id(cid, "salt").removeprefix("urn:uuid:")
    identifiers = [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                    "identityHash": text(learner.full_name, lang)}]
    if learner.email:
        identifiers.append(_hashed_identity("emailAddress", learner.email, salt))
    if learner.student_id:
        identifiers.append({"type": "IdentityObject", "identityType": "ext:studentId", "hashed": False,
                            "identityHash": learner.student_id})
    grade_id = node_id(cid, "result-description", "grade")
    alignment = [
        {"id": node_id(cid, "alignment", i, uri), "type": ["Alignment"],
         "targetName": text(lo.title, lang) or "", "targetUrl": uri,
         "targetType": "ext:ESCOSkill", "targetFramework": "ESCO"}
        for i, lo in enumerate(record.learning_outcomes) for uri in lo.esco
    ]
    achievement = compact({
        "id": node_id(cid, "achievement"),
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": text(record.title, lang),
        "description": text(record.description, lang) or f"Micro-credential: {text(record.title, lang)}",
        "criteria": {"id": node_id(cid, "criteria"), "narrative": _criteria(record, lang)},
        "creditsAvailable": record.workload.ects,
        "alignment": alignment or None,
        "inLanguage": lang,
        "creator": _party_profile(lead, record, cid, lang, brief=True),
        "tag": ["micro-credential", f"EQF {record.level.eqf}", f"{record.workload.ects:g} ECTS",
                record.participation],
        "resultDescription": ([{"id": grade_id, "type": ["ResultDescription"], "name": "Grade",
                                "resultType": "ext:Grade"}] if record.grade else None),
        # Annex I elements OB3 has no field for (edcissuer extension context):
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
        "qualityAssurance": _quality_assurance(record, cid, lang),
        "prerequisites": record.prerequisites,
        "stackability": (compact({
            "id": node_id(cid, "stackability"), "type": "Stackability",
            "stackable": record.stackability.stackable,
            "stackabilityNote": record.stackability.description,
            "stackableTowards": record.stackability.towards or None,
        }) if record.stackability else None),
        "furtherInformation": record.further_information,
    })
    result = None
    if record.grade:
        result = [compact({"id": node_id(cid, "result", "grade"), "type": ["Result"],
                           "resultDescription": grade_id,
                           "value": text(record.grade.value, lang)})]
    subject = compact({
        "id": learner.id or node_id(cid, "learner"),
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": achievement,
        "creditsEarned": record.workload.ects,
        "result": result,
        "learnerName": learner.full_name,
        "gradeTranslations": record.grade.value if record.grade else None,
        "gradeScheme": record.grade.scheme if record.grade else None,
        "supervision": (compact({
            "id": node_id(cid, "supervision"), "type": "Supervision",
            "supervisionMethod": cv["supervision"].uri,
            "supervised": record.supervision.supervised,
            "identityVerified": record.supervision.identity_verified,
        }) if record.supervision else None),
    })
    return compact({
        "@context": list(CONTEXT),
        "id": cid,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": text(record.title, lang),
        "description": text(record.description, lang),
        "issuer": issuer,
        "validFrom": iso(record.issued),
        "validUntil": iso(record.valid_until) if record.valid_until else None,
        "awardedDate": iso(record.issued),
        "credentialSubject": subject,
        "credentialSchema": [{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        # Awarding model and bodies (element d) and countries (element c), extension context:
        "awardingModel": record.awarding.model.value,
        "awardingBody": [p.id if p.role == "lead" else _party_profile(p, record, cid, lang)
                         for p in awarding_parties(record)],
        "deliveringPartner": [_party_profile(p, record, cid, lang) for p in delivering_parties(record)] or None,
        "alliance": _alliance(record, cid, lang),
        "issuerCountry": record.issuer_countries,
    })
