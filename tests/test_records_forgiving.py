"""Records accept the short forms a registrar writes, and every refusal says what to write instead."""
from __future__ import annotations

import copy
import warnings

import pytest
import yaml

from conftest import NOW, SAMPLES
from edcissuer.crypto.did import did_web_verification_method
from edcissuer.errors import RecordValidationError
from edcissuer.issue import IssuerIdMismatchError, IssuerIdReplaced, issue, issuer_id_mismatch
from edcissuer.models.records import load_record, parse_record

BASE = yaml.safe_load(SAMPLES[0].read_text())   # model 1: lead id did:web:credentials.univ-lusitania.example


def changed(**changes: object) -> dict:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def refused(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(RecordValidationError) as info:
        parse_record(data)
    return info.value.problems


# --- short forms ------------------------------------------------------------------------------

def test_plain_string_and_language_map_learning_outcomes_are_titles():
    record = parse_record(changed(learning_outcomes=["Analyse a public dataset",
                                                     {"en": "Clean data", "pt": "Limpar dados"}]))
    assert [o.title for o in record.learning_outcomes] == [{"en": "Analyse a public dataset"},
                                                           {"en": "Clean data", "pt": "Limpar dados"}]
    assert all(o.esco == [] for o in record.learning_outcomes)


def test_short_and_long_forms_give_the_same_record_and_credential_id():
    long = parse_record(changed(learning_outcomes=[{"title": {"en": "Analyse data"}}],
                                assessment={"type": "project work"}, level={"eqf": 6}, workload={"ects": 5},
                                grade={"value": {"en": "17/20"}}))
    short = parse_record(changed(learning_outcomes=["Analyse data"], assessment="project work", level=6,
                                 workload=5, grade="17/20"))
    assert short == long and short.credential_id() == long.credential_id()


def test_plain_string_assessment_type_is_accepted_in_any_case():
    assert parse_record(changed(assessment="Written Examination")).assessment.type == "written examination"


def test_free_text_assessment_is_refused_showing_the_yaml_to_write():
    [(field, message)] = refused(changed(assessment="Individual project with a policy brief"))
    assert field == "i) type of assessment"
    assert "assessment:\n" in message and "type: project work" in message
    assert "description: Individual project with a policy brief" in message


def test_misspelt_assessment_type_suggests_the_nearest_one():
    [(_, message)] = refused(changed(assessment="written exam"))
    assert "did you mean 'written examination'?" in message and "assessment: written examination" in message


def test_outcome_with_esco_but_no_title_is_refused_showing_the_yaml():
    [(field, message)] = refused(changed(learning_outcomes=[{"en": "Analyse data", "esco": []}]))
    assert field == "f) learning outcomes.0"
    assert "title" in message and "esco: [http://data.europa.eu/esco/skill/...]" in message


def test_an_outcome_that_is_not_text_is_refused_with_the_yaml_not_pydantics_words():
    [(_, message)] = refused(changed(learning_outcomes=[42]))
    assert "valid dictionary" not in message and "learning_outcomes:\n" in message


def test_a_boolean_is_never_an_eqf_level():
    [(field, message)] = refused(changed(level=True))
    assert field == "h) level (EQF, QF-EHEA cycle)" and "expected a mapping" in message


def test_plain_string_texts_are_english_whatever_the_record_language():
    # documented in docs/records.md: the credential id of existing records depends on it
    assert parse_record(changed(language="pt", title="Literacia de Dados")).title == {"en": "Literacia de Dados"}


# --- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["30/06/2026", "June 30, 2026", "2026-6-30"])
def test_a_bad_date_of_issuing_names_the_field_and_the_expected_format(value):
    [(field, message)] = refused(changed(issued=value))
    assert field == "e) date of issuing"
    assert "YYYY-MM-DD" in message and "2026-06-30T10:00:00Z" in message and repr(value) in message


def test_a_bad_date_of_birth_names_the_learner_field_and_the_date_format():
    data = copy.deepcopy(BASE)
    data["learner"]["date_of_birth"] = "12.04.1998"
    [(field, message)] = refused(data)
    assert field == "a) identification of the learner.date_of_birth"
    assert message == "expected a date YYYY-MM-DD, e.g. 1998-04-12; got '12.04.1998'"


def test_an_impossible_yaml_date_is_a_refusal_not_a_crash(tmp_path):
    text = SAMPLES[0].read_text().replace("issued: 2026-06-30T10:00:00Z", "issued: 2026-02-30")
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(RecordValidationError) as info:
        load_record(path)
    [(field, message)] = info.value.problems
    assert field == "e) date of issuing"
    assert message.startswith("expected a date YYYY-MM-DD (midnight UTC) or an ISO 8601 date-time with a time zone")
    assert "got '2026-02-30" in message


# --- countries ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "code"), [("Germany", "DE"), ("Deutschland", "DE"), ("germany", "DE"),
                                            ("Allemagne", "DE"), ("Österreich", "AT"), ("Polska", "PL"),
                                            ("España", "ES"), ("Ελλάδα", "GR"), ("pt", "PT")])
def test_country_names_in_english_or_native_languages_become_iso_codes(name, code):
    data = copy.deepcopy(BASE)
    data["awarding"]["lead"]["country"] = name
    data["countries"] = [name]
    record = parse_record(data)
    assert record.awarding.lead.country == code and record.countries == [code]


@pytest.mark.parametrize(("value", "hint"), [("Germny", "did you mean DE (Germany)?"),
                                             ("UK", "did you mean GB (United Kingdom)?"),
                                             ("Japan", "'Japan' is JP, which is not a supported country")])
def test_an_unknown_country_names_the_field_and_suggests_the_code(value, hint):
    data = copy.deepcopy(BASE)
    data["awarding"]["lead"]["country"] = value
    [(field, message)] = refused(data)
    assert field == "d) awarding body(ies).lead.country" and hint in message


# --- the issuer id ------------------------------------------------------------------------------

def test_issuing_a_did_web_record_with_another_key_is_refused_naming_the_lead_id_and_the_fix(records, demo_keys):
    record = records["model1-single"]
    with pytest.raises(IssuerIdMismatchError) as info:
        issue(record, fmt="ob3", signer=demo_keys.issuer, now=NOW, on_issuer_mismatch="refuse")
    assert info.value.field == "awarding.lead.id"
    text = str(info.value)
    assert "did:web:credentials.univ-lusitania.example" in text and demo_keys.issuer.did_key in text
    assert "--issuer-did did:web:credentials.univ-lusitania.example" in text and "remove awarding.lead.id" in text


def test_by_default_the_replaced_issuer_id_is_warned_about_never_silent(records, demo_keys):
    with pytest.warns(IssuerIdReplaced, match="awarding.lead.id"):
        issued = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, now=NOW)
    assert issued.credential["issuer"]["id"] == demo_keys.issuer.did_key
    assert len(issued.warnings) == 1 and "did:web:credentials.univ-lusitania.example" in issued.warnings[0]


def test_the_did_web_that_lists_the_key_issues_without_warning(records, demo_keys):
    lead = "did:web:credentials.univ-lusitania.example"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        issued = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, now=NOW, issuer_did=lead,
                       on_issuer_mismatch="refuse")
    assert issued.warnings == () and issued.credential["issuer"]["id"] == lead
    assert issued.credential["proof"][0]["verificationMethod"] == did_web_verification_method(lead, demo_keys.issuer)


def test_a_record_without_a_lead_id_takes_the_keys_did_silently(records, demo_keys):
    lead = records["model1-single"].awarding.lead.model_copy(update={"id": None})
    record = records["model1-single"].model_copy(
        update={"awarding": records["model1-single"].awarding.model_copy(update={"lead": lead})})
    assert issuer_id_mismatch(record, demo_keys.issuer, None) is None
    issued = issue(record, fmt="ob3", signer=demo_keys.issuer, now=NOW, on_issuer_mismatch="refuse")
    assert issued.credential["issuer"]["id"] == demo_keys.issuer.did_key


def test_an_issuer_did_other_than_the_records_lead_id_is_a_mismatch(records, demo_keys):
    problem = issuer_id_mismatch(records["model1-single"], demo_keys.issuer, "did:web:other.example")
    assert problem is not None and "did:web:other.example" in problem and "make them the same" in problem


def test_a_seal_keeps_the_records_issuer_id_without_warning(records, demo_keys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        issued = issue(records["model1-single"], fmt="elm", signer=demo_keys.seal, proof="jades", now=NOW,
                       on_issuer_mismatch="refuse")
    assert issued.warnings == ()


def test_a_record_language_that_is_not_a_tag_is_refused():
    assert refused(changed(language="Portuguese")) == [("language", "'Portuguese' is not a BCP 47 language tag "
                                                                    "(e.g. en, pt, de-AT)")]


def test_cli_issue_of_a_did_web_record_with_a_plain_key_is_not_silent(tmp_path, capsys):
    from edcissuer.cli import main

    key = SAMPLES[0].parents[2] / "keys" / "demo-issuer-ed25519.DEMO-ONLY.pem"
    with pytest.warns(IssuerIdReplaced, match="--issuer-did did:web:credentials.univ-lusitania.example"):
        assert main(["issue", str(SAMPLES[0]), "--format", "ob3", "--key", str(key),
                     "-o", str(tmp_path / "c.jsonld")]) == 0
