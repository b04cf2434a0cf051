"""`edcissuer template` starters load once filled, and docs/records.md lists every record field."""
from __future__ import annotations

import csv
import io
import re

import pytest
import yaml
from pydantic import BaseModel

from conftest import ROOT
from edcissuer.batch import CSV_COLUMNS, check_columns, load_programme, record_data
from edcissuer.cli import main
from edcissuer.errors import RecordValidationError
from edcissuer.models import records as R
from edcissuer.models.records import parse_record
from edcissuer.models.template import PLACEHOLDER, record_template

DOC = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
PROGRAMME = ROOT / "samples" / "batch" / "programme.yaml"
# a sample's values for each kind of placeholder; dates in the template's order: birth, issued, valid_until,
# delivery start and end
FILL = {"text": "Data Literacy", "url": "https://www.univ-lusitania.example/micro/data-literacy",
        "did": "did:web:credentials.univ-lusitania.example", "email": "ana.ferreira@example.org",
        "esco": "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a"}
DATES = ["1998-04-12", "2026-06-30", "2036-06-30", "2026-02-02", "2026-06-12"]


def filled(template: str) -> dict:
    dates = iter(DATES)
    return yaml.safe_load(PLACEHOLDER.sub(lambda m: next(dates) if m.group(1) == "date" else FILL[m.group(1)],
                                          template))


def models() -> dict[str, type[BaseModel]]:
    """Every model reachable from the record, by class name."""
    found: dict[str, type[BaseModel]] = {}

    def walk(cls: type[BaseModel]) -> None:
        if cls.__name__ in found:
            return
        found[cls.__name__] = cls
        for f in cls.model_fields.values():
            for inner in re.findall(r"edcissuer\.models\.records\.(\w+)", str(f.annotation)):
                sub = getattr(R, inner)
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    walk(sub)
    walk(R.MicroCredentialRecord)
    return found


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_record_template_with_its_placeholders_filled_loads(lang):
    text = record_template(lang)
    assert PLACEHOLDER.search(text), "the template shows what to fill"
    record = parse_record(filled(text))
    assert record.language == lang and record.title == {lang: "Data Literacy"}
    assert record.learning_outcomes[1].title == {"en": "Data Literacy"}     # the short form, in the starter
    assert record.grade is not None and record.stackability is not None and record.supervision is not None
    # the EU sample's fields are live in the starter, so a filled template carries them
    assert record.identifier == "Data Literacy" and record.thematic_area == "0613"
    assert record.languages is not None and record.languages.instruction == [lang] == record.languages.assessment
    assert record.delivery is not None and record.delivery.start is not None and record.delivery.end is not None
    assert record.delivery.start < record.delivery.end and record.delivery.maximum_duration == "P6M"
    assert record.awarding.lead.short_name == {lang: "Data Literacy"} and record.awarding.lead.logo is not None
    assert record.level.nqf_uri is not None
    # silent on learning setting: derived (non-formal without part_of), never a literal default in the starter
    assert record.learning_setting is None and record.setting == "non-formal"


def test_record_template_as_written_unfilled_is_refused_not_silently_issued():
    with pytest.raises(RecordValidationError, match="e-mail address"):
        parse_record(yaml.safe_load(record_template()))


def test_record_template_names_every_field_of_the_record():
    text = record_template()
    for name, cls in models().items():
        for field in cls.model_fields:
            assert re.search(rf"\b{field}:", text), f"{name}.{field} missing from the template"


def test_cli_writes_the_record_template_and_never_overwrites(tmp_path, capsys):
    out = tmp_path / "record.yaml"
    assert main(["template", "record", "-o", str(out), "--lang", "de"]) == 0
    assert parse_record(filled(out.read_text(encoding="utf-8"))).language == "de"
    assert main(["template", "record", "-o", str(out)]) == 1
    assert "not overwritten" in capsys.readouterr().err


def test_cli_refuses_a_language_that_is_not_a_tag(capsys):
    assert main(["template", "record", "--lang", "Portuguese"]) == 1
    assert "--lang" in capsys.readouterr().err


def test_csv_template_is_the_batch_header_and_its_example_row_loads(tmp_path, capsys):
    out = tmp_path / "cohort.csv"
    assert main(["template", "csv", "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    header = list(rows[0])
    assert header == list(CSV_COLUMNS) and check_columns(header) == []
    record = parse_record(record_data(load_programme(PROGRAMME), rows[0]))
    assert record.learner.given_name == {"en": "Ana"} and record.grade is not None


def test_csv_template_goes_to_stdout_without_o(capsys):
    assert main(["template", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == ",".join(CSV_COLUMNS)


def _section(cls_name: str) -> str:
    if cls_name == "MicroCredentialRecord":
        return DOC.split("## Fields", 1)[1].split("\n### ", 1)[0]
    part = DOC.split(f"\n### {cls_name}\n", 1)
    assert len(part) == 2, f"docs/records.md has no section '### {cls_name}'"
    return part[1].split("\n### ", 1)[0].split("\n## ", 1)[0]


def test_docs_records_lists_every_field_of_every_record_model():
    for name, cls in models().items():
        section = _section(name)
        for field in cls.model_fields:
            assert f"| `{field}` |" in section, f"docs/records.md: {name}.{field} is not in its table"


def test_docs_records_explains_both_joint_models_and_the_refusal_of_plain_joint():
    section = DOC.split("\n## Joint: two models\n", 1)[1].split("\n## ", 1)[0]
    for words in ("`joint-award`", "`joint-lead`", "Una Europa", "MCE", "DIVERSE Model 3", "on behalf of",
                  "Plain `joint` is refused"):
        assert words in section, words
    with pytest.raises(RecordValidationError) as refused:
        data = yaml.safe_load((ROOT / "samples" / "records" / "model3-joint.yaml").read_text(encoding="utf-8"))
        data["awarding"]["model"] = "joint"
        parse_record(data)
    # the documented refusal is the one the record gives, word for word (the doc wraps its lines)
    shown = " ".join(section.split("```text\n", 1)[1].split("```", 1)[0].split())
    assert shown in " ".join(str(refused.value).split())


def test_docs_records_shows_the_full_template():
    assert record_template() in DOC


def test_docs_records_names_the_annex_letter_of_every_mandatory_element():
    table = _section("MicroCredentialRecord")
    for field, label in R.ELEMENTS.items():
        assert f"| `{field}` | {label.split(')')[0]}) |" in table


def test_every_record_model_is_walked():
    assert {"Learner", "Awarding", "Organisation", "Alliance", "LearningOutcome", "Workload", "Level", "Assessment",
            "QualityAssurance", "Supervision", "Grade", "Stackability"} <= set(models())
