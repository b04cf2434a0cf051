"""Both mappings carry every element, conform to the official shapes and schema, and read back."""
from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SAMPLES, need_reference
from edcissuer.ld.expand import expand_strict
from edcissuer.ld.loader import default_loader
from edcissuer.mapping.elm import to_elm
from edcissuer.mapping.extract import extract_elements
from edcissuer.mapping.ob3 import to_ob3
from edcissuer.models import vocab

NAMES = [p.stem for p in SAMPLES]
MAPPERS = {"elm": to_elm, "ob3": to_ob3, "ob3-extended": lambda record: to_ob3(record, form="extended")}


def comparable(elements) -> dict:
    """The elements every format must agree on (every language of every text)."""
    d = elements.model_dump()
    return {
        "learner_id": d["learner"]["id"],
        "learner_name": d["learner"]["name"]["en"],
        "title": d["title"],
        "countries": d["countries"],
        "model": d["awarding_model"],
        "awarding": [(b["id"], b["country"], b["legal_identifier"]) for b in d["awarding_bodies"]],
        "delivering": [(b["id"], b["country"]) for b in d["delivering_partners"]],
        "issued": d["issued"],
        "outcomes": [(o["title"], o["esco"]) for o in d["learning_outcomes"]],
        "ects": d["ects"], "eqf": d["eqf"], "qf_ehea": d["qf_ehea"],
        "assessment": d["assessment"]["code"], "participation": d["participation"]["code"],
        "qa": (d["quality_assurance"]["type"]["code"], d["quality_assurance"]["external"],
               d["quality_assurance"]["agency"]["name"]["en"]),
        "prerequisites": d["prerequisites"], "supervision": d["supervision"],
        "grade": d["grade"], "further": d["further_information"],
    }


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", MAPPERS)
def test_record_maps_and_reads_back_with_every_element(records, name, fmt):
    record = records[name]
    elements = extract_elements(MAPPERS[fmt](record))
    assert elements.missing() == []
    got = comparable(elements)
    assert got["title"] == record.title
    assert got["countries"] == record.issuer_countries
    assert got["model"] == record.awarding.model.value
    assert [a[0] for a in got["awarding"]] == [o.id for o in record.awarding.awarding_bodies]
    assert [d[0] for d in got["delivering"]] == [o.id for o in record.awarding.delivering_partners]
    assert got["issued"] == record.issued.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert got["outcomes"] == [(lo.title, lo.esco) for lo in record.learning_outcomes]
    assert got["ects"] == record.workload.ects
    assert (got["eqf"], got["qf_ehea"]) == (record.level.eqf, record.level.qf_ehea)
    assert got["assessment"] == record.assessment.eu_type
    assert got["participation"] == record.participation
    assert got["qa"][:2] == (record.quality_assurance.type, record.quality_assurance.external)
    assert got["prerequisites"] == record.prerequisites
    assert got["grade"] == record.grade.value
    assert got["further"] == record.further_information
    assert got["supervision"]["identity_verified"] == record.supervision.identity_verified
    assert not elements.inferred


@pytest.mark.parametrize("name", NAMES)
def test_elm_and_ob3_give_the_same_elements(records, name):
    record = records[name]
    elm = comparable(extract_elements(to_elm(record)))
    assert elm == comparable(extract_elements(to_ob3(record, form="extended")))
    assert elm == comparable(extract_elements(to_ob3(record)))


def alignments(ob3):
    """The achievement's alignments and those of its result descriptions, by targetType."""
    achievement = ob3["credentialSubject"]["achievement"]
    grouped = {}
    for a in [*achievement["alignment"], *(a for rd in achievement.get("resultDescription", [])
                                           for a in rd.get("alignment", []))]:
        grouped.setdefault(a["targetType"], []).append(a)
    return grouped


@pytest.mark.parametrize("name", NAMES)
def test_standard_ob3_uses_only_the_contexts_every_verifier_bundles(records, name):
    assert to_ob3(records[name])["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


@pytest.mark.parametrize("name", NAMES)
def test_standard_ob3_states_controlled_values_as_alignments_to_eu_concepts(records, name):
    record = records[name]
    aligned = alignments(to_ob3(record))
    assert [a["targetUrl"] for a in aligned["ext:EQFLevel"]] == [vocab.EQF[record.level.eqf].uri]
    # the whole assessment's EU type, and each weighted component's (an own type in words has no EU URI)
    eu_types = {vocab.ASSESSMENT[t].uri for t in [record.assessment.eu_type, *(c.type for c in record.assessment.components)]
                if t}
    assert eu_types <= {a["targetUrl"] for a in aligned["ext:AssessmentType"]}
    assert [a["targetUrl"] for a in aligned["ext:ParticipationForm"]] == [vocab.PARTICIPATION[record.participation].uri]
    assert [a["targetCode"] for a in aligned["ext:QualityAssuranceType"]] == [record.quality_assurance.type]
    assert len(aligned["ext:LearningOutcome"]) == len(record.learning_outcomes)
    assert sorted(a["targetUrl"] for a in aligned.get("ext:ESCOSkill", [])) == sorted(
        uri for lo in record.learning_outcomes for uri in lo.esco)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", MAPPERS)
def test_every_term_is_defined_by_the_bundled_contexts(records, name, fmt):
    expanded = expand_strict(MAPPERS[fmt](records[name]), default_loader)
    assert expanded


@pytest.mark.parametrize("name", NAMES)
def test_controlled_values_are_inline_concepts_with_scheme(records, name):
    elm = to_elm(records[name])
    spec = elm["credentialSubject"]["hasClaim"]["specifiedBy"]
    assert spec["eqfLevel"]["inScheme"]["id"] == vocab.EQF_SCHEME
    modes = spec["mode"] if isinstance(spec["mode"], list) else [spec["mode"]]
    assert modes[0]["inScheme"]["id"] == vocab.MODE_SCHEME      # an own concept (hybrid) follows the EU one
    assert spec["creditPoint"]["framework"]["id"] == vocab.ECTS.uri


def test_joint_model_lists_every_partner_as_awarding_body(records):
    elm = to_elm(records["model3-joint"])
    bodies = elm["credentialSubject"]["hasClaim"]["awardedBy"]["awardingBody"]
    assert len(bodies) == 3
    extended = to_ob3(records["model3-joint"], form="extended")
    assert len(extended["awardingBody"]) == 3 and extended["awardingModel"] == "joint-award"
    aligned = alignments(to_ob3(records["model3-joint"]))
    assert len(aligned["ext:AwardingBody"]) == 2       # the partners; the lead is the issuer
    assert [a["targetCode"] for a in aligned["ext:AwardingModel"]] == ["joint-award"]


def test_cooperative_model_states_delivering_partners(records):
    elm = to_elm(records["model2-cooperative"])
    activity = elm["credentialSubject"]["hasClaim"]["influencedBy"]
    assert len(activity["directedBy"]) == 2
    assert len(to_ob3(records["model2-cooperative"], form="extended")["deliveringPartner"]) == 2
    aligned = alignments(to_ob3(records["model2-cooperative"]))
    assert [a["targetDescription"].split(";")[0] for a in aligned["ext:DeliveringPartner"]] == ["Country: PL",
                                                                                                "Country: FR"]
    assert "ext:AwardingBody" not in aligned


def test_alliance_is_referenced_with_name_and_logo(records):
    ob3 = to_ob3(records["model3-joint"])
    assert ob3["issuer"]["parentOrg"]["name"] == "NEXUS European University Alliance"
    assert ob3["issuer"]["parentOrg"]["image"]["id"].endswith("logo.png")
    org = to_elm(records["model3-joint"])["issuer"]
    assert org["groupMemberOf"]["logo"]["contentURL"].endswith("logo.png")


def test_every_node_with_an_allowed_id_has_one(records):
    def walk(node, path=""):
        if isinstance(node, dict):
            if "type" in node and node.get("type") not in ("IdentityObject", "IdentifierEntry", "ConceptScheme") \
                    and not path.endswith(("otherIdentifier", "identifier")):
                assert "id" in node, path
            for k, v in node.items():
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for item in node:
                walk(item, path)
    walk(to_elm(records["model2-cooperative"]))


@pytest.mark.parametrize("name", NAMES)
def test_elm_output_conforms_to_edc_generic_full_shacl(records, name):
    pyshacl = pytest.importorskip("pyshacl")
    rdflib = pytest.importorskip("rdflib")
    shapes_dir = need_reference("elm", "shacl", "ttl")
    from pyld import jsonld

    shapes = rdflib.Graph()
    for f in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl"):
        shapes.parse(shapes_dir / f)
    nquads = jsonld.to_rdf(to_elm(records[name]), {"documentLoader": default_loader,
                                                   "format": "application/n-quads"})
    data = rdflib.Graph()
    data.parse(data=nquads, format="nquads")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert conforms, text


@pytest.mark.parametrize("name", NAMES)
def test_ob3_output_validates_against_official_json_schema(records, name):
    import jsonschema

    schema = json.loads(need_reference("ob3", "schema", "ob_v3p0_achievementcredential_schema.json").read_text())
    for form in ("standard", "extended"):
        errors = list(jsonschema.Draft201909Validator(schema).iter_errors(to_ob3(records[name], form=form)))
        assert not errors, [e.message for e in errors]


def test_official_eu_micro_credential_sample_yields_all_eleven_elements():
    sample = json.loads(need_reference("elm", "samples", "Sample-MC-Annex1-unsigned.jsonld").read_text())
    elements = extract_elements(sample)
    assert elements.missing() == []
    assert elements.title == {"en": "Digital micro-credential creation"}
    assert elements.ects == 2.0 and elements.eqf == 6
    assert elements.participation.code == "blended"
    assert elements.assessment.label == "artefact assessment"
    assert [b.name["en"] for b in elements.awarding_bodies] == ["University of Zed"]
    assert len(elements.learning_outcomes) == 2
    # the sample states neither an issuing date nor QA explicitly: both are marked inferred
    assert {"issued", "quality_assurance"} <= set(elements.inferred)


def test_official_signed_sample_payload_yields_explicit_issue_date():
    sealed = json.loads(need_reference("elm", "samples", "Sample-MC-Annex1-signed.jsonld").read_text())
    elements = extract_elements(json.loads(sealed["payload"]))
    assert elements.issued == "2023-09-27T13:54:17+02:00" and "issued" not in elements.inferred


@given(st.text(max_size=120))
@settings(max_examples=300, deadline=None)
def test_node_ids_are_the_stdlib_uuid5_of_their_name(name):
    from edcissuer.mapping.common import uuid5_text

    assert uuid5_text(name) == str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def test_a_record_copy_gets_its_own_content_hash(records):
    from edcissuer.models.records import with_issuer_id

    record = next(iter(records.values()))
    before = record.content_hash()
    bound = with_issuer_id(record, "did:example:other")
    assert bound.content_hash() != before                      # the memo does not travel with model_copy
    assert bound.content_hash() == with_issuer_id(record, "did:example:other").content_hash()
    assert record.content_hash() == before == type(record).model_validate(record.model_dump()).content_hash()
