"""The OB 3.0 mapping read back exactly, and the properties it shares with the ELM <-> OB 3.0
crosswalk (docs/ob3-mapping.md) where the crosswalk maps an element."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import jsonschema
import pytest
import yaml

from conftest import SAMPLES, need_reference
from edcissuer.issue import issue
from edcissuer.ld.expand import expand_strict
from edcissuer.ld.loader import default_loader
from edcissuer.mapping.common import iso, node_id, parties, text
from edcissuer.mapping.extract import extract_elements
from edcissuer.mapping.ob3 import to_ob3
from edcissuer.models import vocab
from edcissuer.models.records import Assessment, LearningOutcome, MicroCredentialRecord, Organisation, parse_record

NAMES = [p.stem for p in SAMPLES]
FORMS = ("standard", "extended")
VC2_AND_OB3 = ["https://www.w3.org/ns/credentials/v2",
               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def texts(value: dict[str, str] | None) -> dict[str, str] | None:
    """Every language of a text: the standard form's strings hold the record's language and its
    `related` language editions the others; the extended form has language maps."""
    return dict(value) if value is not None else None


def coded(table: dict[str, vocab.Concept], code: str | None) -> dict[str, str] | None:
    return {"code": code, "uri": table[code].uri, "label": table[code].label} if code else None


def every(value: dict[str, str] | None, lang: str) -> dict[str, str]:
    """A text as OB3 gives it back: in the record's language (OB 3.0 strings hold one) plus the
    other languages of its `related` editions."""
    return {lang: text(value, lang), **{k: v for k, v in value.items() if k != lang}} if value else {}


def one(value: dict[str, str] | None, lang: str) -> dict[str, str]:
    return {lang: text(value, lang)} if value else {}


def body(org: Organisation, body_id: str | None, lang: str, *, languages: bool = False) -> dict[str, object]:
    """An organisation as read back: OB 3.0 Profile.name is one string, so names come back in the
    record's language; a partner's short name and role come in every language (its alignment and
    the editions), the lead's (its Profile) in the record's."""
    texts = every if languages else one
    return {"id": body_id, "name": {lang: text(org.legal_name, lang)}, "country": org.country,
            "region": org.region, "legal_identifier": org.legal_identifier,
            "short_name": texts(org.short_name, lang), "role": texts(org.role, lang), "logo": org.logo,
            "deqar_id": org.deqar_id}


def assessment_type(a: Assessment, lang: str) -> dict[str, object]:
    """The type an assessment states: its EU type, its free-text type (URI only when given), or
    for a whole of components the EU type standing for it (else the first component's)."""
    if a.type or (not a.other_type and a.eu_type):
        return coded(vocab.ASSESSMENT, a.type or a.eu_type)
    if not a.other_type:
        return assessment_type(a.components[0], lang)
    return {"code": None, "uri": str(a.type_uri) if a.type_uri else None, "label": text(a.other_type, lang)}


def assessment_info(a: Assessment, lang: str) -> dict[str, object]:
    return {"type": assessment_type(a, lang), "title": every(a.title, lang) or None,
            "description": every(a.description, lang) or None, "weight": a.weight,
            "mode": coded(vocab.PARTICIPATION, a.mode), "grade": None}


def outcomes(los: list[LearningOutcome], lang: str) -> list[dict[str, object]]:
    return [{"title": dict(lo.title), "esco": lo.esco,
             "esco_labels": {uri: every(label, lang) for uri, label in lo.esco_labels.items()}} for lo in los]


def expected(record: MicroCredentialRecord, form: str, credential: dict) -> dict[str, object]:
    """Every element of the record, as an OB3 credential of `form` must give it back."""
    lang = record.language
    cid = record.credential_id()
    learner = record.learner
    salt = next((i["salt"] for i in credential["credentialSubject"]["identifier"]
                 if i["identityType"] == "emailAddress"), "")
    qa = record.quality_assurance
    agency = None
    if qa.agency:
        agency = {**body(qa.agency, None, lang), "legal_identifier": qa.agency.legal_identifier}
        agency.pop("id")
    stack = record.stackability
    alliance = record.awarding.alliance
    ids = {id(p.org): p.id for p in parties(record)}
    lead = record.awarding.lead

    def org(o: Organisation) -> dict[str, object]:
        return body(o, ids[id(o)], lang, languages=o is not lead)

    assessors = record.awarding.assessing_bodies
    delivery = record.delivery
    return {
        "format": "ob3",
        "credential_id": cid,
        "specification_id": record.specification or node_id(cid, "achievement"),
        "learner": {"id": learner.id, "name": (dict(learner.full_name) if form == "extended"
                                                 else {lang: text(learner.full_name, lang)}), "email": None,
                    "email_hash": ("sha256$" + hashlib.sha256((learner.email + salt).encode()).hexdigest()
                                   if learner.email else None),
                    "identifiers": [learner.student_id] if learner.student_id else []},
        "title": dict(record.title),
        "countries": record.issuer_countries,
        "regions": record.issuer_regions,
        "awarding_model": record.awarding.model.value,
        "issuer": org(lead),
        "awarding_bodies": [org(o) for o in record.awarding.awarding_bodies],
        "delivering_partners": [org(o) for o in record.awarding.delivering_partners],
        "on_behalf_of": [org(o) for o in record.awarding.on_behalf_of],
        "assessors": [org(o) for o in assessors],
        "alliance": {lang: text(alliance.name, lang)} if alliance else None,
        "alliance_logo": str(alliance.logo) if alliance and alliance.logo else None,
        "issued": iso(record.issued),
        "learning_outcomes": outcomes(record.learning_outcomes, lang),
        "ects": record.workload.ects,
        "hours": record.workload.hours,
        "no_ects": record.workload.ects is None,
        "eqf": record.level.eqf,
        "qf_ehea": record.level.qf_ehea,
        "nqf": record.level.nqf,
        "assessment": assessment_type(record.assessment, lang),
        "assessments": [assessment_info(c, lang) for c in record.assessment.components],
        "assessment_mode": coded(vocab.PARTICIPATION, record.assessment_mode),
        "participation": coded(vocab.PARTICIPATION, record.participation),
        "learning_setting": coded(vocab.LEARNING_SETTING, record.setting),
        "partial_qualification": record.is_partial_qualification,
        "part_of": ({"title": record.part_of.title.get("en") or text(record.part_of.title, lang),
                     **({"id": record.part_of.id} if record.part_of.id else {})} if record.part_of else None),
        "modules": [{"id": m.id or node_id(cid, "module", i), "title": every(m.title, lang), "ects": m.ects,
                     "hours": m.hours, "assessment": assessment_info(m.assessment, lang) if m.assessment else None,
                     "grade": every(m.grade.value, lang) if m.grade else None,
                     "start": iso(m.start) if m.start else None, "end": iso(m.end) if m.end else None,
                     "learning_outcomes": outcomes(m.learning_outcomes, lang)}
                    for i, m in enumerate(record.modules)],
        "identifier": record.identifier,
        "thematic_area": record.thematic_area,
        "delivery_start": iso(delivery.start) if delivery and delivery.start else None,
        "delivery_end": iso(delivery.end) if delivery and delivery.end else None,
        "maximum_duration": delivery.maximum_duration if delivery else None,
        "instruction_languages": record.languages.instruction if record.languages else [],
        "assessment_languages": record.languages.assessment if record.languages else [],
        "profiles": record.profiles,
        "quality_assurance": {"type": coded(vocab.QA_TYPE, qa.type), "external": qa.external,
                              "agency": agency, "report": str(qa.report) if qa.report else None,
                              "deqar_report_id": qa.deqar_report_id, "basis": None},
        "prerequisites": texts(record.prerequisites),
        "supervision": ({"code": record.supervision.code, "uri": vocab.SUPERVISION[record.supervision.code].uri,
                         "supervised": record.supervision.supervised,
                         "identity_verified": record.supervision.identity_verified}
                        if record.supervision else None),
        "grade": texts(record.grade.value) if record.grade else None,
        "stackability": ((texts(stack.description) if stack.description
                          else {"en" if form == "extended" else lang: "Stackable" if stack.stackable
                                else "Not stackable"}) if stack else None),
        "further_information": texts(record.further_information),
        "inferred": [],
    }


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", NAMES)
def test_ob3_credential_gives_back_exactly_the_records_elements(records, name, form):
    record = records[name]
    credential = to_ob3(record, form=form)
    got = extract_elements(credential).model_dump(exclude={"sources", "withheld"})
    if record.quality_assurance.agency and not record.quality_assurance.agency.id:
        got["quality_assurance"]["agency"].pop("id")    # the record names none: ours is minted
    assert got == expected(record, form, credential)


@pytest.mark.parametrize("name", NAMES)
def test_default_issue_uses_exactly_the_vc2_and_ob3_contexts(records, demo_keys, name):
    now = datetime(2026, 9, 1, 12, tzinfo=timezone.utc)
    issued = issue(records[name], fmt="ob3", signer=demo_keys.issuer, now=now)
    assert issued.credential["@context"] == VC2_AND_OB3      # no extension context, no other
    assert "credentialSchema" not in issued.credential


@pytest.mark.parametrize("name", NAMES)
def test_follows_the_crosswalk_where_it_maps_an_element(records, name):
    """The ELM -> OB 3.0 rows of the crosswalk (docs/ob3-mapping.md), on the standard form."""
    record = records[name]
    lang = record.language
    ob3 = to_ob3(record)
    subject, achievement, issuer = ob3["credentialSubject"], ob3["credentialSubject"]["achievement"], ob3["issuer"]
    assert achievement["name"] == ob3["name"] == text(record.title, lang)       # specifiedBy.title, claim title
    assert ob3["validFrom"] == ob3["awardedDate"] == iso(record.issued)         # validFrom -> validFrom, awardedDate
    assert subject["id"] == record.learner.id                                   # credentialSubject.id
    assert issuer["name"] == text(record.awarding.lead.legal_name, lang)        # legalName -> Profile.name
    assert issuer["address"]["addressCountryCode"] == record.awarding.lead.country  # location countryCode
    assert record.awarding.lead.legal_identifier in [e["identifier"] for e in issuer["otherIdentifier"]]
    for lo in record.learning_outcomes:                                         # learningOutcome -> narrative
        assert text(lo.title, lang) in achievement["criteria"]["narrative"]
    if record.learner.student_id:                                               # identifier.notation -> identifier
        assert {"type": "IdentityObject", "identityType": "sisSourcedId", "hashed": False,
                "identityHash": record.learner.student_id} in subject["identifier"]
    if record.awarding.alliance:
        assert issuer["parentOrg"]["name"] == text(record.awarding.alliance.name, lang)


def bilingual(language: str) -> MicroCredentialRecord:
    """Sample 1 with every free text in English and Portuguese, written in `language`."""
    data = yaml.safe_load(SAMPLES[0].read_text(encoding="utf-8"))
    assert SAMPLES[0].stem == "model1-single"
    data["language"] = language
    for lo in data["learning_outcomes"]:
        lo["title"].setdefault("pt", "PT: " + lo["title"]["en"])
    for holder, key in ((data, "prerequisites"), (data, "further_information"), (data["assessment"], "description"),
                        (data["quality_assurance"], "description"), (data["stackability"], "description"),
                        (data["grade"], "value"), (data["grade"], "scheme")):
        holder[key] = {"en": holder[key]["en"], "pt": "PT: " + holder[key]["en"]}
    data["description"] = {"en": data["description"]["en"], "pt": "PT: " + data["description"]["en"]}
    return parse_record(data)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("language", ["en", "pt"])
def test_every_language_of_every_text_comes_back(form, language):
    record = bilingual(language)
    credential = to_ob3(record, form=form)
    got = extract_elements(credential).model_dump(exclude={"sources", "withheld"})
    got["quality_assurance"]["agency"].pop("id")
    assert got == expected(record, form, credential)
    assert got["grade"] == {"en": "17/20", "pt": "PT: 17/20"}
    editions = credential["credentialSubject"]["achievement"]["related"]
    assert [e["inLanguage"] for e in editions] == [{"en": "pt", "pt": "en"}[language]]
    assert expand_strict(credential, default_loader)      # OB 3.0 terms only, no @vocab fallback
    schema = json.loads(need_reference("ob3", "schema", "ob_v3p0_achievementcredential_schema.json").read_text())
    assert not [e.message for e in jsonschema.Draft201909Validator(schema).iter_errors(credential)]


@pytest.mark.parametrize("form", FORMS)
def test_without_optional_elements_the_assessment_result_is_a_completed_status(form):
    data = yaml.safe_load(SAMPLES[0].read_text(encoding="utf-8"))
    for key in ("prerequisites", "supervision", "grade", "stackability", "further_information", "description"):
        data.pop(key)
    record = parse_record(data)
    credential = to_ob3(record, form=form)
    got = extract_elements(credential).model_dump(exclude={"sources", "withheld"})
    got["quality_assurance"]["agency"].pop("id")
    assert got == expected(record, form, credential)
    subject = credential["credentialSubject"]
    (description,) = subject["achievement"]["resultDescription"]
    assert description["resultType"] == "Status"
    assert subject["result"] == [{"id": subject["result"][0]["id"], "type": ["Result"],
                                  "resultDescription": description["id"], "status": "Completed"}]
    schema = json.loads(need_reference("ob3", "schema", "ob_v3p0_achievementcredential_schema.json").read_text())
    assert not [e.message for e in jsonschema.Draft201909Validator(schema).iter_errors(credential)]
