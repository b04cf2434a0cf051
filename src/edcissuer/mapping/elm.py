"""Record -> unsigned ELM v3 European Digital Credential (JSON-LD, VC 1.1 envelope).

Shaped as the EU's own issuer shapes micro-credentials (see the official sample
Sample-MC-Annex1, and docs/elm-vs-eu-sample.md for every difference): a Person whose
`hasClaim` is a LearningAchievement, `specifiedBy` a Qualification carrying learning
outcomes, ECTS, EQF/NQF, mode and QA (`accreditation`), `awardedBy` an AwardingProcess naming
the awarding bodies only (every partner in joint-award, the lead otherwise), `provenBy` the
assessment (a joint panel in both joint models), `influencedBy` the learning activity the
delivering or participating partners directed, `hasPart` the modules, and for joint-award one
`evidence` of type Mandate per partner the lead issues for. Every controlled value is an inline
skos Concept with `inScheme`.
"""
from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

from ..models import vocab
from ..models.languages import language_concept
from ..models.records import Assessment, Grade, LearningOutcome, MicroCredentialRecord, Module, Organisation
from .common import (
    EDC_AP,
    EDC_SCHEMA,
    VC1,
    Party,
    assessing_parties,
    awarding_parties,
    compact,
    controlled_values,
    delivering_parties,
    ects_text,
    eu_concept,
    iso,
    node_id,
    on_behalf_parties,
    outcome_ids,
    parties,
    text,
    volume_of_learning,
)
from .display import render_summary_png

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


def modes(c: vocab.Concept) -> dict[str, Any] | list[dict[str, Any]]:
    """`mode` value(s): an own concept (hybrid, online-synchronous) comes after the EU concept it
    narrows, so EU readers see an EU mode and ours read the precise one back."""
    if c.broader is None:
        return concept(c)
    return [concept(eu_concept(c)), concept(c)]


def _language(tag: str) -> dict[str, Any]:
    """The EU language concept of a tag (ISO 639 via language_concept: never a default)."""
    return concept(language_concept(tag))


def _languages(tags: list[str]) -> dict[str, Any] | list[dict[str, Any]] | None:
    values = [_language(t) for t in dict.fromkeys(tags)]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _note(node: str, literal: dict[str, str], subject: str | None = None) -> dict[str, Any]:
    return compact({"id": node, "type": "Note", "noteLiteral": literal,
                    "subject": concept(NOTE_SUBJECTS[subject]) if subject else None})


def _country(code: str) -> dict[str, Any]:
    return concept(vocab.COUNTRY[code])


_DATA_URI = re.compile(r"^data:(image/(?:png|jpeg|svg\+xml));base64,(.*)$", re.S)


def _logo(logo: str | None, node: str) -> dict[str, Any] | None:
    """An embedded logo as the ELM `logo` MediaObject; an https logo is left out (ELM's logo is
    the image itself, and displays are drawn from signed bytes, never fetched)."""
    match = _DATA_URI.match(logo or "")
    if match is None:
        return None
    return {"id": node, "type": "MediaObject", "content": re.sub(r"\s", "", match.group(2)),
            "contentEncoding": concept(vocab.BASE64_ENCODING),
            "contentType": concept(vocab.FILE_TYPES[match.group(1)])}


def organisation(org: Organisation, org_node: str, cid: str, *, eidas: bool = False,
                 group: dict[str, Any] | None = None, role: dict[str, str] | None = None) -> dict[str, Any]:
    """An ELM Organisation; `eidas` adds the legal identifier the EDC issuer profile requires;
    `role` is what the partner does where the record does not say it in its own words."""
    role = org.role or role
    base = node_id(cid, "org-detail", org_node)
    legal_id = None
    if org.legal_identifier:
        legal_id = {"id": f"{base}:legal", "type": "LegalIdentifier",
                    "notation": org.legal_identifier, "spatial": _country(org.country)}
    address = {"id": f"{base}:address", "type": "Address", "countryCode": _country(org.country)}
    identifiers = [compact({"id": f"{base}:{key}", "type": "Identifier", "schemeName": scheme, "notation": value})
                   for key, scheme, value in (("erasmus", "Erasmus institution code", org.erasmus_code),
                                              ("deqar", "DEQAR", org.deqar_id)) if value]
    return compact({
        "id": org_node,
        "type": "Organisation",
        "legalName": org.legal_name,
        "altLabel": org.short_name,
        "location": compact({"id": f"{base}:location", "type": "Location", "address": address,
                             "geographicName": {"en": org.region} if org.region else None}),
        "registration": legal_id,
        "eIDASIdentifier": ({**legal_id, "id": f"{base}:eidas"} if eidas and legal_id else None),
        "identifier": identifiers or None,
        "homepage": ({"id": f"{base}:homepage", "type": "WebResource",
                      "contentURL": str(org.homepage)} if org.homepage else None),
        "contactPoint": ({"id": f"{base}:contact", "type": "ContactPoint",
                          "emailAddress": {"id": f"mailto:{org.email}", "type": "Mailbox"}}
                         if org.email else None),
        "logo": _logo(org.logo, f"{base}:logo"),
        "additionalNote": [_note(f"{base}:role", role, "partner-role")] if role else None,
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
    # only the record's own words: the role each awarding model gives is stated by the model
    # itself (awardingBody / directedBy) and worded by the display page and the certificate
    return organisation(party.org, party.id, cid, eidas=eidas, group=_alliance_group(record, cid))


def _one_or_list(nodes: list[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]] | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else nodes


def _credit(ects: float | None, node: str) -> dict[str, Any] | None:
    """ECTS as a CreditPoint; none at all when no ECTS are awarded (never "0" ECTS)."""
    if ects is None:
        return None
    return {"id": node, "type": "CreditPoint", "framework": concept(vocab.ECTS), "point": ects_text(ects)}


def _accreditation(record: MicroCredentialRecord, cid: str, lead_node: dict[str, Any],
                   awarding_nodes: list[dict[str, Any]]) -> dict[str, Any]:
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
        # the accredited organisations are the awarding bodies (every partner in joint-award)
        "organisation": _one_or_list(awarding_nodes),
        "report": ({"id": f"{base}:report", "type": "WebResource", "contentURL": str(qa.report)}
                   if qa.report else None),
        "additionalNote": [_note(f"{base}:external", {"en": "external" if qa.external else "internal"},
                                 "quality-assurance")],
    })


def _outcome_nodes(outcomes: list[LearningOutcome], ids: list[str]) -> list[dict[str, Any]]:
    out = []
    for oid, lo in zip(ids, outcomes):
        out.append(compact({
            "id": oid,
            "type": "LearningOutcome",
            "title": lo.title,
            "relatedESCOSkill": [compact({"id": uri, "type": "Concept",
                                          "inScheme": {"id": vocab.ESCO_SKILLS_SCHEME, "type": "ConceptScheme"},
                                          "prefLabel": lo.esco_labels.get(uri)})
                                 for uri in lo.esco] or None,
        }))
    return out


def _outcomes(record: MicroCredentialRecord) -> list[dict[str, Any]]:
    return _outcome_nodes(record.learning_outcomes, outcome_ids(record))


def _assessment_type(a: Assessment | None) -> tuple[dict[str, str], vocab.Concept | None]:
    """The type's title and its EU concept (None for a type in words: no dcType then)."""
    eu = a.eu_type if a else None
    if eu:
        return {"en": vocab.ASSESSMENT[eu].label}, vocab.ASSESSMENT[eu]
    if a is not None and a.other_type:
        return a.other_type, None
    return {"en": "Assessment"}, None


def _assessment_spec(a: Assessment | None, base: str, *, mode: str | None, languages: list[str],
                     grade: Grade | None = None) -> dict[str, Any]:
    """How it is assessed; weighted components are parts of the specification (`hasPart`):
    they state type, weight and mode, not a result of their own (ELM wants a grade on every
    LearningAssessment, and the record grades the whole)."""
    type_title, eu = _assessment_type(a)
    notes = []
    if a is not None and a.type is None and a.other_type:
        notes.append(_note(f"{base}:type", a.other_type, "assessment-type"))
        if a.type_uri:
            notes.append(_note(f"{base}:type-uri", {"en": str(a.type_uri)}, "assessment-type-uri"))
    if a is not None and a.weight is not None:
        # ELM has no weight property: the share of the final result is a note (and in the title)
        notes.append(_note(f"{base}:weight", {"en": f"{a.weight:g}%"}, "assessment-weight"))
    title = (a.title if a else None) or type_title
    if a is not None and a.weight is not None:
        title = {lang: f"{t} ({a.weight:g}%)" for lang, t in title.items()}
    return compact({
        "id": f"{base}:specification",
        "type": "LearningAssessmentSpecification",
        "title": title,
        "description": a.description if a else None,
        "dcType": concept(eu) if eu else None,
        "mode": modes(vocab.PARTICIPATION[mode]) if mode else None,
        "language": _languages(languages),
        "additionalNote": notes or None,
        "gradingScheme": ({"id": f"{base}:grading-scheme", "type": "GradingScheme",
                           "title": grade.scheme} if grade and grade.scheme else None),
        "hasPart": [_assessment_spec(c, f"{base}:part-{i}", mode=c.mode, languages=languages)
                    for i, c in enumerate(a.components)] if a else None,
    })


def _grade(grade: Grade | None, node: str) -> dict[str, Any]:
    """The grade note; ELM requires one on every assessment, so without a grade it says none was
    awarded (subject no-grade, which readers take as no grade)."""
    if grade is not None:
        return _note(node, grade.value)
    return _note(node, {"en": "Passed; no grade awarded"}, "no-grade")


def _assessment_node(a: Assessment | None, base: str, awarding: dict[str, Any], assessors: list[dict[str, Any]],
                     *, mode: str | None, languages: list[str], grade: Grade | None) -> dict[str, Any]:
    type_title, _ = _assessment_type(a)
    title = (a.title if a else None) or {lang: f"Assessment: {t}" for lang, t in type_title.items()}
    return compact({
        "id": base,
        "type": "LearningAssessment",
        "title": title,
        "awardedBy": awarding,
        "assessedBy": _one_or_list(assessors),
        "grade": _grade(grade, f"{base}:grade"),
        "specifiedBy": _assessment_spec(a, base, mode=mode, languages=languages, grade=grade),
    })


def _assessment(record: MicroCredentialRecord, cid: str, awarding: dict[str, Any],
                assessors: list[dict[str, Any]]) -> dict[str, Any]:
    cv = controlled_values(record)
    languages = record.languages.assessment if record.languages else []
    node = _assessment_node(record.assessment, node_id(cid, "assessment"), awarding, assessors,
                            mode=record.assessment_mode, languages=languages, grade=record.grade)
    node["idVerification"] = concept(cv["supervision"]) if "supervision" in cv else None
    return compact(node)


def _period(node: str, start: datetime | None, end: datetime | None) -> dict[str, Any] | None:
    if start is None and end is None:
        return None
    return compact({"id": node, "type": "PeriodOfTime", "startDate": iso(start) if start else None,
                    "endDate": iso(end) if end else None})


def _module(record: MicroCredentialRecord, cid: str, i: int, m: Module, awarding: dict[str, Any],
            assessors: list[dict[str, Any]]) -> dict[str, Any]:
    """One module: a LearningAchievement of its own (ELM `hasPart`), with its specification,
    ECTS, assessment and grade, and the period it ran in (its learning activity)."""
    base = node_id(cid, "module", i)
    languages = record.languages.assessment if record.languages else []
    spec = compact({
        "id": m.id or f"{base}:specification",
        "type": "LearningAchievementSpecification",
        "title": m.title,
        "creditPoint": _credit(m.ects, f"{base}:credit-point"),
        "volumeOfLearning": f"PT{m.hours}H" if m.hours else None,
        "learningOutcome": _outcome_nodes(m.learning_outcomes,
                                          [f"{base}:outcome-{j}" for j in range(len(m.learning_outcomes))]) or None,
    })
    proven = None
    if m.assessment is not None or m.grade is not None:
        proven = _assessment_node(m.assessment, f"{base}:assessment", awarding, assessors,
                                  mode=m.assessment.mode if m.assessment else None,
                                  languages=languages, grade=m.grade)
    period = _period(f"{base}:period", m.start, m.end)
    activity = ({"id": f"{base}:activity", "type": "LearningActivity", "title": m.title,
                 "awardedBy": awarding, "temporal": period} if period else None)
    return compact({
        "id": base,
        "type": "LearningAchievement",
        "title": m.title,
        "awardedBy": awarding,
        "provenBy": proven,
        "influencedBy": activity,
        "creditReceived": _credit(m.ects, f"{base}:credit-received"),
        "specifiedBy": spec,
    })


def _nqf(record: MicroCredentialRecord, cid: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The NQF level as `nqfLevel` when its URI is an EU qualification-framework concept
    (EDC-generic-full requires that scheme), else as a note: carried, never dropped."""
    level = record.level
    if level.nqf is None and level.nqf_uri is None:
        return None, None
    uri = str(level.nqf_uri) if level.nqf_uri else None
    if uri and uri.startswith(f"{vocab.SNB}/qdr/"):
        return compact({"id": uri, "type": "Concept", "inScheme": {"id": vocab.NQF_SCHEME, "type": "ConceptScheme"},
                        "prefLabel": {"en": level.nqf} if level.nqf else None}), None
    literal = " ".join(x for x in (level.nqf, f"<{uri}>" if uri else None) if x)
    return None, _note(node_id(cid, "note", "nqf"), {"en": literal}, "nqf")


def _thematic_area(code: str | None) -> dict[str, Any] | None:
    if code is None:
        return None
    return {"id": f"{vocab.SNB}/isced-f/{code}", "type": "Concept",
            "inScheme": {"id": vocab.ISCED_F_SCHEME, "type": "ConceptScheme"}, "notation": code}


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
    if record.regions:
        notes.append(_note(node_id(cid, "note", "issuer-regions"), {"en": "; ".join(record.regions)},
                           "issuer-regions"))
    if not record.workload.ects_awarded:
        notes.append(_note(node_id(cid, "note", "no-ects"),
                           {"en": f"No ECTS credits awarded; notional workload {record.workload.hours} hours"},
                           "no-ects"))
    if record.part_of is not None:
        notes.append(_note(node_id(cid, "note", "part-of-accredited"),
                           {"en": "accredited" if record.part_of.accredited else "not accredited"},
                           "part-of-accredited"))
    for i, profile in enumerate(record.profiles):
        notes.append(_note(node_id(cid, "note", "alliance-profile", i), {"en": profile}, "alliance-profile"))
    if record.stackability:
        st = record.stackability
        literal = st.description or {"en": "Stackable" if st.stackable else "Not stackable"}
        notes.append(_note(node_id(cid, "note", "stackability"), literal, "stackability"))
    if record.further_information:
        notes.append(_note(node_id(cid, "note", "further-information"), record.further_information,
                           "further-information"))
    return notes


def _mandates(record: MicroCredentialRecord, cid: str, lead_name: str) -> list[dict[str, Any]]:
    """joint-award: one ELM Evidence of type Mandate per awarding body the lead issues for
    (the EDC issued-by-mandate construct: the claims are made for the indicated body)."""
    out = []
    for party in on_behalf_parties(record):
        name = text(party.org.legal_name, "en")
        out.append({
            "id": node_id(cid, "mandate", party.id),
            "type": "Evidence",
            "dcType": concept(vocab.EVIDENCE_MANDATE),
            "evidenceStatement": (f"Issued by {lead_name} on behalf of {name}, an awarding body of this "
                                  "joint micro-credential (joint-award)"),
            "evidenceTarget": _party_org(party, record, cid),
        })
    return out


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
        "awardingBody": _one_or_list(awarding_bodies),
        "awardingDate": iso(record.issued),
        # ELM allows one location; further countries are those of the listed bodies,
        # or a note when the record states them explicitly.
        "location": {"id": node_id(cid, "awarding-location"), "type": "Location",
                     "address": {"id": node_id(cid, "awarding-address"), "type": "Address",
                                 "countryCode": _country(record.issuer_countries[0])}},
    })
    assessors = [_party_org(p, record, cid, eidas=(p.role == "lead")) for p in assessing_parties(record)]
    delivering = delivering_parties(record)
    delivery = record.delivery
    period = _period(node_id(cid, "delivery-period"), delivery.start if delivery else None,
                     delivery.end if delivery else None)
    activity = None
    if delivering or period:
        # joint-lead: the participating partners are stated as directing the learning activity
        activity = compact({
            "id": node_id(cid, "learning-activity"),
            "type": "LearningActivity",
            "title": {"en": f"Delivery of {text(record.title, 'en')}"},
            "awardedBy": awarding,
            "directedBy": [_party_org(p, record, cid) for p in delivering] or None,
            "temporal": period,
        })
    nqf_level, nqf_note = _nqf(record, cid)
    instruction = (record.languages.instruction if record.languages else []) or [lang]
    part_of = record.part_of
    spec = compact({
        "id": record.specification or node_id(cid, "qualification"),
        "type": "Qualification",
        "title": record.title,
        "description": record.description,
        "learningOutcome": _outcomes(record),
        "creditPoint": _credit(record.workload.ects, node_id(cid, "credit-point")),
        "volumeOfLearning": volume_of_learning(record),
        "maximumDuration": delivery.maximum_duration if delivery else None,
        "eqfLevel": concept(cv["eqf"]),
        "nqfLevel": nqf_level,
        "thematicArea": _thematic_area(record.thematic_area),
        "mode": modes(cv["participation"]),
        "learningSetting": concept(cv["learning_setting"]),
        "dcType": concept(vocab.SHORT_LEARNING_PROGRAMME),
        "language": _languages(instruction),
        "entryRequirement": (_note(node_id(cid, "note", "prerequisites"), record.prerequisites)
                             if record.prerequisites else None),
        "accreditation": _accreditation(record, cid, lead_node, awarding_bodies),
        "additionalNote": [*_notes(record, cid), *([nqf_note] if nqf_note else [])],
        "homepage": ({"id": node_id(cid, "homepage"), "type": "WebResource",
                      "contentURL": str(record.homepage)} if record.homepage else None),
        "isPartialQualification": record.is_partial_qualification,
        "isPartOf": ({"id": part_of.id or node_id(cid, "part-of"), "type": "Qualification",
                      "title": part_of.title} if part_of else None),
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
            "provenBy": _assessment(record, cid, awarding, assessors),
            "influencedBy": activity,
            "creditReceived": _credit(record.workload.ects, node_id(cid, "credit-received")),
            "specifiedBy": spec,
            "hasPart": [_module(record, cid, i, m, awarding, assessors)
                        for i, m in enumerate(record.modules)] or None,
        }),
    })
    language = _language(lang)
    return compact({
        "@context": [VC1, EDC_AP],
        "id": cid,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "identifier": ({"id": node_id(cid, "identifier"), "type": "Identifier",
                        "schemeName": "Certificate number", "notation": record.identifier}
                       if record.identifier else None),
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
        "evidence": _mandates(record, cid, text(lead.org.legal_name, "en") or lead.id) or None,
    })
