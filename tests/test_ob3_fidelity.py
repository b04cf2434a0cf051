"""Issue 13 on the Open Badges 3.0 side: the alliance record model carried in OB 3.0 terms and
read back, in both forms, each variant valid against the official OB 3.0 JSON Schema.

The records are programmatic variants of samples/records/*.yaml (one change each), so a
failure names the element that went wrong.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import ROOT, need_reference
from edcissuer.conformance import check_conformance
from edcissuer.errors import MappingError
from edcissuer.issue import issue
from edcissuer.ld.expand import expand_strict
from edcissuer.ld.loader import default_loader
from edcissuer.mapping.extract import extract_elements
from edcissuer.mapping.ob3 import TARGET_TYPE, ob3_language, to_ob3
from edcissuer.models import vocab
from edcissuer.models.records import MicroCredentialRecord, parse_record
from test_ob3_crosswalk import expected

FORMS = ("standard", "extended")
LOGO = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def sample(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "samples" / "records" / f"{name}.yaml").read_text(encoding="utf-8"))


def joint_lead() -> dict[str, Any]:
    """DIVERSE Model 3: the Lead Partner alone awards; the partners deliver, each with its role."""
    data = sample("model3-joint")
    data["awarding"]["model"] = "joint-lead"
    data["awarding"]["lead"]["region"] = "Emilia-Romagna"
    data["awarding"]["partners"][0]["role"] = {"en": "Delivers module 2", "de": "Liefert Modul 2"}
    data["awarding"]["partners"][0]["short_name"] = {"en": "TU Rheinau", "de": "TU Rheinau"}
    data["awarding"]["partners"][1]["role"] = "Co-assesses the case-study audit"
    return data


def hours_only() -> dict[str, Any]:
    data = sample("model1-single")
    data["workload"] = {"hours": 40}
    return data


def modular() -> dict[str, Any]:
    """An INGENIUM-style modular micro-credential: modules with their own title, ECTS, assessment,
    grade and dates; the whole assessed by weighted components."""
    data = sample("model2-cooperative")
    data["workload"] = {"ects": 6, "hours": 150}
    data["assessment"] = [
        {"type": "portfolio", "title": {"en": "Learning diary, 1000 words", "de": "Lerntagebuch, 1000 Wörter"},
         "weight": 50, "mode": "online"},
        {"other_type": "Design review", "type_uri": "https://vocab.example/assessment/design-review",
         "description": {"en": "Reviewed by two partners", "de": "Von zwei Partnern begutachtet"},
         "weight": 50, "mode": "onsite"},
    ]
    data["modules"] = [
        {"id": "https://credentials.tu-rheinau.example/modules/water-1",
         "title": {"en": "Urban water flows", "de": "Urbane Wasserflüsse"}, "ects": 3, "hours": 75,
         "assessment": {"type": "written examination", "description": "Two-hour exam", "mode": "onsite"},
         "grade": {"value": {"en": "1.7", "de": "1,7"}}, "start": "2026-03-01", "end": "2026-04-30",
         "learning_outcomes": [{"title": {"en": "Model a city's water flows", "de": "Wasserflüsse modellieren"},
                                "esco": [{"uri": "http://data.europa.eu/esco/skill/0a2d4e4c-0000-4000-8000-0000000000aa",
                                          "label": "model water flows"}]}]},
        {"title": "Resource recovery", "ects": 3, "grade": "2.0"},
    ]
    return data


def eu_sample_fields() -> dict[str, Any]:
    """Model 1 with what the official EU sample carries and we used to drop."""
    data = sample("model1-single")
    data.update({
        "identifier": "CERT-2026-000123",
        "thematic_area": "0613",
        "delivery": {"start": "2026-02-01", "end": "2026-06-15", "maximum_duration": "P6M"},
        "languages": {"instruction": ["en", "pt"], "assessment": ["pt"]},
        "part_of": {"title": {"en": "MSc Data Science", "pt": "Mestrado em Ciência de Dados"},
                    "id": "https://www.univ-lusitania.example/msc-data-science"},
        "profiles": ["diverse"],
        "regions": ["PT17"],
        "participation": "hybrid",
    })
    data["level"] = {**data["level"], "nqf": "Level 7", "nqf_uri": "https://nqf.example/pt/7"}
    lead = data["awarding"]["lead"]
    lead.update({"logo": LOGO, "short_name": "ULus", "deqar_id": "DEQARINST0042"})
    data["quality_assurance"]["deqar_report_id"] = "DEQAR-RPT-77"
    lo = data["learning_outcomes"][0]
    lo["esco"] = [{"uri": "http://data.europa.eu/esco/skill/0a2d4e4c-0000-4000-8000-000000000001",
                   "label": {"en": "analyse big data", "pt": "analisar grandes volumes de dados"}}]
    return data


VARIANTS = {"joint-award": lambda: sample("model3-joint"), "joint-lead": joint_lead,
            "cooperative": lambda: sample("model2-cooperative"), "hours-only": hours_only,
            "modular": modular, "eu-sample-fields": eu_sample_fields}


@pytest.fixture(scope="module")
def ob3_schema() -> jsonschema.Draft201909Validator:
    schema = json.loads(need_reference("ob3", "schema", "ob_v3p0_achievementcredential_schema.json").read_text())
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())


def record_of(variant: str) -> MicroCredentialRecord:
    return parse_record(copy.deepcopy(VARIANTS[variant]()))


def aligned(credential: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Alignments by targetType: the achievement's and those of every ResultDescription."""
    achievement = credential["credentialSubject"]["achievement"]
    out: dict[str, list[dict[str, Any]]] = {}
    for a in [*achievement["alignment"], *(a for rd in achievement["resultDescription"] for a in rd["alignment"])]:
        out.setdefault(a["targetType"], []).append(a)
    return out


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_reads_back_exactly_and_stays_valid_ob3(variant, form, ob3_schema):
    record = record_of(variant)
    credential = to_ob3(record, form=form)
    assert not [e.message for e in ob3_schema.iter_errors(credential)]
    assert check_conformance(credential, "ob3").passed
    assert expand_strict(credential, default_loader)          # every term defined, no @vocab fallback
    if form == "standard":
        assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                          "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    got = extract_elements(credential).model_dump(exclude={"sources", "withheld"})
    if record.quality_assurance.agency and not record.quality_assurance.agency.id:
        got["quality_assurance"]["agency"].pop("id")
    assert got == expected(record, form, credential)
    assert extract_elements(credential).missing() == []


def test_joint_award_states_the_group_as_creator_and_each_partner_it_issues_for():
    record = record_of("joint-award")
    credential = to_ob3(record)
    creator = credential["credentialSubject"]["achievement"]["creator"]
    assert creator["name"] == ("Jointly awarded by University of the Adriatic, Rheinau University of Technology "
                               "and University of Lusitania")
    assert creator["id"] != credential["issuer"]["id"]
    assert creator["parentOrg"]["name"] == "NEXUS European University Alliance"
    on_behalf = aligned(credential)["ext:OnBehalfOf"]
    assert [a["targetUrl"] for a in on_behalf] == [o.id for o in record.awarding.partners]
    elements = extract_elements(credential)
    assert [b.id for b in elements.on_behalf_of] == [o.id for o in record.awarding.partners]
    assert [b.id for b in elements.awarding_bodies] == [o.id for o in record.awarding.awarding_bodies]
    assert elements.countries == ["IT", "DE", "PT"]


def test_joint_lead_awards_alone_and_states_every_partner_with_its_role():
    record = record_of("joint-lead")
    credential = to_ob3(record)
    by_type = aligned(credential)
    assert "ext:AwardingBody" not in by_type and "ext:OnBehalfOf" not in by_type
    assert credential["credentialSubject"]["achievement"]["creator"]["id"] == credential["issuer"]["id"]
    elements = extract_elements(credential)
    assert elements.awarding_model == "joint-lead"
    assert [b.id for b in elements.awarding_bodies] == [record.awarding.lead.id]
    assert elements.on_behalf_of == []
    assert elements.countries == ["IT"] and elements.regions == ["Emilia-Romagna"]
    rheinau, lusitania = elements.delivering_partners
    assert rheinau.role == {"en": "Delivers module 2", "de": "Liefert Modul 2"}
    assert rheinau.short_name == {"en": "TU Rheinau", "de": "TU Rheinau"}
    assert lusitania.role == {"en": "Co-assesses the case-study audit"}


@pytest.mark.parametrize("variant", ["joint-award", "joint-lead"])
def test_a_joint_panel_is_the_source_and_every_assessing_body_is_named(variant):
    record = record_of(variant)
    credential = to_ob3(record)
    source = credential["credentialSubject"]["source"]
    assert source["name"].startswith("Joint assessment panel of University of the Adriatic")
    assessors = extract_elements(credential).assessors
    assert [b.id for b in assessors] == [o.id for o in record.awarding.assessing_bodies]
    assert len(assessors) == 3


def test_a_single_institution_is_its_own_assessor_through_source():
    record = parse_record(sample("model1-single"))
    credential = to_ob3(record)
    assert credential["credentialSubject"]["source"]["id"] == credential["issuer"]["id"]
    assert "ext:Assessor" not in aligned(credential)
    assert [b.id for b in extract_elements(credential).assessors] == [record.awarding.lead.id]


def test_delivering_partners_are_not_issuer_countries():
    elements = extract_elements(to_ob3(record_of("cooperative")))
    assert elements.countries == ["DE"]
    assert [b.country for b in elements.delivering_partners] == ["PL", "FR"]


@pytest.mark.parametrize("form", FORMS)
def test_hours_only_states_hours_and_no_ects_never_zero(form):
    credential = to_ob3(record_of("hours-only"), form=form)
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    assert "creditsAvailable" not in achievement and "creditsEarned" not in subject
    assert "no ECTS awarded" in achievement["tag"] and not any("0 ECTS" in t for t in achievement["tag"])
    assert "Workload: 40 hours (no ECTS awarded)" in achievement["criteria"]["narrative"]
    assert [a["targetCode"] for a in aligned(credential)["ext:NotionalHours"]] == ["40"]
    elements = extract_elements(credential)
    assert (elements.ects, elements.hours, elements.no_ects) == (None, 40, True)
    assert elements.missing() == []


def test_modules_are_result_descriptions_with_a_result_each():
    record = record_of("modular")
    credential = to_ob3(record)
    subject = credential["credentialSubject"]
    descriptions = {rd["id"]: rd for rd in subject["achievement"]["resultDescription"]}
    modules = [rd for rd in descriptions.values() if rd["name"].startswith("Module: ")]
    assert [rd["name"] for rd in modules] == ["Module: Urban water flows", "Module: Resource recovery"]
    results = {r["resultDescription"]: r for r in subject["result"]}
    assert [results[rd["id"]]["value"] for rd in modules] == ["1.7", "2.0"]
    first = extract_elements(credential).modules[0]
    assert (first.id, first.ects, first.hours) == ("https://credentials.tu-rheinau.example/modules/water-1", 3, 75)
    assert first.title == {"en": "Urban water flows", "de": "Urbane Wasserflüsse"}
    assert first.grade == {"en": "1.7", "de": "1,7"}
    assert (first.start, first.end) == ("2026-03-01T00:00:00Z", "2026-04-30T00:00:00Z")
    assert first.assessment.type.code == "written examination" and first.assessment.mode.code == "onsite"
    (outcome,) = first.learning_outcomes
    assert outcome.title == {"en": "Model a city's water flows", "de": "Wasserflüsse modellieren"}
    assert outcome.esco_labels == {"http://data.europa.eu/esco/skill/0a2d4e4c-0000-4000-8000-0000000000aa":
                                   {"en": "model water flows"}}
    # the module's outcome is the module's, not one of the micro-credential's
    assert len(extract_elements(credential).learning_outcomes) == len(record.learning_outcomes)


def test_weighted_components_each_state_type_weight_and_mode():
    credential = to_ob3(record_of("modular"))
    components = [rd for rd in credential["credentialSubject"]["achievement"]["resultDescription"]
                  if rd["name"].startswith("Assessment component: ")]
    assert [rd["name"] for rd in components] == ["Assessment component: Learning diary, 1000 words (50%)",
                                                 "Assessment component: Design review (50%)"]
    diary, review = extract_elements(credential).assessments
    assert (diary.type.code, diary.weight, diary.mode.code) == ("portfolio", 50, "online")
    assert diary.title == {"en": "Learning diary, 1000 words", "de": "Lerntagebuch, 1000 Wörter"}
    # a free-text type keeps its vocabulary URI as the alignment's targetUrl
    assert review.type.model_dump() == {"code": None, "uri": "https://vocab.example/assessment/design-review",
                                        "label": "Design review"}
    assert review.description == {"en": "Reviewed by two partners", "de": "Von zwei Partnern begutachtet"}
    assert extract_elements(credential).assessment.code == "portfolio"   # the EU type standing for the whole


def test_free_text_type_without_uri_gives_no_uri():
    data = sample("model1-single")
    data["assessment"] = {"other_type": "Hackathon", "description": "48-hour team hackathon"}
    elements = extract_elements(to_ob3(parse_record(data)))
    assert elements.assessment.model_dump() == {"code": None, "uri": None, "label": "Hackathon"}


def test_assessment_mode_is_its_own_not_the_participation_form():
    data = sample("model1-single")
    data["participation"] = "online"
    data["assessment"]["mode"] = "onsite"
    elements = extract_elements(to_ob3(parse_record(data)))
    assert (elements.participation.code, elements.assessment_mode.code) == ("online", "onsite")


def test_part_of_a_qualification_makes_it_formal_and_partial_unless_stated():
    record = record_of("eu-sample-fields")
    elements = extract_elements(to_ob3(record))
    assert elements.learning_setting.code == "formal" and elements.partial_qualification is True
    assert elements.part_of == {"title": "MSc Data Science", "id": "https://www.univ-lusitania.example/msc-data-science"}
    data = eu_sample_fields()
    data["partial_qualification"] = False
    assert extract_elements(to_ob3(parse_record(data))).partial_qualification is False
    plain = extract_elements(to_ob3(parse_record(sample("model1-single"))))
    assert plain.learning_setting.code == "non-formal" and plain.partial_qualification is False


def test_what_the_eu_sample_carries_is_carried_in_ob3_terms():
    record = record_of("eu-sample-fields")
    credential = to_ob3(record)
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    assert subject["licenseNumber"] == "CERT-2026-000123"
    assert (subject["activityStartDate"], subject["activityEndDate"]) == ("2026-02-01T00:00:00Z",
                                                                          "2026-06-15T00:00:00Z")
    assert achievement["fieldOfStudy"] == "ISCED-F 0613"
    by_type = aligned(credential)
    assert [a["targetUrl"] for a in by_type["ext:ThematicArea"]] == ["http://data.europa.eu/snb/isced-f/0613"]
    assert [a["targetUrl"] for a in by_type["ext:NQFLevel"]] == ["https://nqf.example/pt/7"]
    skill = record.learning_outcomes[0].esco[0]
    assert [a["targetName"] for a in by_type["ext:ESCOSkill"] if a["targetUrl"] == skill] == ["analyse big data"]
    assert credential["issuer"]["image"]["id"] == LOGO
    assert {"type": "IdentifierEntry", "identifier": "ULus", "identifierType": "ext:shortName"} in \
        credential["issuer"]["otherIdentifier"]
    assert [a["targetCode"] for a in by_type["ext:AllianceProfile"]] == ["diverse"]
    elements = extract_elements(credential)
    assert elements.identifier == "CERT-2026-000123" and elements.thematic_area == "0613"
    assert elements.nqf == "Level 7" and elements.maximum_duration == "P6M"
    assert elements.profiles == ["diverse"] and elements.regions == ["PT17"]
    assert elements.issuer.logo == LOGO and elements.issuer.short_name == {"en": "ULus"}
    assert elements.issuer.deqar_id == "DEQARINST0042"
    assert elements.quality_assurance.deqar_report_id == "DEQAR-RPT-77"
    assert elements.alliance_logo is None
    assert elements.learning_outcomes[0].esco_labels == {
        record.learning_outcomes[0].esco[0]: {"en": "analyse big data", "pt": "analisar grandes volumes de dados"}}


def test_languages_of_instruction_and_assessment_are_the_real_eu_languages():
    data = eu_sample_fields()
    data["languages"] = {"instruction": ["uk", "en"], "assessment": ["pt"]}
    credential = to_ob3(parse_record(data))
    by_type = aligned(credential)
    assert [a["targetUrl"] for a in by_type["ext:InstructionLanguage"]] == [
        "http://publications.europa.eu/resource/authority/language/UKR",
        "http://publications.europa.eu/resource/authority/language/ENG"]
    assert [a["targetUrl"] for a in by_type["ext:AssessmentLanguage"]] == [
        "http://publications.europa.eu/resource/authority/language/POR"]
    elements = extract_elements(credential)
    assert (elements.instruction_languages, elements.assessment_languages) == (["uk", "en"], ["pt"])


def test_record_language_is_written_as_ob3_spells_it_or_refused_by_name():
    assert ob3_language("de-at") == "de-AT" and ob3_language("sr-latn-rs") == "sr-Latn-RS"
    data = sample("model1-single")
    data["language"] = "pt"
    assert to_ob3(parse_record(data))["credentialSubject"]["achievement"]["inLanguage"] == "pt"
    data["language"] = "sl-rozaj"        # a variant: OB 3.0's inLanguage pattern cannot hold it
    with pytest.raises(MappingError) as refused:
        to_ob3(parse_record(data))
    assert refused.value.field == "language" and "sl-rozaj" in str(refused.value)


def test_own_participation_concepts_name_the_eu_concept_they_narrow():
    credential = to_ob3(record_of("eu-sample-fields"))
    (form,) = aligned(credential)["ext:ParticipationForm"]
    assert form["targetUrl"] == vocab.PARTICIPATION["hybrid"].uri
    assert form["targetDescription"] == f"Narrower than {vocab.PARTICIPATION['blended'].uri}"
    assert extract_elements(credential).participation.code == "hybrid"


def test_every_new_target_type_is_an_ob3_extension_value():
    assert all(t.startswith("ext:") for t in TARGET_TYPE.values())


@pytest.mark.parametrize("proof", ["eddsa-rdfc-2022", "jwt"])
def test_the_signed_joint_lead_credential_shows_the_partners_and_roles(demo_keys, proof):
    now = datetime(2026, 9, 2, 12, tzinfo=timezone.utc)
    issued = issue(record_of("joint-lead"), fmt="ob3", signer=demo_keys.issuer, proof=proof, now=now)
    elements = extract_elements(issued.credential)
    assert elements.awarding_model == "joint-lead"
    assert [b.role for b in elements.delivering_partners] == [
        {"en": "Delivers module 2", "de": "Liefert Modul 2"}, {"en": "Co-assesses the case-study audit"}]
    assert len(elements.assessors) == 3


def test_a_credential_from_before_the_split_saying_joint_reads_as_joint_award():
    credential = to_ob3(record_of("joint-award"))
    for a in credential["credentialSubject"]["achievement"]["alignment"]:
        if a["targetType"] == "ext:AwardingModel":
            a["targetCode"] = "joint"
    elements = extract_elements(credential)
    assert elements.awarding_model == "joint-award" and "awarding_model" not in elements.inferred


@pytest.mark.parametrize("code", ["²", "9" * 5000, "-3", "abc", "1e400", "nan"])
def test_strange_counts_and_weights_read_as_absent_not_as_an_error(code):
    credential = to_ob3(record_of("modular"))
    achievement = credential["credentialSubject"]["achievement"]
    for a in [*achievement["alignment"], *(a for rd in achievement["resultDescription"] for a in rd["alignment"])]:
        if a["targetType"] in ("ext:NotionalHours", "ext:AssessmentWeight", "ext:ECTSCredits"):
            a["targetCode"] = code
    elements = extract_elements(credential)
    assert elements.hours is None
    assert [c.weight for c in elements.assessments] == [None, None]
    assert [m.ects for m in elements.modules] == [None, None]


def _nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [n for item in node for n in _nodes(item)]
    if isinstance(node, dict):
        return [node, *(n for v in node.values() for n in _nodes(v))]
    return []


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_two_statements_share_an_id(variant):
    """Nodes with one id are one node in the signed graph: two different statements under one id
    would merge into a statement nobody made."""
    credential = to_ob3(record_of(variant))
    by_id: dict[str, list[dict[str, Any]]] = {}
    for node in _nodes(credential):
        if isinstance(node.get("id"), str) and node is not credential:
            by_id.setdefault(node["id"], []).append(node)
    for ident, copies in by_id.items():
        if copies[0].get("type") in (["Alignment"], ["ResultDescription"], ["Result"]):
            assert len(copies) == 1, ident
