"""Record -> unsigned ELM v3 European Digital Credential (JSON-LD, VC 1.1 envelope).

Shaped as the EU's own issuer shapes micro-credentials (see the official sample
Sample-MC-Annex1): a Person whose `hasClaim` is a LearningAchievement, `specifiedBy` a
Qualification carrying learning outcomes, ECTS, EQF, mode and QA (`accreditation`),
`awardedBy` an AwardingProcess naming every awarding body, `provenBy` the assessment,
`influencedBy` the learning activity the delivering partners directed, every controlled
value an inline skos Concept with `inScheme`.
"""
from __future__ import annotations

import base64
from typing import Any

from ..models import vocab
from ..models.records import MicroCredentialRecord, Organisation
from .display import render_summary_png
from .common import (
    EDC_AP,
    EDC_SCHEMA,
    VC1,
    Party,
    awarding_parties,
    compact,
    controlled_values,
    delivering_parties,
    ects_text,
    iso,
    node_id,
    outcome_ids,
    parties,
    text,
    volume_of_learning,
)

NOTE_SUBJECTS = vocab.NOTE_SUBJECTS


def concept(c: vocab.Concept, lang: str = "en") -> dict[str, Any]:
    """An inline skos Concept as ELM wants it (EDC-generic-full checks `inScheme`)."""
    return compact({
        "id": c.uri,
        "type": "Concept",
        "inScheme": {"id": c.scheme, "type": "ConceptScheme"},
        "prefLabel": {"en": c.label},
        "notation": c.notation,
    })


def _note(node: str, literal: dict[str, str], subject: str | None = None) -> dict[str, Any]:
    return compact({"id": node, "type": "Note", "noteLiteral": literal,
                    "subject": concept(NOTE_SUBJECTS[subject]) if subject else None})


def _country(code: str) -> dict[str, Any]:
    return concept(vocab.COUNTRY[code])


def organisation(org: Organisation, org_node: str, cid: str, *, eidas: bool = False,
                 group: dict[str, Any] | None = None) -> dict[str, Any]:
    """An ELM Organisation; `eidas` adds the legal identifier the EDC issuer profile requires."""
    base = node_id(cid, "org-detail", org_node)
    legal_id = None
    if org.legal_identifier:
        legal_id = {"id": f"{base}:legal", "type": "LegalIdentifier",
                    "notation": org.legal_identifier, "spatial": _country(org.country)}
    address = compact({
        "id": f"{base}:address", "type": "Address", "countryCode": _country(org.country),
        "fullAddress": _note(f"{base}:address-note", {"en": org.region}) if org.region else None,
    })
    return compact({
        "id": org_node,
        "type": "Organisation",
        "legalName": org.legal_name,
        "altLabel": org.legal_name,
        "location": {"id": f"{base}:location", "type": "Location", "address": address},
        "registration": legal_id,
        "eIDASIdentifier": ({**legal_id, "id": f"{base}:eidas"} if eidas and legal_id else None),
        "identifier": [compact({"id": f"{base}:erasmus", "type": "Identifier",
                                "schemeName": "Erasmus institution code",
                                "notation": org.erasmus_code})] if org.erasmus_code else None,
        "homepage": ({"id": f"{base}:homepage", "type": "WebResource",
                      "contentURL": str(org.homepage)} if org.homepage else None),
        "contactPoint": ({"id": f"{base}:contact", "type": "ContactPoint",
                          "emailAddress": {"id": f"mailto:{org.email}", "type": "Mailbox"}}
                         if org.email else None),
        "groupMemberOf": group,
    })


def _alliance_group(record: MicroCredentialRecord, cid: str) -> dict[str, Any] | None:
    alliance = record.awarding.alliance
    if alliance is None:
        return None
    gid = alliance.id or node_id(cid, "alliance")
    return compact({
        "id": gid,
        "type": "Group",
        "prefLabel": alliance.name,
        "homepage": ({"id": f"{node_id(cid, 'alliance')}:homepage", "type": "WebResource",
                      "contentURL": str(alliance.homepage)} if alliance.homepage else None),
        "logo": ({"id": f"{node_id(cid, 'alliance')}:logo", "type": "WebResource",
                  "contentURL": str(alliance.logo)} if alliance.logo else None),
    })


def _party_org(party: Party, record: MicroCredentialRecord, cid: str, *, eidas: bool = False) -> dict[str, Any]:
    return organisation(party.org, party.id, cid, eidas=eidas, group=_alliance_group(record, cid))


def _credit(record: MicroCredentialRecord, node: str) -> dict[str, Any]:
    return {"id": node, "type": "CreditPoint", "framework": concept(vocab.ECTS),
            "point": ects_text(record.workload.ects or 0)}


def _accreditation(record: MicroCredentialRecord, cid: str, lead_node: dict[str, Any]) -> dict[str, Any]:
    qa = record.quality_assurance
    qa_concept = controlled_values(record)["quality_assurance"]
    base = node_id(cid, "quality-assurance")
    agency = (organisation(qa.agency, qa.agency.id or node_id(cid, "qa-agency"), cid)
              if qa.agency else lead_node)
    return compact({
        "id": base,
        "type": "Accreditation",
        "dcType": concept(qa_concept),
        "title": {"en": f"{qa_concept.label} ({'external' if qa.external else 'internal'})"},
        "description": qa.description,
        "identifier": {"id": f"{base}:identifier", "type": "Identifier",
                       "notation": qa.deqar_report_id or base,
                       "schemeName": "DEQAR report" if qa.deqar_report_id else "edcissuer"},
        "accreditingAgent": agency,
        "organisation": lead_node,
        "report": ({"id": f"{base}:report", "type": "WebResource", "contentURL": str(qa.report)}
                   if qa.report else None),
        "additionalNote": [_note(f"{base}:external", {"en": "external" if qa.external else "internal"},
                                 "quality-assurance")],
    })


def _outcomes(record: MicroCredentialRecord) -> list[dict[str, Any]]:
    out = []
    for oid, lo in zip(outcome_ids(record), record.learning_outcomes):
        out.append(compact({
            "id": oid,
            "type": "LearningOutcome",
            "title": lo.title,
            "relatedESCOSkill": [{"id": uri, "type": "Concept",
                                  "inScheme": {"id": vocab.ESCO_SKILLS_SCHEME, "type": "ConceptScheme"}}
                                 for uri in lo.esco] or None,
        }))
    return out


def _assessment(record: MicroCredentialRecord, cid: str, awarding: dict[str, Any],
                lead_node: dict[str, Any]) -> dict[str, Any]:
    cv = controlled_values(record)
    a = record.assessment
    base = node_id(cid, "assessment")
    grade = record.grade
    return compact({
        "id": base,
        "type": "LearningAssessment",
        "title": {"en": f"Assessment: {cv['assessment'].label}"},
        "awardedBy": awarding,
        "assessedBy": lead_node,
        "grade": _note(f"{base}:grade", grade.value) if grade else None,
        "idVerification": concept(cv["supervision"]) if "supervision" in cv else None,
        "specifiedBy": compact({
            "id": f"{base}:specification",
            "type": "LearningAssessmentSpecification",
            "title": {"en": cv["assessment"].label},
            "description": a.description,
            "dcType": concept(cv["assessment"]),
            "mode": concept(cv["participation"]),
            "gradingScheme": ({"id": f"{base}:grading-scheme", "type": "GradingScheme",
                               "title": grade.scheme} if grade and grade.scheme else None),
        }),
    })


def _notes(record: MicroCredentialRecord, cid: str) -> list[dict[str, Any]]:
    notes = []
    cycle = controlled_values(record).get("qf_ehea")
    if cycle:
        notes.append(_note(node_id(cid, "note", "qf-ehea"), {"en": cycle.label}, "qf-ehea"))
    notes.append(_note(node_id(cid, "note", "awarding-model"),
                       {"en": record.awarding.model.value}, "awarding-model"))
    if record.countries:
        notes.append(_note(node_id(cid, "note", "issuer-countries"), {"en": " ".join(record.countries)},
                           "issuer-countries"))
    if record.stackability:
        st = record.stackability
        literal = st.description or {"en": "Stackable" if st.stackable else "Not stackable"}
        notes.append(_note(node_id(cid, "note", "stackability"), literal, "stackability"))
    if record.further_information:
        notes.append(_note(node_id(cid, "note", "further-information"), record.further_information,
                           "further-information"))
    return notes


def _display_image(record: MicroCredentialRecord, cid: str) -> dict[str, Any]:
    """The first display page as an embedded PNG (EDC-generic-full requires one)."""
    return {
        "id": node_id(cid, "display", "image"),
        "type": "MediaObject",
        "content": base64.b64encode(render_summary_png(record)).decode("ascii"),
        "contentEncoding": concept(vocab.BASE64_ENCODING),
        "contentType": concept(vocab.FILE_TYPE_PNG),
    }


def to_elm(record: MicroCredentialRecord) -> dict[str, Any]:
    """Map a validated record to an unsigned European Digital Credential."""
    cid = record.credential_id()
    lang = record.language
    cv = controlled_values(record)
    lead, *_ = parties(record)
    lead_node = _party_org(lead, record, cid, eidas=True)
    awarding_bodies = [_party_org(p, record, cid, eidas=(p.role == "lead")) for p in awarding_parties(record)]
    awarding = compact({
        "id": node_id(cid, "awarding-process"),
        "type": "AwardingProcess",
        "awardingBody": awarding_bodies if len(awarding_bodies) > 1 else awarding_bodies[0],
        "awardingDate": iso(record.issued),
        # ELM allows one location; further countries are those of the listed bodies,
        # or a note when the record states them explicitly.
        "location": {"id": node_id(cid, "awarding-location"), "type": "Location",
                     "address": {"id": node_id(cid, "awarding-address"), "type": "Address",
                                 "countryCode": _country(record.issuer_countries[0])}},
    })
    delivering = delivering_parties(record)
    activity = None
    if delivering:
        activity = {
            "id": node_id(cid, "learning-activity"),
            "type": "LearningActivity",
            "title": {"en": f"Delivery of {text(record.title, 'en')}"},
            "awardedBy": awarding,
            "directedBy": [_party_org(p, record, cid) for p in delivering],
        }
    spec = compact({
        "id": node_id(cid, "qualification"),
        "type": "Qualification",
        "title": record.title,
        "description": record.description,
        "learningOutcome": _outcomes(record),
        "creditPoint": _credit(record, node_id(cid, "credit-point")),
        "volumeOfLearning": volume_of_learning(record),
        "eqfLevel": concept(cv["eqf"]),
        "mode": concept(cv["participation"]),
        "learningSetting": concept(cv["learning_setting"]),
        "dcType": concept(vocab.SHORT_LEARNING_PROGRAMME),
        "language": concept(vocab.LANGUAGE.get(lang, vocab.LANGUAGE["en"])),
        "entryRequirement": (_note(node_id(cid, "note", "prerequisites"), record.prerequisites)
                             if record.prerequisites else None),
        "accreditation": _accreditation(record, cid, lead_node),
        "additionalNote": _notes(record, cid),
        "homepage": ({"id": node_id(cid, "homepage"), "type": "WebResource",
                      "contentURL": str(record.homepage)} if record.homepage else None),
        "isPartialQualification": True,
    })
    learner = record.learner
    subject = compact({
        "id": learner.id or node_id(cid, "learner"),
        "type": "Person",
        "givenName": learner.given_name,
        "familyName": learner.family_name,
        "fullName": learner.full_name,
        "dateOfBirth": f"{learner.date_of_birth.isoformat()}T00:00:00Z" if learner.date_of_birth else None,
        "identifier": ([{"id": node_id(cid, "learner-identifier"), "type": "Identifier",
                         "schemeName": "Student identifier", "notation": learner.student_id}]
                       if learner.student_id else None),
        "contactPoint": ({"id": node_id(cid, "learner-contact"), "type": "ContactPoint",
                          "emailAddress": {"id": f"mailto:{learner.email}", "type": "Mailbox"}}
                         if learner.email else None),
        "hasClaim": compact({
            "id": node_id(cid, "achievement"),
            "type": "LearningAchievement",
            "title": record.title,
            "description": record.description,
            "awardedBy": awarding,
            "provenBy": _assessment(record, cid, awarding, lead_node),
            "influencedBy": activity,
            "creditReceived": _credit(record, node_id(cid, "credit-received")),
            "specifiedBy": spec,
        }),
    })
    language = concept(vocab.LANGUAGE.get(lang, vocab.LANGUAGE["en"]))
    return compact({
        "@context": [VC1, EDC_AP],
        "id": cid,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialProfiles": concept(vocab.CREDENTIAL_PROFILE_GENERIC),
        "credentialSchema": {"id": EDC_SCHEMA, "type": "ShaclValidator2017"},
        "displayParameter": {
            "id": node_id(cid, "display"),
            "type": "DisplayParameter",
            "title": record.title,
            "description": {"en": "Micro-credential (Council Recommendation 2022/C 243/02)"},
            "language": language,
            "primaryLanguage": language,
            "individualDisplay": {"id": node_id(cid, "display", "individual"), "type": "IndividualDisplay",
                                  "language": language,
                                  "displayDetail": {"id": node_id(cid, "display", "detail"),
                                                    "type": "DisplayDetail", "page": 1,
                                                    "image": _display_image(record, cid)}},
        },
        "issuer": lead_node,
        "issuanceDate": iso(record.issued),
        "issued": iso(record.issued),
        "validFrom": iso(record.issued),
        "validUntil": iso(record.valid_until) if record.valid_until else None,
        "credentialSubject": subject,
    })
