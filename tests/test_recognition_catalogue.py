"""Recognition rules of issue 13: the pre-approved catalogue (item 11), the EQAR-registered agency
(item 10) and the alliance profile a credential states (item 6).

Decisions come from signed credentials where the issued credential carries the field (the
specification id); elsewhere from `Elements` built here, the shape the verifier extracts.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from conftest import NOW, ROOT
from recognition_helpers import options, policy, write_issued

from edcissuer.errors import InputError
from edcissuer.mapping.extract import extract_elements
from edcissuer.models.elements import Body, Elements, QualityAssuranceInfo
from edcissuer.profiles import load_profile
from edcissuer.recognition import NOT_RECOGNISED, RECOGNISED, WITH_CONDITIONS, assess, evaluate, load_policy
from edcissuer.recognition.policy import load_agency_register, parse_policy

SAMPLE_POLICY = ROOT / "samples" / "policies" / "alliance-partner.toml"
DIVERSE = "https://w3id.org/edcissuer/profiles/diverse/v1"
UNA = "https://w3id.org/edcissuer/profiles/una-europa/v1"
ISSUER = "did:web:credentials.tu-rheinau.example"


def elements(**kw) -> Elements:
    base = dict(format="elm", issuer=Body(id=ISSUER, name={"en": "TU Rheinau"}), issued="2026-06-30T00:00:00Z",
                ects=5.0, eqf=6, specification_id="https://tu-rheinau.example/specs/robotics-1")
    return Elements(**{**base, **kw})


def agency(deqar_id: str | None = "DEQAR-AG-0001") -> QualityAssuranceInfo:
    return QualityAssuranceInfo(external=True, agency=Body(name={"en": "Engineering Accreditation"},
                                                           deqar_id=deqar_id))


def reason(decision, rule: str):
    return next(r for r in decision.reasons if r.rule == rule)


# --------------------------------------------------------------------------- pre-approved catalogue, signed

@pytest.fixture(scope="module")
def issued(tmp_path_factory, records, demo_keys):
    folder = tmp_path_factory.mktemp("catalogue")
    return {fmt: write_issued(folder, "coop", records["model2-cooperative"], fmt, demo_keys, proof="eddsa-rdfc-2022",
                              signer=demo_keys.issuer) for fmt in ("elm", "ob3")}


def _signed_elements(path: Path) -> Elements:
    report = assess(path, options=options())
    [entry] = report.credentials
    assert entry.valid and entry.elements is not None
    return entry.elements


@pytest.mark.parametrize("fmt, where", [("elm", ("credentialSubject", "hasClaim", "specifiedBy", "id")),
                                        ("ob3", ("credentialSubject", "achievement", "id"))])
def test_the_specification_id_is_read_from_the_signed_credential(issued, fmt, where):
    import json

    signed = json.loads(issued[fmt].read_text())
    for key in where:
        signed = signed[key]
    assert _signed_elements(issued[fmt]).specification_id == signed


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_a_listed_specification_is_recognised_automatically_naming_the_entry(issued, fmt):
    e = _signed_elements(issued[fmt])
    rules = {"ects": {"max": 3},                     # 5 ECTS: this rule alone would refuse it
             "level": {"eqf": [5]},                  # EQF 7: and this one
             "catalogue": {"entries": [{"id": e.specification_id, "name": "Robotics module, approved 2026-05",
                                        "issuer": e.issuer.id}]}}
    report = assess(issued[fmt], policy=policy(rules), options=options())
    decision = report.credentials[0].decision
    assert decision.outcome == RECOGNISED, decision.reasons
    assert reason(decision, "catalogue").reason == (f"pre-approved: catalogue entry 'Robotics module, approved "
                                                    f"2026-05' ({e.specification_id}) lists its specification")
    for rule in ("ects", "level"):
        r = reason(decision, rule)
        assert r.passed and r.reason.startswith("pre-approved by catalogue entry 'Robotics module, approved 2026-05'")
        assert "not weighed" in r.reason


def test_an_entry_listed_for_another_issuer_does_not_match(issued):
    e = _signed_elements(issued["ob3"])
    rules = {"ects": {"max": 3},
             "catalogue": {"entries": [{"id": e.specification_id, "name": "Robotics", "issuer": "did:web:other.example"}],
                           "unlisted": "not-listed-fails"}}
    decision = evaluate(policy(rules), e, None, NOW)
    assert decision.outcome == NOT_RECOGNISED
    text = reason(decision, "catalogue").reason
    assert "listed ('Robotics') for issuer did:web:other.example" in text and e.issuer.id in text
    assert not reason(decision, "ects").passed


# --------------------------------------------------------------------------- catalogue semantics

def test_an_unlisted_credential_is_decided_by_the_other_rules():
    rules = {"ects": {"max": 3}, "catalogue": {"entries": [{"id": "https://x.example/other", "name": "Other"}]}}
    decision = evaluate(policy(rules), elements(), None, NOW)
    assert decision.outcome == NOT_RECOGNISED
    catalogue = reason(decision, "catalogue")
    assert catalogue.passed and catalogue.reason.startswith("not in the pre-approved catalogue (its specification ")
    assert catalogue.reason.endswith("the other rules decide")


def test_a_catalogue_that_admits_only_listed_credentials_fails_the_rest_with_its_condition():
    rules = {"catalogue": {"entries": [{"id": "https://x.example/other", "name": "Other"}],
                           "unlisted": "not-listed-fails", "severity": "condition"}}
    decision = evaluate(policy(rules), elements(), None, NOW)
    assert decision.outcome == WITH_CONDITIONS
    assert decision.conditions == ["the programme must be approved for recognition (it is not in the catalogue)"]


def test_the_qualification_a_credential_is_part_of_can_be_the_catalogue_entry():
    e = elements(part_of={"en": "MSc Robotics", "id": "https://tu-rheinau.example/programmes/msc-robotics"})
    decision = evaluate(load_policy(SAMPLE_POLICY), e.model_copy(update={"ects": 40.0}), None, NOW)
    assert reason(decision, "catalogue").reason == (
        "pre-approved: catalogue entry 'MSc Robotics modules (TU Rheinau), approved by the examination board "
        "2026-05' (https://tu-rheinau.example/programmes/msc-robotics) lists the qualification it is part of")
    assert reason(decision, "ects").passed


def test_a_catalogue_entry_waives_only_the_rules_it_names_never_trust_or_quality_assurance():
    rules = {"trusted_issuer": {}, "ects": {"max": 3}, "level": {"eqf": [7]},
             "eqar_agency": {"registered": ["DEQAR-AG-0009"]},
             "catalogue": {"waives": ["ects"],
                           "entries": [{"id": "https://tu-rheinau.example/specs/robotics-1", "name": "Robotics"}]}}
    decision = evaluate(policy(rules), elements(quality_assurance=agency()), None, NOW)
    assert decision.outcome == NOT_RECOGNISED
    assert reason(decision, "ects").passed
    assert [r.rule for r in decision.failed] == ["trusted_issuer", "level", "eqar_agency"]


@pytest.mark.parametrize("rule, says", [
    ({"waives": ["trusted_issuer"], "entries": [{"id": "x:1", "name": "n"}]},
     "rules.catalogue.waives: ['trusted_issuer'] cannot be waived"),
    ({"entries": []}, "rules.catalogue.entries"),
    ({"entries": [{"id": "x:1", "name": "n"}, {"id": "x:1", "name": "m"}]}, "catalogue entries listed twice: x:1"),
    ({"entries": [{"id": "x:1"}]}, "rules.catalogue.entries.0.name"),
])
def test_a_bad_catalogue_is_refused_naming_the_key(rule, says):
    with pytest.raises(InputError, match="policy") as caught:
        parse_policy({"policy": {"name": "p"}, "rules": {"catalogue": rule}})
    assert says in str(caught.value), str(caught.value)


# --------------------------------------------------------------------------- EQAR-registered agency

def test_an_agency_on_the_policys_list_is_eqar_registered():
    decision = evaluate(policy({"eqar_agency": {"registered": ["DEQAR-AG-0001"]}}),
                        elements(quality_assurance=agency()), None, NOW)
    assert decision.outcome == RECOGNISED
    assert reason(decision, "eqar_agency").reason == (
        "QA agency Engineering Accreditation (DEQAR DEQAR-AG-0001) is EQAR-registered per the policy's list of "
        "EQAR-registered agencies")


@pytest.mark.parametrize("qa, says", [
    (None, "the credential names no quality assurance agency"),
    (agency(None), "the QA agency Engineering Accreditation carries no DEQAR id"),
    (agency("DEQAR-AG-0404"), "(DEQAR DEQAR-AG-0404) is not on the policy's list of EQAR-registered agencies"),
])
def test_an_agency_not_shown_registered_fails_with_the_reason(qa, says):
    decision = evaluate(policy({"eqar_agency": {"registered": ["DEQAR-AG-0001"]}}),
                        elements(quality_assurance=qa), None, NOW)
    assert decision.outcome == NOT_RECOGNISED and says in reason(decision, "eqar_agency").reason


def test_the_sample_policy_reads_its_dated_register_file_next_to_it():
    pol = load_policy(SAMPLE_POLICY)
    register = pol.rules.eqar_agency.loaded
    assert register is not None and register.as_of.isoformat() == "2026-11-01"
    decision = evaluate(pol, elements(quality_assurance=agency()), None, NOW)
    assert reason(decision, "eqar_agency").reason == (
        "QA agency Engineering Accreditation (DEQAR DEQAR-AG-0001) is EQAR-registered per the EQAR register file "
        "eqar-register.toml (DEMO copy of the EQAR register of agencies (replace with the real register), as of "
        "2026-11-01)")


def _register_policy(tmp_path: Path, register: str, **rule) -> Path:
    (tmp_path / "lists").mkdir(exist_ok=True)
    (tmp_path / "lists" / "eqar.toml").write_text(register, encoding="utf-8")
    extra = "".join(f"{k} = {v}\n" for k, v in rule.items())
    path = tmp_path / "policy.toml"
    path.write_text(f'[policy]\nname = "p"\n[rules.eqar_agency]\nregister_file = "lists/eqar.toml"\n{extra}',
                    encoding="utf-8")
    return path


REGISTER = ('[register]\nsource = "EQAR register"\nas_of = 2026-01-15\n'
            '[[agency]]\ndeqar_id = "DEQAR-AG-0001"\nname = "Engineering Accreditation"\nuntil = 2026-03-31\n')


def test_a_stale_register_is_refused_until_refreshed(tmp_path):
    pol = load_policy(_register_policy(tmp_path, REGISTER, max_register_age_days=180))
    decision = evaluate(pol, elements(quality_assurance=agency(), issued="2026-02-01T00:00:00Z"), None, NOW)
    text = reason(decision, "eqar_agency").reason
    assert not reason(decision, "eqar_agency").passed and "313 days old, over the 180-day limit" in text
    fresh = evaluate(pol, elements(quality_assurance=agency(), issued="2026-02-01T00:00:00Z"), None,
                     NOW - timedelta(days=200))
    assert reason(fresh, "eqar_agency").passed


def test_a_registration_that_ended_before_issuing_does_not_count(tmp_path):
    pol = load_policy(_register_policy(tmp_path, REGISTER))
    decision = evaluate(pol, elements(quality_assurance=agency()), None, NOW)   # issued 2026-06-30
    assert reason(decision, "eqar_agency").reason == (
        "QA agency Engineering Accreditation (DEQAR DEQAR-AG-0001) was EQAR-registered until 2026-03-31, before "
        "the credential was issued (2026-06-30T00:00:00Z)")


@pytest.mark.parametrize("register, says", [
    ('[register]\nsource = "x"\n[[agency]]\ndeqar_id = "A"\n', "eqar.toml: as_of: Field required"),
    ('[register]\nsource = "x"\nas_of = 2026-01-01\n[[agency]]\ndeqar = "A"\n', "agency.0.deqar"),
    ('[[agency]]\ndeqar_id = "A"\n', "needs a [register] table"),
    ('[register]\nsource = "x"\nas_of = 2026-01-01\n[[agency]]\ndeqar_id = "A"\n[extra]\n', "extra is not a known"),
])
def test_a_bad_register_file_is_refused_naming_the_file_and_key(tmp_path, register, says):
    with pytest.raises(InputError) as caught:
        load_policy(_register_policy(tmp_path, register))
    assert "eqar.toml" in str(caught.value) and says in str(caught.value), str(caught.value)


def test_the_loaded_register_cannot_be_written_into_the_policy():
    with pytest.raises(InputError, match="rules.eqar_agency.loaded is not a known key"):
        parse_policy({"policy": {"name": "p"}, "rules": {"eqar_agency": {"registered": ["A"], "loaded": {}}}})
    with pytest.raises(InputError, match="give registered"):
        parse_policy({"policy": {"name": "p"}, "rules": {"eqar_agency": {}}})


def test_the_register_reader_keeps_every_agency():
    register = load_agency_register(ROOT / "samples" / "policies" / "eqar-register.toml")
    assert [a.deqar_id for a in register.agency] == ["DEQAR-AG-0000", "DEQAR-AG-0001", "DEQAR-AG-0002"]


def test_eqar_rule_on_a_signed_sample(tmp_path, records, demo_keys):
    path = write_issued(tmp_path, "ana", records["model1-single"], "ob3", demo_keys)
    e = _signed_elements(path)
    if not (e.quality_assurance and e.quality_assurance.agency and e.quality_assurance.agency.deqar_id):
        pytest.skip("the verifier does not extract the QA agency's DEQAR id yet (issue 13, item 10: mapping helpers)")
    decision = assess(path, policy=policy({"eqar_agency": {"registered": ["DEQAR-AG-0000"]}}),
                      options=options()).credentials[0].decision
    assert reason(decision, "eqar_agency").passed and "DEQAR-AG-0000" in reason(decision, "eqar_agency").reason


# --------------------------------------------------------------------------- alliance profile required

def test_a_required_profile_is_decided_from_the_profiles_the_credential_states():
    pol = policy({"profiles": {"required": ["diverse"]}})
    assert pol.rules.profiles.required == [DIVERSE]                # a shipped name stands for its id
    ok = evaluate(pol, elements(profiles=[DIVERSE]), None, NOW)
    assert ok.outcome == RECOGNISED and reason(ok, "profiles").reason == (
        f"states the required alliance profile(s): {DIVERSE}")
    none = evaluate(pol, elements(), None, NOW)
    assert none.outcome == NOT_RECOGNISED and reason(none, "profiles").reason == (
        f"required alliance profile(s) not stated: {DIVERSE} (the credential states no alliance profile)")
    other = evaluate(pol, elements(profiles=[UNA]), None, NOW)
    assert f"(the credential states {UNA})" in reason(other, "profiles").reason


def test_any_of_several_profiles_can_be_accepted():
    pol = policy({"profiles": {"required": [DIVERSE, "una-europa"], "match": "any"}})
    assert evaluate(pol, elements(profiles=[UNA]), None, NOW).outcome == RECOGNISED
    assert evaluate(pol, elements(), None, NOW).outcome == NOT_RECOGNISED


def test_an_unknown_profile_name_in_a_policy_is_refused():
    with pytest.raises(InputError, match="rules.profiles.required: 'mce' is neither a profile id"):
        policy({"profiles": {"required": ["mce"]}})


def test_a_profile_stated_in_a_signed_credential_meets_the_policy(tmp_path, records, demo_keys):
    from edcissuer.issue import issue

    issued = issue(records["model2-cooperative"], fmt="ob3", signer=demo_keys.issuer, now=NOW,
                   profile=load_profile("diverse"))
    if not extract_elements(issued.credential).profiles:
        pytest.skip("the OB3 mapping does not carry record.profiles yet (issue 13, item 6: mapping helpers)")
    path = tmp_path / "coop.ob3.jsonld"
    path.write_text(issued.serialize(), encoding="utf-8")
    decision = assess(path, policy=policy({"profiles": {"required": ["diverse"]}}),
                      options=options()).credentials[0].decision
    assert decision.outcome == RECOGNISED, decision.reasons
