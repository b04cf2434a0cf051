"""ELM v3 output carries the record as the alliances define it, conforms to the official shapes, and reads back.

Issue 13: the issuer's countries are the awarding bodies' only; both joint models; learning
setting, partial qualification and assessment mode decided from the record; NQF and languages
never dropped; modules; weighted assessments and our own participation concepts; what the
official EU micro-credential sample carries; hours-only micro-credentials never faked as ECTS.
Records are built here as variants of samples/records/*.yaml.
"""
from __future__ import annotations

import base64
import copy
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, need_reference
from edcissuer.ld.loader import default_loader
from edcissuer.mapping.elm import to_elm
from edcissuer.mapping.extract import extract_elements
from edcissuer.models import vocab
from edcissuer.models.records import MicroCredentialRecord, parse_record, read_structured

RECORDS = ROOT / "samples" / "records"
#: a 1x1 PNG: an institution's own logo embedded in the record
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101009a6d8b5a0000000049454e44ae426082")).decode()
LOGO = f"data:image/png;base64,{PNG}"
RQF_6 = "http://data.europa.eu/snb/qdr/c_c392e7a2"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = read_structured(RECORDS / f"{name}.yaml")
    return data


def build(data: dict[str, Any]) -> MicroCredentialRecord:
    return parse_record(data)


def rich_single() -> dict[str, Any]:
    """model1 with every field the official EU sample carries."""
    d = sample("model1-single")
    d["identifier"] = "C-2026-0417"
    d["thematic_area"] = "0588"
    d["delivery"] = {"start": "2026-03-02", "end": "2026-06-12", "maximum_duration": "P6M"}
    d["languages"] = {"instruction": ["en", "pt"], "assessment": ["pt"]}
    d["level"] = {**d["level"], "nqf": "RQF Level 6", "nqf_uri": RQF_6}
    skill = d["learning_outcomes"][1]["esco"][0]
    d["learning_outcomes"][1]["esco"] = [{"uri": skill["uri"] if isinstance(skill, dict) else skill,
                                          "label": {"en": "develop digital content"}}]
    d["awarding"]["lead"].update({"short_name": "ULusitania", "logo": LOGO, "deqar_id": "DEQARINST0417"})
    d["quality_assurance"]["deqar_report_id"] = "112233"
    d["profiles"] = ["diverse"]
    return d


def joint(model: str) -> dict[str, Any]:
    d = sample("model3-joint")
    d["awarding"]["model"] = model
    d["awarding"]["partners"][0]["role"] = {"en": "delivers module 2 and sits on the assessment panel"}
    d["awarding"]["partners"][0]["region"] = "Oberrhein"
    d["awarding"]["partners"][1].pop("role", None)      # left to the awarding model's words
    return d


def cooperative() -> dict[str, Any]:
    return sample("model2-cooperative")


def hours_only() -> dict[str, Any]:
    d = sample("model1-single")
    d["workload"] = {"hours": 40}
    return d


def modular() -> dict[str, Any]:
    d = sample("model1-single")
    d["modules"] = [
        {"id": "https://www.univ-lusitania.example/modules/dl-1", "title": {"en": "Open data sources"},
         "ects": 2, "hours": 50, "grade": "16/20", "start": "2026-03-02", "end": "2026-04-10",
         "assessment": {"type": "quiz", "mode": "online"}},
        {"title": {"en": "Policy brief"}, "ects": 3, "grade": "18/20",
         "assessment": {"type": "project work"}, "start": "2026-04-13", "end": "2026-06-12"},
    ]
    return d


def weighted() -> dict[str, Any]:
    d = sample("model1-single")
    d["participation"] = "hybrid"
    d["assessment"] = {"description": {"en": "Two parts"}, "mode": "online-asynchronous", "components": [
        {"other_type": {"en": "learning diary (1000 words)"}, "weight": 50,
         "type_uri": "https://vocab.example/assessment/learning-diary"},
        {"type": "marked assignment", "title": {"en": "Essay"}, "weight": 50},
    ]}
    return d


def part_of_msc() -> dict[str, Any]:
    d = sample("model1-single")
    d["part_of"] = {"title": {"en": "MSc Public Policy"}, "id": "https://www.univ-lusitania.example/msc-pp"}
    return d


VARIANTS = {"rich-single": rich_single, "joint-award": lambda: joint("joint-award"),
            "joint-lead": lambda: joint("joint-lead"), "cooperative": cooperative, "hours-only": hours_only,
            "modular": modular, "weighted": weighted, "part-of": part_of_msc}


def claim(cred: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = cred["credentialSubject"]["hasClaim"]
    return node


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def ids(nodes: Any) -> list[str]:
    return [n["id"] for n in as_list(nodes)]


def eu_sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(need_reference("elm", "samples", "Sample-MC-Annex1-unsigned.jsonld").read_text())
    return data


# --- c) countries and regions -------------------------------------------------------------

def test_official_eu_sample_reads_back_ireland_only_not_the_organisation_that_directed_the_activity():
    elements = extract_elements(eu_sample())
    assert elements.countries == ["IE"]
    assert [b.country for b in elements.delivering_partners] == ["BE"]
    assert elements.regions == ["Dublin city"]
    assert [b.region for b in elements.awarding_bodies] == ["Dublin city"]


@pytest.mark.parametrize("model", ["cooperative", "joint-lead"])
def test_partners_that_do_not_award_add_no_country(model):
    record = build(cooperative() if model == "cooperative" else joint(model))
    elements = extract_elements(to_elm(record))
    assert elements.countries == [record.awarding.lead.country]
    assert len(elements.delivering_partners) == len(record.awarding.partners)


def test_joint_award_countries_and_regions_are_every_awarding_bodys():
    record = build(joint("joint-award"))
    elements = extract_elements(to_elm(record))
    assert elements.countries == ["IT", "DE", "PT"]
    assert elements.regions == ["Oberrhein"] == record.issuer_regions


def test_stated_regions_are_carried_and_read_back():
    d = sample("model1-single")
    d["regions"] = ["PT16", "Centro"]
    assert extract_elements(to_elm(build(d))).regions == ["PT16", "Centro"]


# --- 3. both joint models -----------------------------------------------------------------

def test_joint_award_names_every_partner_awarding_body_and_a_mandate_per_partner():
    record = build(joint("joint-award"))
    cred = to_elm(record)
    partners = [p.id for p in record.awarding.partners]
    assert ids(claim(cred)["awardedBy"]["awardingBody"]) == [record.awarding.lead.id, *partners]
    mandates = as_list(cred["evidence"])
    assert [m["dcType"]["id"] for m in mandates] == [vocab.EVIDENCE_MANDATE.uri] * 2
    assert [m["evidenceTarget"]["id"] for m in mandates] == partners
    assert all("on behalf of" in m["evidenceStatement"] for m in mandates)
    elements = extract_elements(cred)
    assert elements.awarding_model == "joint-award"
    assert [b.id for b in elements.on_behalf_of] == partners
    assert "on_behalf_of" not in elements.inferred
    accreditation = claim(cred)["specifiedBy"]["accreditation"]
    assert ids(accreditation["organisation"]) == [record.awarding.lead.id, *partners]


def test_joint_lead_lead_alone_awards_and_states_the_participating_partners_with_their_role():
    record = build(joint("joint-lead"))
    cred = to_elm(record)
    partners = [p.id for p in record.awarding.partners]
    assert ids(claim(cred)["awardedBy"]["awardingBody"]) == [record.awarding.lead.id]
    assert ids(claim(cred)["influencedBy"]["directedBy"]) == partners
    assert ids(claim(cred)["specifiedBy"]["accreditation"]["organisation"]) == [record.awarding.lead.id]
    assert "evidence" not in cred
    elements = extract_elements(cred)
    assert elements.awarding_model == "joint-lead"
    assert [b.id for b in elements.awarding_bodies] == [record.awarding.lead.id]
    assert [b.id for b in elements.delivering_partners] == partners
    assert elements.delivering_partners[0].role == {"en": "delivers module 2 and sits on the assessment panel"}
    assert elements.on_behalf_of == []
    assert elements.delivering_partners[1].role == {}  # no words of its own: the model says it participates


@pytest.mark.parametrize("model", ["joint-award", "joint-lead"])
def test_a_joint_panel_of_every_partner_assesses_in_both_joint_models(model):
    record = build(joint(model))
    cred = to_elm(record)
    panel = [record.awarding.lead.id, *(p.id for p in record.awarding.partners)]
    assert ids(claim(cred)["provenBy"]["assessedBy"]) == panel
    assert [b.id for b in extract_elements(cred).assessors] == panel


def test_the_lead_alone_assesses_a_cooperative_credential():
    record = build(cooperative())
    assert [b.id for b in extract_elements(to_elm(record)).assessors] == [record.awarding.lead.id]


def test_a_credential_issued_as_plain_joint_reads_as_joint_award():
    cred = to_elm(build(joint("joint-award")))
    for note in claim(cred)["specifiedBy"]["additionalNote"]:
        if note["subject"]["id"] == vocab.NOTE_SUBJECTS["awarding-model"].uri:
            note["noteLiteral"] = {"en": "joint"}
    del cred["evidence"]
    elements = extract_elements(cred)
    assert elements.awarding_model == "joint-award"
    assert len(elements.on_behalf_of) == 2 and "on_behalf_of" in elements.inferred


# --- 4. learning setting, partial qualification, assessment mode ---------------------------

def test_a_stand_alone_micro_credential_is_non_formal_and_not_a_partial_qualification():
    cred = to_elm(build(sample("model1-single")))
    spec = claim(cred)["specifiedBy"]
    assert spec["learningSetting"]["id"] == vocab.LEARNING_SETTING["non-formal"].uri
    assert spec["isPartialQualification"] is False
    elements = extract_elements(cred)
    assert (elements.learning_setting.code, elements.partial_qualification, elements.part_of) == \
        ("non-formal", False, None)


def test_a_module_of_an_accredited_msc_is_formal_and_a_partial_qualification():
    cred = to_elm(build(part_of_msc()))
    spec = claim(cred)["specifiedBy"]
    assert spec["isPartOf"]["id"] == "https://www.univ-lusitania.example/msc-pp"
    elements = extract_elements(cred)
    assert (elements.learning_setting.code, elements.partial_qualification) == ("formal", True)
    assert elements.part_of == {"title": "MSc Public Policy", "id": "https://www.univ-lusitania.example/msc-pp",
                                "accredited": "accredited"}


def test_assessment_mode_is_where_it_is_taken_not_the_form_of_participation():
    d = sample("model1-single")              # blended course, supervised on-site exam
    d["assessment"].pop("mode", None)
    record = build(d)
    cred = to_elm(record)
    a_spec = claim(cred)["provenBy"]["specifiedBy"]
    assert a_spec["mode"]["id"] == vocab.PARTICIPATION["onsite"].uri
    elements = extract_elements(cred)
    assert (elements.participation.code, elements.assessment_mode.code) == ("blended", "onsite")


def test_no_assessment_mode_is_stated_when_the_record_has_none():
    d = sample("model1-single")
    del d["supervision"]
    d["assessment"].pop("mode", None)
    cred = to_elm(build(d))
    assert "mode" not in claim(cred)["provenBy"]["specifiedBy"]
    assert extract_elements(cred).assessment_mode is None


# --- 5. NQF and languages -------------------------------------------------------------------

def test_nqf_level_with_an_eu_uri_is_the_nqf_level_concept():
    cred = to_elm(build(rich_single()))
    nqf = claim(cred)["specifiedBy"]["nqfLevel"]
    assert (nqf["id"], nqf["inScheme"]["id"]) == (RQF_6, vocab.NQF_SCHEME)
    assert extract_elements(cred).nqf == "RQF Level 6"


def test_nqf_level_without_an_eu_uri_is_carried_as_a_note():
    d = sample("model1-single")
    d["level"] = {**d["level"], "nqf": "QNQ nível 6"}
    cred = to_elm(build(d))
    assert "nqfLevel" not in claim(cred)["specifiedBy"]
    assert extract_elements(cred).nqf == "QNQ nível 6"


def test_a_language_outside_our_table_is_its_own_eu_concept_never_english():
    d = sample("model1-single")
    d["language"] = "lb"
    d["languages"] = {"instruction": ["lb"], "assessment": ["de"]}
    cred = to_elm(build(d))
    assert claim(cred)["specifiedBy"]["language"]["id"] == f"{vocab.LANGUAGE_SCHEME}/LTZ"
    assert cred["displayParameter"]["language"]["id"] == f"{vocab.LANGUAGE_SCHEME}/LTZ"
    elements = extract_elements(cred)
    assert (elements.instruction_languages, elements.assessment_languages) == (["lb"], ["de"])


# --- 7. modules -----------------------------------------------------------------------------

def test_modules_are_parts_of_the_achievement_with_their_own_ects_assessment_grade_and_dates():
    record = build(modular())
    cred = to_elm(record)
    parts = claim(cred)["hasPart"]
    assert [p["type"] for p in parts] == ["LearningAchievement"] * 2
    assert parts[0]["specifiedBy"]["id"] == "https://www.univ-lusitania.example/modules/dl-1"
    assert parts[0]["creditReceived"]["point"] == "2"
    modules = extract_elements(cred).modules
    assert [(m.title["en"], m.ects, m.grade) for m in modules] == \
        [("Open data sources", 2.0, {"en": "16/20"}), ("Policy brief", 3.0, {"en": "18/20"})]
    assert modules[0].id == "https://www.univ-lusitania.example/modules/dl-1"
    assert (modules[0].hours, modules[0].start, modules[0].end) == (50, "2026-03-02T00:00:00Z",
                                                                    "2026-04-10T00:00:00Z")
    assert (modules[0].assessment.type.code, modules[0].assessment.mode.code) == ("quiz", "online")
    assert modules[1].assessment.type.code == "project work"


def test_a_module_assessed_without_a_grade_says_no_grade_was_awarded():
    d = modular()
    del d["modules"][1]["grade"]
    cred = to_elm(build(d))
    assert claim(cred)["hasPart"][1]["provenBy"]["grade"]["subject"]["id"] == vocab.NOTE_SUBJECTS["no-grade"].uri
    assert extract_elements(cred).modules[1].grade is None
    assert shacl_report(cred)[0]


def test_a_credential_without_a_grade_states_none_and_still_conforms():
    d = sample("model1-single")
    del d["grade"]
    cred = to_elm(build(d))
    assert extract_elements(cred).grade is None
    conforms, text = shacl_report(cred)
    assert conforms, text


# --- 8. several assessments, own participation concepts --------------------------------------

def test_weighted_components_are_parts_of_the_assessment_with_their_weight_and_type():
    cred = to_elm(build(weighted()))
    parts = claim(cred)["provenBy"]["specifiedBy"]["hasPart"]
    assert [p["type"] for p in parts] == ["LearningAssessmentSpecification"] * 2
    assert "dcType" not in parts[0]          # a type in words is no EU concept
    assert parts[1]["dcType"]["id"] == vocab.ASSESSMENT["marked assignment"].uri
    assert parts[1]["title"] == {"en": "Essay (50%)"}      # what an EU viewer shows
    elements = extract_elements(cred)
    assert [(a.type.label, a.weight) for a in elements.assessments] == \
        [("learning diary (1000 words)", 50.0), ("marked assignment", 50.0)]
    assert elements.assessments[0].type.uri == "https://vocab.example/assessment/learning-diary"
    assert elements.assessments[1].title == {"en": "Essay"}      # the weight is read as its own field
    assert elements.assessment.code == "marked assignment"


def test_a_sole_assessment_in_words_has_no_eu_type_but_reads_back_its_words():
    d = sample("model1-single")
    d["assessment"] = {"other_type": {"en": "hackathon pitch"}}
    cred = to_elm(build(d))
    assert "dcType" not in claim(cred)["provenBy"]["specifiedBy"]
    elements = extract_elements(cred)
    assert (elements.assessment.code, elements.assessment.label) == (None, "hackathon pitch")
    assert "assessment" not in elements.inferred and elements.missing() == []


def test_own_participation_concepts_follow_the_eu_mode_they_narrow_and_read_back_precisely():
    cred = to_elm(build(weighted()))
    modes = claim(cred)["specifiedBy"]["mode"]
    assert [m["id"] for m in modes] == [vocab.PARTICIPATION["blended"].uri, vocab.PARTICIPATION["hybrid"].uri]
    a_modes = claim(cred)["provenBy"]["specifiedBy"]["mode"]
    assert [m["id"] for m in a_modes] == [vocab.PARTICIPATION["online"].uri,
                                         vocab.PARTICIPATION["online-asynchronous"].uri]
    elements = extract_elements(cred)
    assert (elements.participation.code, elements.assessment_mode.code) == ("hybrid", "online-asynchronous")


# --- 10. what the official sample carries; hours only; profiles --------------------------------

def test_fields_of_the_official_sample_are_carried_and_read_back():
    record = build(rich_single())
    cred = to_elm(record)
    assert cred["identifier"]["notation"] == "C-2026-0417"
    spec = claim(cred)["specifiedBy"]
    assert spec["thematicArea"]["id"] == "http://data.europa.eu/snb/isced-f/0588"
    assert claim(cred)["influencedBy"]["temporal"]["startDate"] == "2026-03-02T00:00:00Z"
    skill = spec["learningOutcome"][1]["relatedESCOSkill"][0]
    assert skill["prefLabel"] == {"en": "develop digital content"}
    lead = cred["issuer"]
    assert lead["logo"]["type"] == "MediaObject" and lead["logo"]["content"] == PNG
    assert lead["altLabel"] == {"en": "ULusitania"}
    e = extract_elements(cred)
    assert (e.identifier, e.thematic_area, e.maximum_duration) == ("C-2026-0417", "0588", "P6M")
    assert (e.delivery_start, e.delivery_end) == ("2026-03-02T00:00:00Z", "2026-06-12T00:00:00Z")
    assert (e.instruction_languages, e.assessment_languages) == (["en", "pt"], ["pt"])
    assert (e.issuer.short_name, e.issuer.logo, e.issuer.deqar_id) == ({"en": "ULusitania"}, LOGO, "DEQARINST0417")
    assert e.quality_assurance.agency.deqar_id == "DEQAR-AG-0000"
    assert e.quality_assurance.deqar_report_id == "112233"
    assert e.profiles == ["diverse"]
    assert e.hours == 125 and e.no_ects is False


def test_an_organisation_without_a_short_name_has_no_alt_label():
    d = sample("model1-single")
    d["awarding"]["lead"].pop("short_name", None)
    cred = to_elm(build(d))
    assert "altLabel" not in cred["issuer"]


def test_an_https_logo_is_left_out_of_the_elm_logo():
    d = sample("model1-single")
    d["awarding"]["lead"]["logo"] = "https://www.univ-lusitania.example/logo.png"
    cred = to_elm(build(d))
    assert "logo" not in cred["issuer"]


def test_the_alliance_logo_reads_back():
    assert extract_elements(to_elm(build(joint("joint-award")))).alliance_logo == \
        "https://nexus-alliance.example/logo.png"


def test_hours_only_has_no_ects_credit_and_says_no_ects_awarded():
    cred = to_elm(build(hours_only()))
    text = json.dumps(cred)
    assert vocab.ECTS.uri not in text and "creditPoint" not in text and "creditReceived" not in text
    assert claim(cred)["specifiedBy"]["volumeOfLearning"] == "PT40H"
    assert "No ECTS credits awarded" in text
    elements = extract_elements(cred)
    assert (elements.ects, elements.hours, elements.no_ects) == (None, 40, True)
    assert elements.missing() == []


def test_official_eu_sample_fields_read_back():
    e = extract_elements(eu_sample())
    assert (e.identifier, e.thematic_area, e.nqf, e.maximum_duration) == ("C012", "003", "RQF Level 6", "P1M")
    assert (e.partial_qualification, e.learning_setting.code) == (False, "non-formal")
    assert (e.participation.code, e.assessment_mode.code) == ("blended", "online")
    assert (e.delivery_start, e.delivery_end) == ("2023-05-05T07:00:00Z", "2023-06-06T15:00:00Z")
    assert (e.instruction_languages, e.assessment_languages, e.hours) == (["en"], ["en"], 60)
    assert e.issuer.short_name == {"en": "UniZ"} and e.issuer.logo.startswith("data:image/png;base64,iVBOR")
    assert [b.id for b in e.assessors] == ["urn:epass:org:2"]


# --- the official shapes ------------------------------------------------------------------

@lru_cache(maxsize=2)
def _shapes(shapes_dir: Path, extra: tuple[str, ...]) -> Any:
    import rdflib

    shapes = rdflib.Graph()
    for f in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl", *extra):
        shapes.parse(shapes_dir / f)
    return shapes


def shacl_report(cred: dict[str, Any], *extra: str) -> tuple[bool, str]:
    """EDC-generic-full (with the no-cv shapes it builds on), plus `extra` profiles."""
    pyshacl = pytest.importorskip("pyshacl", reason="pyshacl is not installed (pip install pyshacl)")
    import rdflib
    from pyld import jsonld

    shapes = _shapes(need_reference("elm", "shacl", "ttl"), extra)
    data = rdflib.Graph()
    data.parse(data=jsonld.to_rdf(copy.deepcopy(cred), {"documentLoader": default_loader,
                                                        "format": "application/n-quads"}), format="nquads")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    return bool(conforms), str(text)


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_conforms_to_edc_generic_full_shacl(name):
    conforms, text = shacl_report(to_elm(build(VARIANTS[name]())))
    assert conforms, text


def test_joint_award_conforms_to_the_issued_by_mandate_profile_and_joint_lead_is_not_by_mandate():
    conforms, text = shacl_report(to_elm(build(joint("joint-award"))), "EDC-issuedByMandate.ttl")
    assert conforms, text
    assert shacl_report(to_elm(build(joint("joint-lead"))), "EDC-issuedByMandate.ttl")[0] is False


def test_the_shapes_check_can_fail():
    cred = to_elm(build(sample("model1-single")))
    claim(cred)["specifiedBy"]["learningSetting"] = [claim(cred)["specifiedBy"]["learningSetting"],
                                                     {**vocab_concept(vocab.LEARNING_SETTING["formal"])}]
    assert shacl_report(cred)[0] is False


def vocab_concept(c: vocab.Concept) -> dict[str, Any]:
    return {"id": c.uri, "type": "Concept", "inScheme": {"id": c.scheme, "type": "ConceptScheme"}}


# --- the comparison with the official sample stays honest ---------------------------------

def property_paths(doc: Any) -> set[str]:
    """`Type.property` for every property of every typed node (concepts' own labels aside)."""
    out: set[str] = set()

    def walk(node: Any, parent: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, parent)
        elif isinstance(node, dict):
            kind = node.get("type")
            kind = kind[-1] if isinstance(kind, list) else kind
            if not isinstance(kind, str):
                return                       # a language map
            for key, value in node.items():
                if key in {"id", "type", "@context"} or (kind == "Concept" and key in {"inScheme", "prefLabel",
                                                                                          "notation"}):
                    continue
                out.add(f"{kind}.{key}")
                walk(value, kind)

    walk(doc, "")
    return out


def test_the_comparison_doc_mentions_every_property_the_official_sample_uses():
    doc = (ROOT / "docs" / "elm-vs-eu-sample.md").read_text()
    mentioned = set(re.findall(r"`([A-Za-z]+\.[A-Za-z]+)`", doc))
    missing = sorted(property_paths(eu_sample()) - mentioned)
    assert not missing, f"docs/elm-vs-eu-sample.md does not explain: {missing}"


def test_the_comparison_doc_mentions_every_property_our_single_sample_uses():
    doc = (ROOT / "docs" / "elm-vs-eu-sample.md").read_text()
    mentioned = set(re.findall(r"`([A-Za-z]+\.[A-Za-z]+)`", doc))
    ours = property_paths(to_elm(build(sample("model1-single"))))
    assert not sorted(ours - mentioned), sorted(ours - mentioned)
