"""The record says what the Recommendation, the EU sample and the alliances mean (issue 13).

One test per behaviour of the record model: both meanings of "joint", c) issuers only,
hours-only workload, weighted and other-typed assessments, assessment mode apart from
participation, formal setting and partial qualification from `part_of`, modules, the EU
sample's fields (identifier, ISCED-F, delivery, languages, logos), and ids that do not move
for records written before these fields existed.
"""
from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from edcissuer.errors import RecordValidationError
from edcissuer.models.records import AwardingModel, load_record, parse_record

RECORDS = ROOT / "samples" / "records"
SINGLE = yaml.safe_load((RECORDS / "model1-single.yaml").read_text(encoding="utf-8"))
COOPERATIVE = yaml.safe_load((RECORDS / "model2-cooperative.yaml").read_text(encoding="utf-8"))
JOINT_AWARD = yaml.safe_load((RECORDS / "model3-joint.yaml").read_text(encoding="utf-8"))
JOINT_LEAD = yaml.safe_load((RECORDS / "model3-joint-lead-diverse.yaml").read_text(encoding="utf-8"))
MODULAR = yaml.safe_load((RECORDS / "modular-ingenium.yaml").read_text(encoding="utf-8"))
EU_SAMPLE = Path("/work/shared/reference/elm/samples/Sample-MC-Annex1-unsigned.jsonld")

#: the ids of the three samples as released (main at b805f88), before issue 13 added fields to them
RELEASED_IDS = {
    "model1-single": "urn:uuid:844001c4-afb2-5b31-90bd-91e26c5c649b",
    "model2-cooperative": "urn:uuid:b9dcd3cc-1795-5346-9760-83d43c186d4d",
    "model3-joint": "urn:uuid:30f8ea99-d85a-5f62-87a2-bd3127028514",
}


def data(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    out.update(changes)
    return out


def refused(record: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(RecordValidationError) as info:
        parse_record(record)
    return info.value.problems


def names(orgs: list[Any]) -> list[str]:
    return [o.legal_name["en"] for o in orgs]


# --- d) both meanings of "joint" ------------------------------------------------------------

def test_plain_joint_is_refused_naming_both_joint_models():
    record = copy.deepcopy(JOINT_AWARD)
    record["awarding"]["model"] = "Joint"
    [(field, message)] = refused(record)
    assert field == "d) awarding body(ies).model"
    assert "'joint-award'" in message and "'joint-lead'" in message
    assert "Una Europa" in message and "DIVERSE Model 3" in message and "on behalf of all" in message


def test_joint_award_makes_every_partner_an_awarding_body_the_lead_issues_for():
    awarding = parse_record(JOINT_AWARD).awarding
    partners = names(awarding.partners)
    assert awarding.model is AwardingModel.JOINT_AWARD and len(partners) == 2
    assert names(awarding.awarding_bodies) == ["University of the Adriatic", *partners]
    assert names(awarding.on_behalf_of) == partners
    assert awarding.delivering_partners == []
    assert names(awarding.assessing_bodies) == ["University of the Adriatic", *partners]   # a joint panel


def test_joint_lead_makes_the_lead_the_only_awarding_body_and_the_partners_participants():
    awarding = parse_record(JOINT_LEAD).awarding
    partners = names(awarding.partners)
    assert awarding.model is AwardingModel.JOINT_LEAD and len(partners) >= 3
    assert names(awarding.awarding_bodies) == ["Danube University of Applied Sciences"]
    assert awarding.on_behalf_of == []
    assert names(awarding.delivering_partners) == partners
    assert names(awarding.assessing_bodies) == ["Danube University of Applied Sciences", *partners]


def test_cooperative_and_single_are_assessed_by_the_lead_alone():
    for base in (COOPERATIVE, SINGLE):
        awarding = parse_record(base).awarding
        assert awarding.assessing_bodies == [awarding.lead] == awarding.awarding_bodies
        assert awarding.on_behalf_of == []


# --- c) country(ies)/region(s) of the issuer ----------------------------------------------------

def test_issuer_countries_are_the_awarding_bodies_never_the_delivering_partners():
    assert parse_record(COOPERATIVE).issuer_countries == ["DE"]             # PL and FR only deliver
    assert parse_record(JOINT_LEAD).issuer_countries == ["AT"]              # ES, RO, CZ participate
    assert parse_record(JOINT_AWARD).issuer_countries == ["IT", "DE", "PT"]  # all three award
    stated = parse_record(data(COOPERATIVE, countries=["Deutschland", "PL"]))
    assert stated.issuer_countries == ["DE", "PL"]                          # stated: as stated


def test_issuer_regions_are_stated_or_the_awarding_bodies_regions():
    record = copy.deepcopy(JOINT_LEAD)
    record["awarding"]["partners"][0]["region"] = "ES24"                   # a participant's region
    assert parse_record(record).issuer_regions == ["AT12"]
    assert parse_record(data(record, regions=["AT13"])).issuer_regions == ["AT13"]
    assert parse_record(SINGLE).issuer_regions == ["Centro"]


# --- g) notional workload -------------------------------------------------------------------

def test_hours_only_workload_is_accepted_and_awards_no_ects():
    record = parse_record(data(SINGLE, workload={"hours": 40}))
    assert record.workload.ects is None and record.workload.hours == 40
    assert not record.workload.ects_awarded
    assert record.credential_id() != parse_record(SINGLE).credential_id()


def test_a_workload_with_neither_ects_nor_hours_is_refused_naming_g():
    [(field, message)] = refused(data(SINGLE, workload={}))
    assert field == "g) notional workload"
    assert "ECTS" in message and "hours" in message


# --- h) level -------------------------------------------------------------------------------

def test_national_framework_level_and_its_uri_are_kept():
    level = {"eqf": 6, "qf_ehea": "first", "nqf": "RQF Level 6", "nqf_uri": "http://data.europa.eu/snb/qdr/c_c392e7a2"}
    record = parse_record(data(SINGLE, level=level))
    assert record.level.nqf == "RQF Level 6" and str(record.level.nqf_uri).endswith("/qdr/c_c392e7a2")
    assert record.hash_view()["level"]["nqf_uri"] == "http://data.europa.eu/snb/qdr/c_c392e7a2"
    assert parse_record(SINGLE).level.nqf.startswith("QNQ level 6")


# --- languages: refused, never read as English ------------------------------------------------

@pytest.mark.parametrize("where, change, field", [
    ("language", {"language": "xx"}, "language"),
    ("a text's key", {"title": {"xx": "Data Literacy"}}, "b) title of the micro-credential"),
    ("languages of instruction", {"languages": {"instruction": ["en", "xx"]}}, "languages.instruction"),
    ("languages of assessment", {"languages": {"assessment": ["zz"]}}, "languages.assessment"),
])
def test_an_unknown_language_code_is_refused_naming_the_field(where, change, field):
    problems = refused(data(SINGLE, **change))
    assert [f for f, _ in problems] == [field], where
    assert "ISO 639" in problems[0][1]


def test_languages_of_instruction_and_of_assessment_are_kept_apart():
    languages = parse_record(MODULAR).languages
    assert languages is not None
    assert languages.instruction == ["en"] and languages.assessment == ["en", "es"]


# --- i) type of assessment ------------------------------------------------------------------

def components(*weights: float) -> dict[str, Any]:
    return {"components": [{"type": "quiz", "weight": w} for w in weights]}


def test_weighted_components_must_add_up_to_100():
    assert len(parse_record(data(SINGLE, assessment=components(50, 50))).assessment.components) == 2
    [(field, message)] = refused(data(SINGLE, assessment=components(50, 40)))
    assert field == "i) type of assessment" and "add up to 90%, not 100%" in message
    [(field, message)] = refused(data(SINGLE, assessment=components(150)))
    assert field == "i) type of assessment.components.0.weight" and "at most 100" in message


def test_a_list_of_assessments_is_their_components():
    record = parse_record(data(SINGLE, assessment=[{"type": "quiz", "weight": 40},
                                                   {"type": "project work", "weight": 60}]))
    assert [c.type for c in record.assessment.kinds] == ["quiz", "project work"]
    assert record.assessment.eu_type == "quiz"


def test_other_type_names_a_type_the_eu_list_lacks_and_type_uri_needs_it():
    diary = {"other_type": "learning diary", "type_uri": "https://vocab.example/assessment/learning-diary"}
    record = parse_record(data(SINGLE, assessment=diary))
    assert record.assessment.type is None and record.assessment.other_type == {"en": "learning diary"}
    assert str(record.assessment.type_uri) == diary["type_uri"]
    [(field, message)] = refused(data(SINGLE, assessment={"type": "quiz", "type_uri": diary["type_uri"]}))
    assert field == "i) type of assessment" and "give other_type too" in message
    [(field, message)] = refused(data(SINGLE, assessment={"type": "learning diary"}))
    assert field == "i) type of assessment.type" and "other_type" in message
    [(field, message)] = refused(data(SINGLE, assessment={"description": "a diary"}))
    assert field == "i) type of assessment" and "other_type" in message


def test_the_modular_sample_weighs_a_learning_diary_and_an_essay_equally():
    assessment = parse_record(MODULAR).assessment
    diary, essay = assessment.components
    assert diary.other_type == {"en": "learning diary"} and diary.type is None and diary.weight == 50
    assert essay.type == "marked assignment" and essay.weight == 50
    assert "1000 words" in diary.title["en"]


def test_assessment_mode_is_its_own_never_the_form_of_participation():
    record = parse_record(MODULAR)
    assert (record.participation, record.assessment_mode) == ("blended", "online")
    silent = copy.deepcopy(SINGLE)
    silent["assessment"].pop("mode")
    silent.pop("supervision")
    assert parse_record(silent).assessment_mode is None                    # not copied from "blended"
    silent["supervision"] = {"supervised": True, "where": "online"}
    assert parse_record(silent).assessment_mode == "online"                # where the supervised exam was
    [(field, message)] = refused(data(SINGLE, assessment={"type": "quiz", "mode": "by post"}))
    assert field == "i) type of assessment.mode" and "form of participation" in message


@pytest.mark.parametrize("written, code", [("hybrid", "hybrid"), ("synchronous", "online-synchronous"),
                                           ("Asynchronous", "online-asynchronous"), ("presential", "onsite")])
def test_new_forms_of_participation_are_accepted_by_code_or_alias(written, code):
    assert parse_record(data(SINGLE, participation=written)).participation == code


# --- learning setting, partial qualification ------------------------------------------------

def test_part_of_a_qualification_makes_the_learning_formal_and_a_partial_qualification():
    record = parse_record(MODULAR)
    assert record.part_of is not None and record.learning_setting is None
    assert record.setting == "formal" and record.is_partial_qualification is True
    alone = parse_record(SINGLE)
    assert alone.setting == "non-formal" and alone.is_partial_qualification is False   # as the EU sample


def test_stated_setting_and_partial_qualification_win_over_part_of():
    record = parse_record(data(MODULAR, learning_setting="non-formal", partial_qualification=False))
    assert record.setting == "non-formal" and record.is_partial_qualification is False
    assert refused(data(SINGLE, learning_setting="informal"))[0][0] == "learning_setting"


# --- modules --------------------------------------------------------------------------------

def test_modular_sample_has_three_modules_adding_up_to_its_workload():
    record = parse_record(MODULAR)
    assert len(record.title["en"]) <= 50                                   # INGENIUM's title rule
    assert len(record.modules) == 3
    assert sum(m.ects or 0 for m in record.modules) == record.workload.ects
    for module in record.modules:
        assert module.id and module.title and module.assessment and module.grade and module.start and module.end
        assert module.start < module.end


def test_modules_carrying_more_ects_than_the_micro_credential_are_refused():
    record = copy.deepcopy(MODULAR)
    record["modules"][2]["ects"] = 3
    [(field, message)] = refused(record)
    assert field == "record" and "7 ECTS, more than the micro-credential's 6" in message
    record["workload"] = {"hours": 150}
    [(field, message)] = refused(record)
    assert "modules carry ECTS but the micro-credential awards none" in message


def test_a_module_with_no_positive_ects_is_refused_naming_it():
    record = copy.deepcopy(MODULAR)
    record["modules"][0]["ects"] = 0
    assert refused(record)[0][0] == "modules.0.ects"


# --- the EU sample's fields ---------------------------------------------------------------

@pytest.mark.parametrize("code, ok", [("06", True), ("061", True), ("0613", True), ("6", False),
                                      ("06131", False), ("ICT", False)])
def test_thematic_area_is_an_isced_f_code(code, ok):
    if ok:
        assert parse_record(data(SINGLE, thematic_area=code)).thematic_area == code
    else:
        [(field, message)] = refused(data(SINGLE, thematic_area=code))
        assert field == "thematic_area" and "ISCED-F 2013" in message


def test_a_delivery_ending_before_it_starts_is_refused():
    [(field, message)] = refused(data(SINGLE, delivery={"start": "2026-06-12", "end": "2026-02-02"}))
    assert field == "delivery" and "end is before its start" in message
    assert parse_record(data(SINGLE, delivery={"start": "2026-02-02", "end": "2026-02-02"})).delivery


@pytest.mark.parametrize("duration, ok", [("P6M", True), ("P10W", True), ("P1Y6M", True), ("PT60H", True),
                                          ("P", False), ("6 months", False), ("PT", False), ("P1.5M", False)])
def test_maximum_duration_is_an_iso_8601_duration(duration, ok):
    record = data(SINGLE, delivery={"maximum_duration": duration})
    if ok:
        assert parse_record(record).delivery.maximum_duration == duration
    else:
        [(field, message)] = refused(record)
        assert field == "delivery.maximum_duration" and "ISO 8601 duration" in message


@pytest.mark.parametrize("logo, ok", [
    ("https://www.univ-lusitania.example/logo.png", True),
    ("data:image/png;base64,iVBORw0KGgo=", True),
    ("data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", True),
    ("http://www.univ-lusitania.example/logo.png", False),       # drawn from the network in the clear
    ("data:text/html;base64,PHNjcmlwdD4=", False),                # not an image
    ("file:///etc/passwd", False),
])
def test_a_logo_is_an_https_url_or_an_embedded_image(logo, ok):
    record = copy.deepcopy(JOINT_LEAD)
    record["awarding"]["lead"]["logo"] = logo
    record["awarding"]["alliance"]["logo"] = logo
    if ok:
        parsed = parse_record(record).awarding
        assert parsed.lead.logo == logo and parsed.alliance is not None and parsed.alliance.logo == logo
    else:
        problems = refused(record)
        assert [f for f, _ in problems] == ["d) awarding body(ies).lead.logo", "d) awarding body(ies).alliance.logo"]
        assert all("https://" in m and "data:image" in m for _, m in problems)


def test_the_diverse_sample_embeds_a_small_png_alliance_logo_and_states_every_partner_role():
    awarding = parse_record(JOINT_LEAD).awarding
    assert awarding.alliance is not None and awarding.alliance.logo is not None
    head, _, payload = awarding.alliance.logo.partition(",")
    png = base64.b64decode(payload)
    assert head == "data:image/png;base64" and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 1024
    assert all(p.role and p.short_name for p in awarding.partners)


def test_esco_skills_given_with_labels_keep_uri_and_label():
    outcome = parse_record(SINGLE).learning_outcomes[1]
    uri = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"
    assert outcome.esco == [uri] and outcome.esco_labels == {uri: {"en": "develop digital content"}}


@pytest.mark.skipif(not EU_SAMPLE.is_file(), reason="the official EU sample (/work/shared/reference/elm) is absent")
def test_the_single_sample_carries_what_the_official_eu_sample_carries():
    eu = json.loads(EU_SAMPLE.read_text(encoding="utf-8"))
    spec = eu["credentialSubject"]["hasClaim"]["specifiedBy"]
    activity = eu["credentialSubject"]["hasClaim"]["influencedBy"]
    assessment = eu["credentialSubject"]["hasClaim"]["provenBy"]
    record = parse_record(SINGLE)
    lead = record.awarding.lead
    present = {
        "identifier": (eu.get("identifier"), record.identifier),
        "thematicArea": (spec.get("thematicArea"), record.thematic_area),
        "nqfLevel": (spec.get("nqfLevel"), record.level.nqf),
        "maximumDuration": (spec.get("maximumDuration"), record.delivery and record.delivery.maximum_duration),
        "temporal": (activity.get("temporal"), record.delivery and record.delivery.start and record.delivery.end),
        "language of instruction": (activity["specifiedBy"].get("language"),
                                    record.languages and record.languages.instruction),
        "language of assessment": (assessment["specifiedBy"].get("language"),
                                   record.languages and record.languages.assessment),
        "assessment mode": (assessment["specifiedBy"].get("mode"), record.assessment_mode),
        "ESCO labels": (spec["learningOutcome"][0]["relatedESCOSkill"][0].get("prefLabel"),
                        any(o.esco_labels for o in record.learning_outcomes)),
        "issuer logo": (eu["issuer"].get("logo"), lead.logo),
        "issuer short name": (eu["issuer"].get("altLabel"), lead.short_name),
    }
    for name, (theirs, ours) in present.items():
        assert theirs, f"the EU sample no longer carries {name}"
        assert ours, f"model1-single.yaml does not carry {name}, which the EU sample carries"
    # the EU sample's decisions, which ours follow from the record
    assert spec["isPartialQualification"] is False and record.is_partial_qualification is False
    assert spec["learningSetting"]["id"].endswith("e207a81fc7") and record.setting == "non-formal"
    assert assessment["specifiedBy"]["mode"]["id"] != spec["mode"]["id"]   # mode is not participation...
    assert record.assessment_mode != record.participation                  # ...in ours either


# --- ids of records written before these fields -----------------------------------------------

#: what issue 13 added to each released sample; taking it away gives the released record back
ADDED_TOP = ("identifier", "delivery", "languages", "thematic_area", "part_of", "regions", "modules",
             "partial_qualification", "profiles")
ADDED_ORG = ("short_name", "logo", "role")


def released(record: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(record)
    for key in ADDED_TOP:
        out.pop(key, None)
    for org in [out["awarding"]["lead"], *out["awarding"].get("partners", []), out["quality_assurance"]["agency"]]:
        for key in ADDED_ORG:
            org.pop(key, None)
    for outcome in out["learning_outcomes"]:
        if isinstance(outcome, dict) and "esco" in outcome:
            outcome["esco"] = [e["uri"] if isinstance(e, dict) else e for e in outcome["esco"]]
    out["assessment"].pop("mode", None)
    out["assessment"].pop("components", None)
    out["level"].pop("nqf", None)          # the model knew nqf; the released samples did not state it
    return out


@pytest.mark.parametrize("name", list(RELEASED_IDS))
def test_a_released_sample_keeps_its_id_under_the_extended_model(name):
    current = yaml.safe_load((RECORDS / f"{name}.yaml").read_text(encoding="utf-8"))
    assert parse_record(released(current)).credential_id() == RELEASED_IDS[name]
    # and the new fields are in the content: the extended sample is another credential
    assert load_record(RECORDS / f"{name}.yaml").credential_id() != RELEASED_IDS[name]


def test_new_fields_at_their_defaults_leave_the_content_hash_alone():
    old = released(SINGLE)
    explicit = data(old, regions=[], modules=[], profiles=[], identifier=None, thematic_area=None,
                    delivery=None, languages=None, part_of=None, partial_qualification=None)
    explicit["awarding"]["lead"].update(short_name=None, logo=None, role=None)
    explicit["learning_outcomes"][1]["esco_labels"] = {}
    assert parse_record(explicit).content_hash() == parse_record(old).content_hash()
    assert parse_record(explicit).credential_id() == RELEASED_IDS["model1-single"]


def test_the_batch_programme_carries_the_single_samples_eu_fields_and_a_row_its_certificate_number():
    from edcissuer.batch import load_programme, record_data

    programme = load_programme(ROOT / "samples" / "batch" / "programme.yaml")
    row = {"given_name": "Ana", "family_name": "Ferreira", "grade": "17/20", "identifier": "UL-MC-2026-00417"}
    record = parse_record(record_data(programme, row))
    single = parse_record(SINGLE)
    assert record.identifier == "UL-MC-2026-00417" and "identifier" not in programme
    for field in ("delivery", "languages", "thematic_area", "level", "learning_outcomes"):
        assert getattr(record, field) == getattr(single, field), field
    assert record.awarding.lead.short_name == single.awarding.lead.short_name
    assert record.awarding.lead.logo == single.awarding.lead.logo and record.assessment_mode == "onsite"
