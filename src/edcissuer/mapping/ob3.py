"""Record -> unsigned Open Badges 3.0 OpenBadgeCredential (VC Data Model 2.0).

Two forms, one mapping:

- **standard** (the default): only the W3C VC 2.0 and OB 3.0 contexts, the ones every OB3
  verifier and wallet bundles, so the credential verifies anywhere (no `credentialSchema`:
  its type is defined only by the OB3 extensions context, which not every verifier loads). Each element sits in
  the OB 3.0 property that means it (achievement `name`, `creditsAvailable`, issuer Profile
  and its `address`, `awardedDate`, the learner's `identifier`s, the assessment and grade
  as a `resultDescription` aligned to the EU assessment type and its `result`, each weighted
  component and each module a ResultDescription of its own with its `result`, the joint
  award's group as `creator`, the assessing panel as the subject's `source`, the
  certificate number as `licenseNumber`, delivery dates as `activityStartDate`/`EndDate`,
  translations as `related` language editions). The elements OB 3.0 has no property for are
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
import re
from typing import Any
from urllib.parse import quote

from ..errors import MappingError
from ..models import vocab
from ..models.languages import language_concept
from ..models.records import Assessment, AwardingModel, LearningOutcome, MicroCredentialRecord, Organisation
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
    "region": "ext:IssuerRegion",
    "awarding_model": "ext:AwardingModel",
    "awarding_body": "ext:AwardingBody",
    "on_behalf_of": "ext:OnBehalfOf",
    "delivering_partner": "ext:DeliveringPartner",
    "assessor": "ext:Assessor",
    "eqf": "ext:EQFLevel",
    "qf_ehea": "ext:QFEHEACycle",
    "nqf": "ext:NQFLevel",
    "assessment": "ext:AssessmentType",
    "assessment_title": "ext:AssessmentTitle",
    "assessment_mode": "ext:AssessmentMode",
    "assessment_weight": "ext:AssessmentWeight",
    "assessment_component": "ext:AssessmentComponent",
    "participation": "ext:ParticipationForm",
    "learning_setting": "ext:LearningSetting",
    "partial_qualification": "ext:PartialQualification",
    "part_of": "ext:PartOfQualification",
    "thematic_area": "ext:ThematicArea",
    "maximum_duration": "ext:MaximumDuration",
    "instruction_language": "ext:InstructionLanguage",
    "assessment_language": "ext:AssessmentLanguage",
    "hours": "ext:NotionalHours",
    "no_ects": "ext:NoECTSAwarded",
    "ects": "ext:ECTSCredits",
    "module": "ext:Module",
    "start": "ext:StartDate",
    "end": "ext:EndDate",
    "profile": "ext:AllianceProfile",
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
    "nqf": "National qualifications framework",
    "assessment": "EU assessment types (ELM)",
    "assessment_mode": "EU learning activity modes (ELM and edcissuer)",
    "participation": "EU learning activity modes (ELM and edcissuer)",
    "learning_setting": "EU learning settings (ELM)",
    "thematic_area": "ISCED-F 2013 (ELM)",
    "instruction_language": "EU Language authority table",
    "assessment_language": "EU Language authority table",
    "ects": "European Credit Transfer System",
    "quality_assurance": "EU accreditation types (ELM)",
    "supervision": "Supervision and identity verification types (ELM and edcissuer)",
}
#: the targets of statements no vocabulary has a concept for: edcissuer's own IRIs, in the
#: namespace of vocab.NOTE_SUBJECTS (an element is named, never an invented EU concept)
SUBJECT: dict[str, str] = {key: f"{vocab.OWN}/note-subject/{key}" for key in (
    "issuer-region", "partial-qualification", "part-of", "nqf-level", "maximum-duration", "notional-hours",
    "no-ects-awarded", "assessment-other-type", "assessment-weight", "assessment-title", "start-date",
    "end-date")}
PROFILE_BASE = f"{vocab.OWN}/profile/"
ISCED_F = f"{vocab.SNB}/isced-f"
_ANNEX = "Council Recommendation on micro-credentials (2022), Annex I"
EXTERNAL_QA, INTERNAL_QA = "External quality assurance", "Internal quality assurance"
#: how an organisation alignment's `targetDescription` names each fact (read back by extract.py)
PLACE_KEYS: tuple[str, ...] = ("Country", "region", "short name", "DEQAR", "logo", "role")
#: how a Profile's `description` states the organisation's role (OB 3.0 Profile has no role)
ROLE_PREFIX = "Role in this credential: "
_OB3_LANG = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


def ob3_language(tag: str, field: str = "language") -> str:
    """`tag` as OB 3.0's `inLanguage` pattern writes it (`de-at` -> `de-AT`), or MappingError.

    The tag is the record's own (its language ISO 639 knows, models/languages.py); one the
    pattern cannot hold (a variant, an extension) is refused by name, never replaced by English.
    """
    primary, *rest = tag.split("-")
    parts = [primary.lower()]
    for sub in rest:
        parts.append(sub.title() if len(sub) == 4 and sub.isalpha() else sub.upper() if len(sub) in (2, 3) else sub)
    canonical = "-".join(parts)
    if not _OB3_LANG.match(canonical):
        raise MappingError(f"{field}: OB 3.0 inLanguage takes language[-Script][-REGION] only; {tag!r} has more "
                           "(write e.g. de-AT)", field=field, value=tag)
    return canonical


def _image(uri: str | None, caption: str | None) -> dict[str, Any] | None:
    return compact({"id": uri, "type": "Image", "caption": caption}) if uri else None


def profile(org: Organisation, org_node: str, lang: str, *, parent: dict[str, Any] | None = None,
            brief: bool = False) -> dict[str, Any]:
    """An OB3 Profile for an organisation (issuer, creator, assessor or alliance member).

    `brief` leaves out the identifier entries: OB3 forbids ids on them, so repeating them
    for the same organisation would add identical blank nodes to canonicalise. The short
    name is an `ext:shortName` entry (OB 3.0 has no term for it; an acronym names the body).
    """
    other_ids = [] if brief else [
        {"type": "IdentifierEntry", "identifier": value, "identifierType": kind}
        for kind, value in (("ext:legalIdentifier", org.legal_identifier),
                            ("ext:erasmusCode", org.erasmus_code),
                            ("ext:deqarId", org.deqar_id),
                            ("ext:shortName", text(org.short_name, lang)))
        if value
    ]
    name = text(org.legal_name, lang)
    return compact({
        "id": org_node,
        "type": ["Profile"],
        "name": name,
        "url": str(org.homepage) if org.homepage else None,
        "email": org.email,
        "description": f"{ROLE_PREFIX}{text(org.role, lang)}" if org.role and not brief else None,
        "image": None if brief else _image(org.logo, f"{name} logo"),
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
        "image": _image(str(alliance.logo) if alliance.logo else None, f"{text(alliance.name, lang)} logo"),
    })


def _party_profile(p: Party, record: MicroCredentialRecord, cid: str, lang: str, *,
                   brief: bool = False) -> dict[str, Any]:
    return profile(p.org, p.id, lang, parent=_alliance(record, cid, lang), brief=brief)


def _names(orgs: list[Organisation], lang: str) -> str:
    names = [text(o.legal_name, lang) or "" for o in orgs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _creator(record: MicroCredentialRecord, cid: str, lang: str) -> dict[str, Any]:
    """Who created (awards) the achievement: the lead, or in joint-award the group of every
    awarding body, so a wallet shows "jointly awarded by A, B and C" whoever issued it."""
    lead, *_ = parties(record)
    if record.awarding.model is not AwardingModel.JOINT_AWARD:
        return _party_profile(lead, record, cid, lang, brief=True)
    bodies = record.awarding.awarding_bodies
    return compact({
        "id": node_id(cid, "joint-awarding-bodies"),
        "type": ["Profile"],
        "name": f"Jointly awarded by {_names(bodies, lang)}",
        "description": (f"{text(record.awarding.lead.legal_name, lang)} issues this credential on behalf of "
                        f"all awarding bodies: {_names(bodies, lang)}."),
        "parentOrg": _alliance(record, cid, lang),
    })


def _source(record: MicroCredentialRecord, cid: str, lang: str) -> dict[str, Any]:
    """OB 3.0 `source`, "the organization that assessed the achievement on behalf of the
    issuer": the lead, or the joint panel of every assessing body (each an ext:Assessor)."""
    lead, *_ = parties(record)
    assessors = record.awarding.assessing_bodies
    if len(assessors) == 1:
        return _party_profile(lead, record, cid, lang, brief=True)
    return compact({
        "id": node_id(cid, "assessment-panel"),
        "type": ["Profile"],
        "name": f"Joint assessment panel of {_names(assessors, lang)}",
        "parentOrg": _alliance(record, cid, lang),
    })


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


def _concept(cid: str, key: str, concept: vocab.Concept, code: str, description: str | None = None,
             n: object = 0) -> dict[str, Any]:
    if concept.broader and not description:     # our own concept: name the EU one it narrows
        description = f"Narrower than {concept.broader}"
    return _alignment(cid, key, concept.uri, concept.label, code=code, description=description, n=n)


def place(org: Organisation, lang: str = "en", *, role: bool = True) -> str:
    """'Country: DE; region: Bavaria; short name: TUR; DEQAR: ...; logo: ...; role: ...': how an
    organisation alignment states the facts a Profile would (PLACE_KEYS order, role last: free text)."""
    values = (org.country, org.region, text(org.short_name, lang), org.deqar_id, org.logo,
              text(org.role, lang) if role else None)
    return "; ".join(f"{key}: {value}" for key, value in zip(PLACE_KEYS, values) if value)


def _organisation(cid: str, key: str, p: Party, lang: str, n: int) -> dict[str, Any]:
    return _alignment(cid, key, p.id, text(p.org.legal_name, lang) or p.id, code=p.org.legal_identifier,
                      description=place(p.org, lang), n=n)


def _quality_assurance(record: MicroCredentialRecord, cid: str, lang: str) -> list[dict[str, Any]]:
    qa = record.quality_assurance
    out = [_concept(cid, "quality_assurance", vocab.QA_TYPE[qa.type], qa.type, text(qa.description, lang))]
    if qa.agency:
        agency = qa.agency
        out.append(_alignment(
            cid, "qa_agency", agency.id or str(agency.homepage or node_id(cid, "qa-agency")),
            text(agency.legal_name, lang) or "", code=agency.deqar_id,
            description=f"{EXTERNAL_QA if qa.external else INTERNAL_QA}; {place(agency, lang)}"))
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


def _esco_name(lo: LearningOutcome, uri: str, lang: str) -> str:
    """An ESCO alignment's name: the skill's label when the record gives it, else the outcome's title."""
    return text(lo.esco_labels.get(uri), lang) or text(lo.title, lang) or ""


def _outcomes(record: MicroCredentialRecord, module: int | None = None) -> list[tuple[object, str, LearningOutcome]]:
    """(statement key, id, outcome) of the micro-credential's outcomes, or of module `module`'s."""
    if module is None:
        return [(i, oid, lo) for i, (oid, lo) in enumerate(zip(outcome_ids(record), record.learning_outcomes))]
    cid = record.credential_id()
    return [(f"module-{module}-{j}", node_id(cid, "module", module, "learning-outcome", j), lo)
            for j, lo in enumerate(record.modules[module].learning_outcomes)]


def _outcome_alignments(cid: str, outcomes: list[tuple[object, str, LearningOutcome]], lang: str,
                        edition: str | None = None) -> list[dict[str, Any]]:
    """Each outcome (`ext:LearningOutcome`, its id as `targetUrl`) and its ESCO skills (the skill's
    label as `targetName`, the outcome's title as `targetDescription`, which links them); in an
    edition, the texts the outcome has in that language."""
    if edition is None:
        out = [_alignment(cid, "learning_outcome", oid, text(lo.title, lang) or "", n=n) for n, oid, lo in outcomes]
        return out + [_alignment(cid, "esco", uri, _esco_name(lo, uri, lang), n=n, description=text(lo.title, lang))
                      for n, _, lo in outcomes for uri in lo.esco]
    out = [_alignment(cid, "learning_outcome", oid, lo.title[edition], n=n, edition=edition)
           for n, oid, lo in outcomes if edition in lo.title]
    return out + [_alignment(cid, "esco", uri, lo.esco_labels[uri][edition], n=n, edition=edition,
                             description=lo.title.get(edition))
                  for n, _, lo in outcomes for uri in lo.esco if edition in lo.esco_labels.get(uri, {})]


def _workload(record: MicroCredentialRecord, cid: str) -> list[dict[str, Any]]:
    """Hours (when given) and, without ECTS, the statement that none are awarded: never a 0."""
    workload = record.workload
    out = []
    if workload.hours:
        out.append(_alignment(cid, "hours", SUBJECT["notional-hours"], f"{workload.hours} hours",
                              code=str(workload.hours)))
    if workload.ects is None:
        out.append(_alignment(cid, "no_ects", SUBJECT["no-ects-awarded"], "No ECTS credits awarded",
                              description=f"Notional workload: {workload.hours} hours"))
    return out


def _level_and_setting(record: MicroCredentialRecord, cid: str, lang: str) -> list[dict[str, Any]]:
    """Level (EQF, QF-EHEA, NQF), learning setting, partial qualification, part of, ISCED-F field."""
    cv = controlled_values(record)
    level = record.level
    out = [_concept(cid, "eqf", cv["eqf"], str(level.eqf))]
    if level.qf_ehea:
        out.append(_concept(cid, "qf_ehea", cv["qf_ehea"], level.qf_ehea))
    if level.nqf:
        out.append(_alignment(cid, "nqf", str(level.nqf_uri) if level.nqf_uri else SUBJECT["nqf-level"],
                              level.nqf, code=level.nqf))
    out.append(_concept(cid, "participation", cv["participation"], record.participation))
    out.append(_concept(cid, "learning_setting", cv["learning_setting"], record.setting))
    partial = record.is_partial_qualification
    out.append(_alignment(cid, "partial_qualification", SUBJECT["partial-qualification"],
                          "Partial qualification" if partial else "Not a partial qualification",
                          code=str(partial).lower()))
    if record.part_of:
        part = record.part_of
        out.append(_alignment(cid, "part_of", part.id or SUBJECT["part-of"], text(part.title, lang) or "",
                              code="accredited" if part.accredited else "not accredited"))
    if record.thematic_area:
        out.append(_alignment(cid, "thematic_area", f"{ISCED_F}/{record.thematic_area}",
                              f"ISCED-F {record.thematic_area}", code=record.thematic_area))
    return out


def _delivery_and_languages(record: MicroCredentialRecord, cid: str) -> list[dict[str, Any]]:
    out = []
    if record.delivery and record.delivery.maximum_duration:
        duration = record.delivery.maximum_duration
        out.append(_alignment(cid, "maximum_duration", SUBJECT["maximum-duration"], f"Maximum duration {duration}",
                              code=duration))
    languages = record.languages
    for key, tags in (("instruction_language", languages.instruction if languages else []),
                      ("assessment_language", languages.assessment if languages else [])):
        for tag in tags:
            concept = language_concept(tag)
            out.append(_alignment(cid, key, concept.uri, concept.label, code=tag, n=tag))
    return out


def _alignments(record: MicroCredentialRecord, cid: str, lang: str) -> list[dict[str, Any]]:
    """Every element OB 3.0 has no property for, as alignments of the achievement (the
    assessment sits on its ResultDescriptions instead: see `_assessment`)."""
    out = _outcome_alignments(cid, _outcomes(record), lang)
    out += [_concept(cid, "country", vocab.COUNTRY[c], c) for c in record.issuer_countries]
    out += [_alignment(cid, "region", SUBJECT["issuer-region"], region, code=region, n=i)
            for i, region in enumerate(record.issuer_regions)]
    model = record.awarding.model.value
    out.append(_concept(cid, "awarding_model", vocab.AWARDING_MODEL[model], model))
    awarding = awarding_parties(record)
    out += [_organisation(cid, "awarding_body", p, lang, i) for i, p in enumerate(awarding) if p.role != "lead"]
    out += [_organisation(cid, "on_behalf_of", p, lang, i) for i, p in enumerate(awarding)
            if p.org in record.awarding.on_behalf_of]
    out += [_organisation(cid, "delivering_partner", p, lang, i) for i, p in enumerate(delivering_parties(record))]
    if len(record.awarding.assessing_bodies) > 1:
        out += [_organisation(cid, "assessor", p, lang, i) for i, p in enumerate(parties(record))
                if p.org in record.awarding.assessing_bodies]
    out += _level_and_setting(record, cid, lang)
    out += _workload(record, cid)
    out += _delivery_and_languages(record, cid)
    out += _quality_assurance(record, cid, lang)
    if record.supervision:
        out.append(_concept(cid, "supervision", controlled_values(record)["supervision"], record.supervision.code))
    out += _note(cid, "prerequisites", "prerequisites", record.prerequisites, lang)
    if record.stackability:
        stack = record.stackability
        out += _note(cid, "stackability", "stackability",
                     stack.description or {"en": ""}, lang, "Stackable" if stack.stackable else "Not stackable")
        out += [_alignment(cid, "stackable_towards", uri, "Counts towards", n=i) for i, uri in enumerate(stack.towards)]
    out += _note(cid, "further_information", "further-information", record.further_information, lang)
    out += [_alignment(cid, "profile", PROFILE_BASE + quote(name, safe=""), f"Alliance profile {name}", code=name,
                       n=name) for name in record.profiles]
    return out


def _type_of(a: Assessment, record: MicroCredentialRecord) -> tuple[str, str, str | None]:
    """(targetUrl, label, EU code) of an assessment's type: its EU type, else its free-text
    type (with its vocabulary URI when given), else -- for a whole made of components -- the
    EU type that stands for it, else its first component's free-text type."""
    if a.type:
        concept = vocab.ASSESSMENT[a.type]
        return concept.uri, concept.label, a.type
    if a.other_type:
        return (str(a.type_uri) if a.type_uri else SUBJECT["assessment-other-type"],
                text(a.other_type, record.language) or "", None)
    if a.eu_type:
        concept = vocab.ASSESSMENT[a.eu_type]
        return concept.uri, concept.label, a.eu_type
    return _type_of(a.components[0], record)


def _assessment_alignments(a: Assessment, record: MicroCredentialRecord, cid: str, scope: str,
                           mode: str | None) -> list[dict[str, Any]]:
    """The statements of one assessment (the whole, a component, a module's): type, title,
    weight, mode. `scope` keeps each statement's id its own."""
    lang = record.language
    url, label, code = _type_of(a, record)
    out = [_alignment(cid, "assessment", url, label, code=code, description=text(a.description, lang), n=scope)]
    if a.title:
        out.append(_alignment(cid, "assessment_title", SUBJECT["assessment-title"], text(a.title, lang) or "",
                              n=scope))
    if a.weight is not None:
        out.append(_alignment(cid, "assessment_weight", SUBJECT["assessment-weight"], f"{a.weight:g}%",
                              code=f"{a.weight:g}", n=scope))
    if mode:
        out.append(_concept(cid, "assessment_mode", vocab.PARTICIPATION[mode], mode, n=scope))
    return out


def result_description_id(cid: str, *parts: object) -> str:
    """The id of the main assessment's ResultDescription ('assessment'), a component's
    ('assessment', i) or a module's ('module', i)."""
    return node_id(cid, "result-description", *parts)


def _assessment(record: MicroCredentialRecord, cid: str, lang: str) -> tuple[list[dict[str, Any]],
                                                                             list[dict[str, Any]]]:
    """Type of assessment (i) and grade as OB 3.0's own pair: the achievement's ResultDescription,
    aligned to the EU assessment-type concept, and the learner's Result linked to it (the
    grade as `value`; without a grade, `status` Completed, as OB 3.0 requires for Status).
    Each weighted component has a ResultDescription of its own (an ext:AssessmentComponent)."""
    assessment, grade = record.assessment, record.grade
    _, label, _ = _type_of(assessment, record)
    description_id = result_description_id(cid, "assessment")
    scheme = text(grade.scheme, lang) if grade and grade.scheme else None
    name = f"Assessment: {label}" + (f"; grade ({scheme})" if scheme else "; grade" if grade else "")
    descriptions = [{
        "id": description_id,
        "type": ["ResultDescription"],
        "name": name,
        # OB 3.0 "Result": a result of no more specific type (an ELM grade is free text)
        "resultType": "Result" if grade else "Status",
        "alignment": _assessment_alignments(assessment, record, cid, "assessment", record.assessment_mode),
    }]
    for i, component in enumerate(assessment.components):
        _, c_label, _ = _type_of(component, record)
        c_name = text(component.title, lang) or c_label
        descriptions.append({
            "id": result_description_id(cid, "assessment", i),
            "type": ["ResultDescription"],
            "name": f"Assessment component: {c_name}" + (f" ({component.weight:g}%)" if component.weight else ""),
            "resultType": "Status",
            "alignment": [_alignment(cid, "assessment_component", result_description_id(cid, "assessment", i),
                                     c_name, code=str(i + 1)),
                          *_assessment_alignments(component, record, cid, f"component-{i}", component.mode)],
        })
    result = compact({"id": node_id(cid, "result", "assessment"), "type": ["Result"],
                      "resultDescription": description_id,
                      "value": text(grade.value, lang) if grade else None,
                      "status": None if grade else "Completed"})
    return descriptions, [result]


def _modules(record: MicroCredentialRecord, cid: str, lang: str) -> tuple[list[dict[str, Any]],
                                                                          list[dict[str, Any]]]:
    """Each module as a ResultDescription of the achievement (its title, ECTS, hours,
    assessment, dates as alignments) and the learner's Result for it (grade, or Completed):
    OB 3.0's own way to state the parts of an achievement a learner was assessed on."""
    descriptions, results = [], []
    for i, module in enumerate(record.modules):
        rd_id = result_description_id(cid, "module", i)
        title = text(module.title, lang) or ""
        aligned = [_alignment(cid, "module", module.id or node_id(cid, "module", i), title, code=str(i + 1),
                              n=f"module-{i}"), *_outcome_alignments(cid, _outcomes(record, i), lang)]
        if module.ects is not None:
            aligned.append(_alignment(cid, "ects", vocab.ECTS.uri, f"{module.ects:g} ECTS", code=f"{module.ects:g}",
                                      n=f"module-{i}"))
        if module.hours:
            aligned.append(_alignment(cid, "hours", SUBJECT["notional-hours"], f"{module.hours} hours",
                                      code=str(module.hours), n=f"module-{i}"))
        if module.assessment:
            aligned += _assessment_alignments(module.assessment, record, cid, f"module-{i}", module.assessment.mode)
        for key, when in (("start", module.start), ("end", module.end)):
            if when:
                aligned.append(_alignment(cid, key, SUBJECT[f"{key}-date"], iso(when), code=iso(when),
                                          n=f"module-{i}"))
        descriptions.append({"id": rd_id, "type": ["ResultDescription"], "name": f"Module: {title}",
                             "resultType": "Result" if module.grade else "Status", "alignment": aligned})
        results.append(compact({"id": node_id(cid, "result", "module", i), "type": ["Result"],
                                "resultDescription": rd_id,
                                "value": text(module.grade.value, lang) if module.grade else None,
                                "status": None if module.grade else "Completed"}))
    return descriptions, results


def workload_text(record: MicroCredentialRecord) -> str:
    """'5 ECTS (125 hours)', or '40 hours (no ECTS awarded)': never an invented 0 ECTS."""
    workload = record.workload
    if workload.ects is None:
        return f"{workload.hours} hours (no ECTS awarded)"
    return f"{workload.ects:g} ECTS" + (f" ({workload.hours} hours)" if workload.hours else "")


def _criteria(record: MicroCredentialRecord, lang: str) -> str:
    """What a wallet shows as 'criteria': the outcomes and how they are assessed, in Markdown."""
    lines = ["The learner achieved the following learning outcomes:"]
    lines += [f"- {text(lo.title, lang)}" for lo in record.learning_outcomes]
    _, label, _ = _type_of(record.assessment, record)
    lines.append(f"\nAssessed by {label}"
                 + (f": {text(record.assessment.description, lang)}" if record.assessment.description else "."))
    for component in record.assessment.components:
        _, c_label, _ = _type_of(component, record)
        weight = f" ({component.weight:g}%)" if component.weight else ""
        lines.append(f"- {text(component.title, lang) or c_label}{weight}")
    for module in record.modules:
        ects = f", {module.ects:g} ECTS" if module.ects is not None else ""
        lines.append(f"- Module: {text(module.title, lang)}{ects}")
    lines.append(f"\nWorkload: {workload_text(record)}; level: EQF {record.level.eqf}; "
                 f"participation: {record.participation}.")
    if record.prerequisites:
        lines.append(f"\nPrerequisites: {text(record.prerequisites, lang)}")
    return "\n".join(lines)


def _edition_organisations(record: MicroCredentialRecord, cid: str, other: str) -> list[dict[str, Any]]:
    """The short names and roles the record has in `other`, restated on each organisation's alignment."""
    out = []
    awarding = awarding_parties(record)
    keyed = [("awarding_body", p, i) for i, p in enumerate(awarding) if p.role != "lead"]
    keyed += [("delivering_partner", p, i) for i, p in enumerate(delivering_parties(record))]
    for key, p, i in keyed:
        facts = [(k, v.get(other)) for k, v in (("short name", p.org.short_name), ("role", p.org.role)) if v]
        said = "; ".join(f"{k}: {v}" for k, v in facts if v)
        if said:
            out.append(_alignment(cid, key, p.id, p.org.legal_name.get(other) or text(p.org.legal_name, other) or "",
                                  description=said, n=i, edition=other))
    return out


def _edition_assessments(record: MicroCredentialRecord, cid: str, other: str) -> list[dict[str, Any]]:
    """Titles and descriptions of the assessment's components and of the modules (and the
    modules' grades) in `other`, each restated with its ResultDescription as `targetUrl`."""
    out = []
    main = record.assessment
    if main.title and other in main.title:
        out.append(_alignment(cid, "assessment_title", result_description_id(cid, "assessment"), main.title[other],
                              edition=other))
    scoped: list[tuple[str, str, Assessment | None, dict[str, str] | None]] = [
        (result_description_id(cid, "assessment", i), "assessment_title", c, c.title)
        for i, c in enumerate(main.components)]
    scoped += [(result_description_id(cid, "module", i), "module", m.assessment, m.title)
               for i, m in enumerate(record.modules)]
    for rd_id, title_key, a, title in scoped:
        if title and other in title:
            out.append(_alignment(cid, title_key, rd_id, title[other], edition=other))
        if a is not None and a.description and other in a.description:
            _, label, code = _type_of(a, record)
            out.append(_alignment(cid, "assessment", rd_id, label, code=code, description=a.description[other],
                                  edition=other))
        if a is not None and title_key == "module" and a.title and other in a.title:
            out.append(_alignment(cid, "assessment_title", rd_id, a.title[other], edition=other))
    for i, m in enumerate(record.modules):
        if m.grade and other in m.grade.value:
            out.append(_alignment(cid, "grade", result_description_id(cid, "module", i), "Grade",
                                  description=m.grade.value[other], edition=other))
    return out


def _edition_alignments(record: MicroCredentialRecord, cid: str, other: str) -> list[dict[str, Any]]:
    """The free texts the record has in language `other`, each restated as the alignment the
    achievement states it with (same `targetType` and `targetUrl`, text in `other`)."""
    cv = controlled_values(record)
    out = _outcome_alignments(cid, _outcomes(record), record.language, other)
    out += [a for i in range(len(record.modules))
            for a in _outcome_alignments(cid, _outcomes(record, i), record.language, other)]
    assessment, qa = record.assessment, record.quality_assurance
    if assessment.description and other in assessment.description:
        url, label, code = _type_of(assessment, record)
        out.append(_alignment(cid, "assessment", url, label, code=code, description=assessment.description[other],
                              edition=other))
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
    if record.part_of and other in record.part_of.title:
        part = record.part_of
        out.append(_alignment(cid, "part_of", part.id or SUBJECT["part-of"], part.title[other],
                              code="accredited" if part.accredited else "not accredited", edition=other))
    grade = record.grade
    if grade and other in grade.value:
        scheme = grade.scheme.get(other) if grade.scheme else None
        out.append(_alignment(cid, "grade", result_description_id(cid, "assessment"),
                              "Grade" + (f" ({scheme})" if scheme else ""), description=grade.value[other],
                              edition=other))
    return out + _edition_organisations(record, cid, other) + _edition_assessments(record, cid, other)


def _texts(record: MicroCredentialRecord) -> list[dict[str, str] | None]:
    """Every free text of the record, for the languages its editions must carry."""
    a = record.assessment
    assessments = [a, *a.components, *(m.assessment for m in record.modules if m.assessment)]
    orgs = [*record.awarding.partners]
    return [
        record.title, record.description, *(lo.title for lo in record.learning_outcomes),
        *(label for lo in record.learning_outcomes for label in lo.esco_labels.values()),
        *(x.description for x in assessments), *(x.title for x in assessments),
        record.quality_assurance.description, record.prerequisites,
        record.stackability.description if record.stackability else None, record.further_information,
        record.grade.value if record.grade else None, record.part_of.title if record.part_of else None,
        *(m.title for m in record.modules), *(m.grade.value for m in record.modules if m.grade),
        *(t for m in record.modules for lo in m.learning_outcomes for t in (lo.title, *lo.esco_labels.values())),
        *(o.short_name for o in orgs), *(o.role for o in orgs)]


def _language_editions(record: MicroCredentialRecord, cid: str, lang: str) -> list[dict[str, Any]]:
    """The record's other languages as OB 3.0 `related` language editions: the title and
    description, and every other free text restated as alignments in that language, so the
    standard form carries every language with OB 3.0 terms only (its strings hold one each)."""
    description = record.description or {}
    others = [x for x in dict.fromkeys(k for t in _texts(record) if t for k in t) if x != lang]
    return [compact({"id": node_id(cid, "achievement", "edition", other), "type": ["Related"],
                     "inLanguage": ob3_language(other, "language map"), "name": record.title.get(other),
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
    descriptions, results = _assessment(record, cid, lang)
    module_descriptions, module_results = _modules(record, cid, lang)
    ects = record.workload.ects
    delivery = record.delivery
    achievement = compact({
        "id": record.specification or node_id(cid, "achievement"),
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": text(record.title, lang),
        "description": text(record.description, lang) or f"Micro-credential: {text(record.title, lang)}",
        "criteria": {"id": node_id(cid, "criteria"), "narrative": _criteria(record, lang)},
        "creditsAvailable": ects,
        "fieldOfStudy": f"ISCED-F {record.thematic_area}" if record.thematic_area else None,
        "alignment": _alignments(record, cid, lang),
        "inLanguage": ob3_language(lang),
        "image": _image(str(record.image) if record.image else None, text(record.title, lang)),
        "creator": _creator(record, cid, lang),
        "related": _language_editions(record, cid, lang) or None,
        "tag": ["micro-credential", f"EQF {record.level.eqf}",
                f"{ects:g} ECTS" if ects is not None else "no ECTS awarded", record.participation],
        "resultDescription": descriptions + module_descriptions,
    })
    subject = compact({
        "id": learner.id or node_id(cid, "learner"),
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": achievement,
        "creditsEarned": ects,
        "activityStartDate": iso(delivery.start) if delivery and delivery.start else None,
        "activityEndDate": iso(delivery.end) if delivery and delivery.end else None,
        "licenseNumber": record.identifier,
        "source": _source(record, cid, lang),
        "result": results + module_results,
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
        "assessmentType": _type_of(record.assessment, record)[0],
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
