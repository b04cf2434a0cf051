"""The record model refuses bad records and names every element that failed."""
from __future__ import annotations

import copy

import pytest
import yaml

from conftest import SAMPLES
from edcissuer.errors import InputError, RecordValidationError
from edcissuer.models.records import ELEMENTS, load_record, parse_record

BASE = yaml.safe_load(SAMPLES[0].read_text())


def refused(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(RecordValidationError) as info:
        parse_record(data)
    return info.value.problems


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_record_is_valid(path):
    record = load_record(path)
    assert record.learning_outcomes and record.workload.ects > 0


@pytest.mark.parametrize("element", list(ELEMENTS))
def test_removing_any_mandatory_element_is_refused_naming_it(element):
    data = copy.deepcopy(BASE)
    if element == "countries":
        # c) defaults to the awarding bodies' countries; removing every country source refuses it
        data["countries"] = ["XX"]
    else:
        data.pop(element)
    problems = refused(data)
    assert any(field.startswith(ELEMENTS[element]) for field, _ in problems), problems


def test_zero_ects_is_refused_with_the_element_letter():
    data = copy.deepcopy(BASE)
    data["workload"]["ects"] = 0
    assert ("g) notional workload.ects", "must be > 0 ECTS") in refused(data)


def test_all_problems_are_reported_at_once():
    data = copy.deepcopy(BASE)
    data["level"]["eqf"] = 11
    data["participation"] = "by carrier pigeon"
    fields = {f for f, _ in refused(data)}
    assert "h) level (EQF, QF-EHEA cycle).eqf" in fields
    assert "j) form of participation" in fields


def test_qf_ehea_cycle_must_match_eqf_level():
    data = copy.deepcopy(BASE)
    data["level"] = {"eqf": 6, "qf_ehea": "second"}
    assert any("does not match EQF 6" in m for _, m in refused(data))


def test_cooperative_model_needs_partners_and_alliance():
    data = copy.deepcopy(BASE)
    data["awarding"]["model"] = "cooperative"
    assert any("needs at least one partner" in m for _, m in refused(data))


def test_external_quality_assurance_must_name_the_agency():
    data = copy.deepcopy(BASE)
    del data["quality_assurance"]["agency"]
    assert any(f.startswith("k) type of quality assurance") for f, _ in refused(data))


def test_unknown_fields_are_refused_not_ignored():
    data = copy.deepcopy(BASE)
    data["titel"] = "typo"
    assert ("titel", "is not a known field") in refused(data)


def test_plain_strings_become_english_language_maps():
    data = copy.deepcopy(BASE)
    data["title"] = "Data Literacy"
    assert parse_record(data).title == {"en": "Data Literacy"}


def test_invalid_language_tag_is_refused():
    data = copy.deepcopy(BASE)
    data["title"] = {"english": "Data Literacy"}
    assert any("BCP 47" in m for _, m in refused(data))


def test_same_record_gives_the_same_credential_id_and_a_changed_one_does_not():
    a = parse_record(copy.deepcopy(BASE))
    changed = copy.deepcopy(BASE)
    changed["learner"]["given_name"] = "Anna"
    assert a.credential_id() == parse_record(copy.deepcopy(BASE)).credential_id()
    assert a.credential_id() != parse_record(changed).credential_id()
    assert a.credential_id().startswith("urn:uuid:")


def test_malformed_yaml_file_gives_input_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: [unclosed\n")
    with pytest.raises(InputError) as info:
        load_record(bad)
    assert "not valid YAML" in str(info.value)


def test_oversized_record_file_is_refused(tmp_path):
    big = tmp_path / "big.json"
    big.write_text("{" + " " * 1_100_000 + "}")
    with pytest.raises(InputError, match="over the"):
        load_record(big)
