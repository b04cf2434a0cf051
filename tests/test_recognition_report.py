"""The recognition report: real reports validate against docs/recognition-report.schema.json,
the text table says the same as the JSON, and the demo section shows one decision of each kind."""
from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import NOW, ROOT
from recognition_helpers import LENIENT, SCHEMA, STRICT, TRUST, issue_demo_set, options

from edcissuer.demo.recognition import recognition_demo_section
from edcissuer.recognition import SCHEMA as SCHEMA_ID
from edcissuer.recognition import assess


@pytest.fixture(scope="module")
def demo(tmp_path_factory, records, demo_keys):
    folder = tmp_path_factory.mktemp("report")
    return folder, issue_demo_set(folder, records, demo_keys)


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("policy", [STRICT, LENIENT, None])
@pytest.mark.parametrize("trust", [TRUST, None])
@pytest.mark.parametrize("stack", [False, True])
def test_real_reports_validate_against_the_published_schema(demo, validator, tmp_path, policy, trust, stack):
    folder, _ = demo
    (tmp_path / "broken.json").write_text("{")
    report = assess([folder, tmp_path, tmp_path / "missing.jwt"], policy=policy, trust=trust, options=options(),
                    stack=stack)
    data = json.loads(report.to_json())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, [(list(e.absolute_path), e.message[:160]) for e in errors[:5]]
    assert data["schema"] == SCHEMA_ID and data["verifiedAt"] == "2026-11-24T12:00:00Z"
    assert len(data["credentials"]) == 8


def test_json_and_text_tell_the_same_decisions(demo):
    folder, _ = demo
    report = assess(folder, policy=STRICT, trust=TRUST, options=options())
    data = report.to_dict()
    text = report.to_text()
    # every credential is authentic, trusted and complete; the cooperative one is not recognised: exit 5
    assert data["outcome"] == "not recognised" and data["ok"] is False and report.exit_code == 5
    assert data["summary"] == {"credentials": 6, "authentic": 6, "issuerTrusted": 6, "issuerUntrusted": 0,
                               "issuerUnchecked": 0, "complete": 6, "recognised": 4, "accepted": 4,
                               "exitCode": 5, "result": "not recognised"}
    assert text.splitlines()[1] == ("result: not recognised (exit 5): 6 credential(s); authentic 6/6; "
                                    "issuer trusted 6/6; complete 6/6; recognised 4/6")
    for entry in data["credentials"]:
        name = entry["source"].rsplit("/", 1)[-1]
        line = next(line for line in text.splitlines() if line.startswith(name))
        assert line.lower().endswith(entry["decision"])
        for reason in entry["reasons"]:
            if not reason["passed"]:
                assert f"{reason['rule']}: {reason['reason']}" in text


def test_report_carries_the_eleven_elements_whichever_the_format(demo):
    _, files = demo
    data = assess([files["model2-cooperative.elm"], files["model2-cooperative.ob3"]], trust=TRUST,
                  options=options()).to_dict()
    for entry in data["credentials"]:
        e = entry["elements"]
        assert (e["ects"], e["eqf"], e["qf_ehea"], e["awarding_model"]) == (6.0, 7, "second", "cooperative")
        assert e["assessment"]["code"] == "written examination"
        assert [b["legal_identifier"] for b in e["delivering_partners"]] == ["PL5250001234", "FR19130001234"]


def test_aggregate_outcome_is_the_worst_decision(demo):
    _, files = demo
    conditional = assess([files["model1-single.elm"], files["model3-joint.elm"]], policy=STRICT, trust=TRUST,
                         options=options())
    assert conditional.outcome == "recognised with conditions" and conditional.exit_code == 0
    assert assess([], policy=STRICT, options=options()).outcome == "not recognised"


def test_demo_section_shows_one_decision_of_each_kind(demo):
    _, files = demo
    title, text = recognition_demo_section(sorted(files.values()), ROOT, NOW)
    assert title.startswith("Recognition")
    assert "decisions shown by the strict policy: not recognised, recognised, recognised with conditions" in text
    assert "model1-single.elm.jades.json       recognised" in text
    assert "model2-cooperative.ob3.jsonld      not recognised: trusted_partners:" in text
    assert "model3-joint.elm.jades.json        recognised with conditions: learning outcomes not aligned" in text
    assert "total 5 ECTS of 30: target not reached (25 ECTS missing)" in text


def test_the_report_schema_lists_exactly_the_stable_check_ids():
    import json

    from conftest import ROOT
    from edcissuer.checks import CheckId

    schema = json.loads((ROOT / "docs" / "recognition-report.schema.json").read_text(encoding="utf-8"))
    check = next(d for d in schema["$defs"].values() if d.get("required") == ["name", "passed", "reason", "details"])
    assert check["properties"]["name"]["enum"] == [c.value for c in CheckId]


# --------------------------------------------------------------------------- four answers, one exit code


@pytest.fixture(scope="module")
def incomplete(tmp_path_factory, records, demo_keys):
    """An authentic credential from a listed issuer that lacks an Annex I element (its ECTS)."""
    from edcissuer.issue import map_record, secure

    credential = map_record(records["model1-single"], "ob3")
    credential["issuer"]["id"] = demo_keys.issuer.did_key  # what issue() does for a did:key signer
    del credential["credentialSubject"]["achievement"]["creditsAvailable"]
    credential["credentialSubject"].pop("creditsEarned", None)
    path = tmp_path_factory.mktemp("incomplete") / "no-ects.ob3.jsonld"
    path.write_text(secure(credential, demo_keys.issuer, fmt="ob3", proof="eddsa-rdfc-2022", now=NOW).serialize())
    return path


def test_each_answer_is_separate_and_the_exit_code_names_the_first_stage_failed(demo, incomplete, tmp_path):
    _, files = demo
    good = files["model1-single.ob3"]
    tampered = tmp_path / "tampered.jsonld"
    doc = json.loads(good.read_text())
    doc["validFrom"] = "2020-01-01T00:00:00Z"
    tampered.write_text(json.dumps(doc))

    def run(paths, **kw):
        return assess(paths, options=options(), **kw)

    accepted = run(good, trust=TRUST, policy=STRICT)
    assert accepted.exit_code == 0 and accepted.ok and accepted.result == "accepted"
    assert accepted.credentials[0].outcome() == {"authentic": True, "issuerTrusted": "trusted", "complete": True,
                                                 "recognition": "recognised", "accepted": True, "exitCode": 0}
    unchecked = run(good, policy=LENIENT)  # the lenient policy recognises it with conditions; trust is unchecked
    assert unchecked.credentials[0].recognition == "recognised with conditions"
    assert unchecked.exit_code == 3 and unchecked.summary()["issuerUnchecked"] == 1
    no_ects = run(incomplete, trust=TRUST)
    entry = no_ects.credentials[0]
    assert (entry.authentic, entry.issuer_trust, entry.complete) == (True, "trusted", False)
    assert no_ects.exit_code == 4 and no_ects.result == "incomplete"
    assert run(files["model2-cooperative.ob3"], trust=TRUST, policy=STRICT).exit_code == 5
    forged = run(tampered, trust=TRUST)
    assert not forged.credentials[0].authentic and forged.exit_code == 1
    # the first failed stage wins across credentials
    assert run([good, tampered], policy=STRICT).exit_code == 1
    assert run([files["model2-cooperative.ob3"], incomplete, good], policy=STRICT).exit_code == 3
    assert run([files["model2-cooperative.ob3"], incomplete], trust=TRUST, policy=STRICT).exit_code == 4


def test_a_stack_reached_by_credentials_of_unchecked_issuers_exits_three(demo):
    from recognition_helpers import policy

    _, files = demo
    target = policy({"ects": {"min": 1}}, target={"ects": 5})
    report = assess(files["model1-single.ob3"], policy=target, options=options(), stack=True)
    assert report.stack.reached and report.exit_code == 3 and report.result == "issuer not trusted"
    trusted = assess(files["model1-single.ob3"], policy=target, trust=TRUST, options=options(), stack=True)
    assert trusted.exit_code == 0
