"""Recognition policy: parsing, every rule passing and failing, the three decisions, both formats."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import NOW
from recognition_helpers import DECISION_SAMPLES, LENIENT, STRICT, TRUST, eleven, options, policy, write_issued

from edcissuer.errors import InputError
from edcissuer.mapping.elm import to_elm
from edcissuer.mapping.extract import extract_elements
from edcissuer.models.elements import QualityAssuranceInfo, SupervisionInfo
from edcissuer.recognition import (
    NOT_RECOGNISED,
    RECOGNISED,
    WITH_CONDITIONS,
    assess,
    evaluate,
    load_policy,
    parse_policy,
)
from edcissuer.recognition.findings import DELIVERING_PARTNER, ISSUER, PartyTrust, QAStanding, TrustFindings

ESCO_ANALYSE = "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"
ESCO_COMMUNICATE = "http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304"
ESCO_OTHER = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def issued(tmp_path_factory, records, demo_keys):
    folder = tmp_path_factory.mktemp("policy")
    return {f"{name}.{fmt}": write_issued(folder, name, records[name], fmt, demo_keys)
            for name in DECISION_SAMPLES for fmt in ("elm", "ob3")}


@pytest.fixture(scope="module")
def ana(records):
    """Elements of the model 1 record as read back from its ELM credential (pure: no signing)."""
    return extract_elements(to_elm(records["model1-single"]))


TRUSTED = TrustFindings(checked=True, issuer=PartyTrust(
    ISSUER, "University of Lusitania", "did:web:x", "PT500123456", True, "on the list", "University of Lusitania",
    "PT", QAStanding(accredited=True, agency="A3ES")))


def decide(rules, elements, trust=TRUSTED, now=NOW):
    return evaluate(policy(rules), elements, trust, now)


def only(decision):
    assert len(decision.reasons) == 1
    return decision.reasons[0]


# --------------------------------------------------------------------------- the file


def test_sample_policies_load_with_rules_and_targets():
    strict, lenient = load_policy(STRICT), load_policy(LENIENT)
    assert strict.target.ects == 30 and strict.target.eqf == 6
    assert len(strict.summary()["rules"]) == 11
    assert lenient.rules.trusted_issuer.severity == "condition"


@pytest.mark.parametrize("rules, message", [
    ({"ects": {"min": 3, "colour": "red"}}, "rules.ects.colour: is not a known key"),
    ({"trusted_issue": {}}, "rules.trusted_issue: is not a known key"),
    ({"ects": {"min": 3, "severity": "fatal"}}, "rules.ects.severity"),
    ({"ects": {"min": 10, "max": 5}}, "min is larger than max"),
    ({"ects": {}}, "give min and/or max"),
    ({"level": {"eqf": [9]}}, "unknown EQF level"),
    ({"level": {"qf_ehea": ["fourth"]}}, "unknown QF-EHEA cycle"),
    ({"quality_assurance": {"types": ["national"]}}, "unknown QA type"),
    ({"assessment": {"types": ["vibes"]}}, "unknown assessment type"),
    ({"identity_verified": {"supervision": ["unsupervised"]}}, "unknown identity-verified supervision code"),
    ({"max_age": {"years": 5, "days": 10}}, "exactly one of years or days"),
    ({"awarding_models": {"accepted": ["federated"]}}, "rules.awarding_models.accepted.0"),
    ({"learning_outcomes": {"esco": ["https://example.org/skill"]}}, "not ESCO URIs"),
    ({"explicit_elements": {"allow": ["colour"]}}, "unknown element name"),
])
def test_bad_policy_is_refused_naming_the_key(rules, message):
    with pytest.raises(InputError, match=message.replace(".", r"\.")):
        policy(rules)


def test_policy_needs_a_name_and_refuses_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="policy.name"):
        parse_policy({"policy": {}})
    bad = tmp_path / "p.toml"
    bad.write_text("[policy\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_policy(bad)
    with pytest.raises(InputError, match="cannot read policy"):
        load_policy(tmp_path / "missing.toml")


# --------------------------------------------------------------------------- each rule, pure


def test_trusted_issuer_rule(ana):
    assert only(decide({"trusted_issuer": {}}, ana)).passed
    untrusted = TrustFindings(checked=True, issuer=PartyTrust(ISSUER, "X", None, None, False, "X is not listed"))
    r = only(decide({"trusted_issuer": {}}, ana, untrusted))
    assert not r.passed and r.reason == "X is not listed"
    r = only(decide({"trusted_issuer": {}}, ana, TrustFindings(checked=False)))
    assert not r.passed and "no trust list given" in r.reason


def test_trusted_partners_rule_can_be_limited_to_awarding_bodies(ana):
    partner = PartyTrust(DELIVERING_PARTNER, "Garonne", None, None, False, "Garonne is not listed")
    trust = TrustFindings(checked=True, issuer=TRUSTED.issuer, partners=(partner,))
    assert not only(decide({"trusted_partners": {}}, ana, trust)).passed
    assert only(decide({"trusted_partners": {"roles": ["awarding body"]}}, ana, trust)).passed
    assert only(decide({"trusted_partners": {}}, ana)).passed


@pytest.mark.parametrize("bounds, passed", [({"min": 5}, True), ({"min": 6}, False), ({"max": 5}, True),
                                            ({"max": 4}, False), ({"min": 1, "max": 10}, True)])
def test_ects_rule(ana, bounds, passed):
    r = only(decide({"ects": bounds}, ana))
    assert r.passed is passed and "5 ECTS" in r.reason


def test_ects_rule_fails_without_ects(ana):
    assert "no ECTS workload stated" in only(decide({"ects": {"min": 1}}, ana.model_copy(update={"ects": None}))).reason


@pytest.mark.parametrize("level, passed", [({"eqf": [6]}, True), ({"eqf": [7, 8]}, False),
                                           ({"qf_ehea": ["first"]}, True), ({"qf_ehea": ["second"]}, False),
                                           ({"eqf": [6], "qf_ehea": ["second"]}, False)])
def test_level_rule(ana, level, passed):
    assert only(decide({"level": level}, ana)).passed is passed


def test_quality_assurance_rule_external_types_and_accreditation(ana):
    assert only(decide({"quality_assurance": {"external": True, "types": ["institutional"],
                                              "accredited_institution": True}}, ana)).passed
    assert not only(decide({"quality_assurance": {"types": ["programme"]}}, ana)).passed
    internal = ana.model_copy(update={"quality_assurance": QualityAssuranceInfo(external=False)})
    r = only(decide({"quality_assurance": {"external": True}}, internal))
    assert not r.passed and "external quality assurance is not stated" in r.reason
    not_accredited = TrustFindings(checked=True, issuer=PartyTrust(ISSUER, "X", None, None, True, "listed",
                                                                   "X", "PT", QAStanding(accredited=False)))
    r = only(decide({"quality_assurance": {"accredited_institution": True}}, ana, not_accredited))
    assert not r.passed and "records no accreditation for X" in r.reason


def test_assessment_rule(ana):
    assert only(decide({"assessment": {"types": ["project work", "oral examination"]}}, ana)).passed
    r = only(decide({"assessment": {"types": ["written examination"]}}, ana))
    assert not r.passed and "project work is not accepted" in r.reason


def test_identity_verified_rule(ana):
    assert only(decide({"identity_verified": {}}, ana)).passed
    assert not only(decide({"identity_verified": {"supervision": ["supervised-online-id"]}}, ana)).passed
    unsupervised = ana.model_copy(update={"supervision": SupervisionInfo(code="unsupervised", supervised=False,
                                                                          identity_verified=False)})
    r = only(decide({"identity_verified": {"severity": "condition"}}, unsupervised))
    assert not r.passed and "not identity-verified" in r.reason
    assert r.condition == "an identity-verified check (e.g. an oral examination) is needed"  # default text
    assert not only(decide({"identity_verified": {}}, ana.model_copy(update={"supervision": None}))).passed


def test_max_age_rule_uses_the_given_now(ana):
    rule = {"max_age": {"years": 1}}
    assert only(decide(rule, ana, now=NOW)).passed
    late = only(decide(rule, ana, now=NOW + timedelta(days=400)))
    assert not late.passed and "older than the 1 years limit" in late.reason
    assert not only(decide({"max_age": {"days": 100}}, ana)).passed  # issued 2026-06-30, NOW 2026-11-24
    assert "unreadable" in only(decide(rule, ana.model_copy(update={"issued": "soon"}))).reason


def test_awarding_models_rule(ana):
    assert only(decide({"awarding_models": {"accepted": ["single"]}}, ana)).passed
    r = only(decide({"awarding_models": {"accepted": ["joint-award", "cooperative"]}}, ana))
    assert not r.passed and "awarding model single is not accepted" in r.reason


@pytest.mark.parametrize("rule, passed", [
    ({"esco": [ESCO_ANALYSE, ESCO_OTHER]}, True),
    ({"esco": [ESCO_ANALYSE, ESCO_OTHER], "match": "all"}, False),
    ({"esco": [ESCO_ANALYSE, ESCO_COMMUNICATE], "match": "all"}, True),
    ({"esco": [ESCO_OTHER]}, False),
])
def test_learning_outcomes_esco_alignment_rule(ana, rule, passed):
    assert only(decide({"learning_outcomes": rule}, ana)).passed is passed


def test_explicit_elements_rule(ana):
    assert only(decide({"explicit_elements": {}}, ana)).passed
    guessed = ana.model_copy(update={"inferred": ["issued", "qf_ehea"]})
    r = only(decide({"explicit_elements": {}}, guessed))
    assert not r.passed and r.reason == "element(s) inferred, not stated: issued, qf_ehea"
    assert not only(decide({"explicit_elements": {"allow": ["qf_ehea"]}}, guessed)).passed
    assert only(decide({"explicit_elements": {"allow": ["qf_ehea", "issued"]}}, guessed)).passed


# --------------------------------------------------------------------------- decisions


def test_all_rules_passing_means_recognised(ana):
    d = decide({"ects": {"min": 1}, "level": {"eqf": [6]}}, ana)
    assert d.outcome == RECOGNISED and not d.conditions and all(r.passed for r in d.reasons)


def test_failed_condition_rule_means_recognised_with_conditions(ana):
    d = decide({"ects": {"min": 1}, "assessment": {"types": ["oral examination"], "severity": "condition",
                                                   "condition": "an oral check is needed"}}, ana)
    assert d.outcome == WITH_CONDITIONS and d.conditions == ["an oral check is needed"]


def test_failed_required_rule_means_not_recognised_even_with_conditions(ana):
    d = decide({"ects": {"min": 10}, "assessment": {"types": ["oral examination"], "severity": "condition"}}, ana)
    assert d.outcome == NOT_RECOGNISED
    assert [(r.rule, r.passed, r.severity) for r in d.reasons] == [("ects", False, "required"),
                                                                   ("assessment", False, "condition")]


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
@pytest.mark.parametrize("name, outcome", [("model1-single", RECOGNISED), ("model2-cooperative", NOT_RECOGNISED),
                                           ("model3-joint", WITH_CONDITIONS)])
def test_strict_sample_policy_gives_each_decision_on_the_samples(issued, fmt, name, outcome):
    entry = assess(issued[f"{name}.{fmt}"], policy=STRICT, trust=TRUST, options=options()).credentials[0]
    assert entry.valid
    assert entry.decision.outcome == outcome, entry.decision.failed
    assert len(entry.decision.reasons) == 11


def test_strict_refusal_and_condition_name_their_rule(issued):
    report = assess([issued["model2-cooperative.elm"], issued["model3-joint.elm"]], policy=STRICT, trust=TRUST,
                    options=options())
    refused, conditional = report.credentials
    assert [r.rule for r in refused.decision.failed] == ["trusted_partners"]
    assert [r.rule for r in conditional.decision.failed] == ["learning_outcomes"]
    assert conditional.decision.conditions[0].startswith("learning outcomes not aligned")


def test_lenient_sample_policy_recognises_all_with_a_condition_for_online_proctoring(issued):
    report = assess(list(issued.values()), policy=LENIENT, trust=TRUST, options=options())
    outcomes = {e.source.rsplit("/", 1)[-1]: e.decision.outcome for e in report.credentials}
    assert outcomes["model2-cooperative.elm.jades.json"] == WITH_CONDITIONS
    assert outcomes["model2-cooperative.ob3.jsonld"] == WITH_CONDITIONS
    assert {v for k, v in outcomes.items() if "model2" not in k} == {RECOGNISED}


@pytest.mark.parametrize("name", ["model1-single", "model2-cooperative", "model3-joint"])
def test_elm_and_ob3_of_one_record_give_the_same_elements_and_decisions(issued, name):
    for pol in (STRICT, LENIENT):
        report = assess([issued[f"{name}.elm"], issued[f"{name}.ob3"]], policy=pol, trust=TRUST, options=options())
        elm, ob3 = report.credentials
        assert (elm.format, ob3.format) == ("elm", "ob3")
        assert eleven(elm.elements.model_dump(mode="json")) == eleven(ob3.elements.model_dump(mode="json"))
        assert elm.decision.outcome == ob3.decision.outcome
        assert [(r.rule, r.passed) for r in elm.decision.reasons] == [(r.rule, r.passed) for r in ob3.decision.reasons]


def test_tampered_credential_is_not_recognised_with_the_failed_check_as_reason(issued, tmp_path):
    doc = json.loads(issued["model1-single.ob3"].read_text())
    doc["credentialSubject"]["achievement"]["creditsAvailable"] = 30
    path = tmp_path / "tampered.jsonld"
    path.write_text(json.dumps(doc))
    entry = assess(path, policy=LENIENT, trust=TRUST, options=options()).credentials[0]
    assert entry.decision.outcome == NOT_RECOGNISED
    assert [(r.rule, r.severity) for r in entry.decision.reasons] == [("proof", "verification")]
    assert "signature does not match" in entry.decision.reasons[0].reason


def test_tampered_seal_is_not_recognised(issued, tmp_path):
    doc = json.loads(issued["model1-single.elm"].read_text())
    doc["payload"] = doc["payload"].replace('"5"', '"50"').replace(":5,", ":50,")
    assert doc["payload"] != json.loads(issued["model1-single.elm"].read_text())["payload"]
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(doc))
    entry = assess(path, policy=LENIENT, trust=TRUST, options=options()).credentials[0]
    assert entry.decision.outcome == NOT_RECOGNISED
    assert "proof" in [r.rule for r in entry.decision.reasons]


def test_expired_credential_is_not_recognised(issued):
    later = options(now=NOW.replace(year=2037))  # model 3 is valid until 2036-09-01
    entry = assess(issued["model3-joint.ob3"], policy=LENIENT, trust=TRUST, options=later).credentials[0]
    assert entry.decision.outcome == NOT_RECOGNISED
    assert any(r.rule == "validity" and "expired" in r.reason for r in entry.decision.reasons)
