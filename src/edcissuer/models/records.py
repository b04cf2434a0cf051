"""The micro-credential record: the single truth of the data both output formats are made from.

It carries the eleven mandatory elements of Annex I of the Council Recommendation on a
European approach to micro-credentials (2022) and the optional ones. A record that misses
or breaks an element is refused with `RecordValidationError`, naming every element by its
letter and name (e.g. ``g) notional workload: must be > 0 ECTS``).
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InputError, RecordValidationError
from . import vocab

# Annex I letters and names, used in every error message about a record.
ELEMENTS: dict[str, str] = {
    "learner": "a) identification of the learner",
    "title": "b) title of the micro-credential",
    "countries": "c) country(ies)/region(s) of the issuer",
    "awarding": "d) awarding body(ies)",
    "issued": "e) date of issuing",
    "learning_outcomes": "f) learning outcomes",
    "workload": "g) notional workload",
    "level": "h) level (EQF, QF-EHEA cycle)",
    "assessment": "i) type of assessment",
    "participation": "j) form of participation",
    "quality_assurance": "k) type of quality assurance",
}
MANDATORY = tuple(ELEMENTS)
OPTIONAL_ELEMENTS: dict[str, str] = {
    "prerequisites": "prerequisites needed to enrol",
    "supervision": "supervision and identity verification during assessment",
    "grade": "grade achieved",
    "stackability": "integration / stackability options",
    "further_information": "further information",
}

_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_RECORD_BYTES = 1_000_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _lang_map(value: Any) -> Any:
    """Accept a plain string (English) or a {language: text} map; keep maps as they are."""
    if isinstance(value, str):
        return {"en": value}
    return value


def _check_lang_map(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("must not be empty")
    for lang, text in value.items():
        if not _LANG_RE.match(lang):
            raise ValueError(f"{lang!r} is not a BCP 47 language tag")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"text for language {lang!r} must not be empty")
    return {k: v.strip() for k, v in value.items()}


class _Text(_Model):
    """Base for models holding language maps: plain strings become {"en": ...}."""

    @model_validator(mode="before")
    @classmethod
    def _plain_strings(cls, data: Any) -> Any:
        if isinstance(data, dict):
            lang_fields = {n for n, f in cls.model_fields.items() if f.annotation in _LANG_TYPES}
            return {k: (_lang_map(v) if k in lang_fields else v) for k, v in data.items()}
        return data


LangMap = dict[str, str]
OptLangMap = dict[str, str] | None
_LANG_TYPES = (LangMap, OptLangMap)


def _validate_lang_fields(model: BaseModel) -> None:
    for name, field in type(model).model_fields.items():
        if field.annotation in _LANG_TYPES:
            value = getattr(model, name)
            if value is not None:
                _check_lang_map(value)


class Organisation(_Text):
    """An awarding body, delivering partner, QA agency or alliance member."""

    id: str | None = Field(default=None, description="DID or URI of the organisation")
    legal_name: LangMap
    legal_identifier: str | None = Field(default=None, description="e.g. VAT, PIC or national registry number")
    country: str = Field(description="ISO 3166-1 alpha-2")
    region: str | None = None
    homepage: AnyUrl | None = None
    email: str | None = None
    erasmus_code: str | None = None
    deqar_id: str | None = Field(default=None, description="DEQAR institution id, when known")

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        v = v.upper()
        if v not in vocab.COUNTRY:
            raise ValueError(f"{v!r} is not a supported ISO 3166-1 alpha-2 country code")
        return v

    @model_validator(mode="after")
    def _langs(self) -> "Organisation":
        _validate_lang_fields(self)
        return self


class Alliance(_Text):
    """A European University Alliance the credential is issued under."""

    name: LangMap
    id: str | None = None
    homepage: AnyUrl | None = None
    logo: AnyUrl | None = None

    @model_validator(mode="after")
    def _langs(self) -> "Alliance":
        _validate_lang_fields(self)
        return self


class AwardingModel(str, Enum):
    SINGLE = "single"            # Model 1: one institution awards
    COOPERATIVE = "cooperative"  # Model 2: Lead Partner awards, Delivering Partners stated
    JOINT = "joint"              # Model 3: Lead Partner issues on behalf of all, all award


class Awarding(_Model):
    """Element d): who awards, under which alliance model."""

    model: AwardingModel = AwardingModel.SINGLE
    lead: Organisation
    partners: list[Organisation] = Field(default_factory=list)
    alliance: Alliance | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Awarding":
        if self.model is AwardingModel.SINGLE and self.partners:
            raise ValueError("a single-institution credential (model 'single') lists no partners")
        if self.model is not AwardingModel.SINGLE and not self.partners:
            raise ValueError(f"model {self.model.value!r} needs at least one partner")
        if self.model is not AwardingModel.SINGLE and self.alliance is None:
            raise ValueError(f"model {self.model.value!r} needs the alliance it is issued under")
        return self

    @property
    def awarding_bodies(self) -> list[Organisation]:
        """Bodies that award: the lead alone (models 1, 2) or every partner too (model 3)."""
        if self.model is AwardingModel.JOINT:
            return [self.lead, *self.partners]
        return [self.lead]

    @property
    def delivering_partners(self) -> list[Organisation]:
        return self.partners if self.model is AwardingModel.COOPERATIVE else []


class Learner(_Text):
    """Element a): identification of the learner."""

    id: str | None = Field(default=None, description="learner DID or URI (holder binding)")
    given_name: LangMap
    family_name: LangMap
    email: str | None = None
    date_of_birth: date | None = None
    student_id: str | None = None

    @model_validator(mode="after")
    def _langs(self) -> "Learner":
        _validate_lang_fields(self)
        if self.email is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.email):
            raise ValueError(f"email {self.email!r} is not an e-mail address")
        return self

    @property
    def full_name(self) -> dict[str, str]:
        langs = list(dict.fromkeys([*self.given_name, *self.family_name]))
        def pick(names: dict[str, str], lang: str) -> str:
            return names.get(lang) or next(iter(names.values()))

        return {lang: f"{pick(self.given_name, lang)} {pick(self.family_name, lang)}" for lang in langs}


class LearningOutcome(_Text):
    title: LangMap
    esco: list[str] = Field(default_factory=list, description="ESCO skill URIs")

    @field_validator("esco")
    @classmethod
    def _esco(cls, v: list[str]) -> list[str]:
        for uri in v:
            if not uri.startswith("http://data.europa.eu/esco/"):
                raise ValueError(f"{uri!r} is not an ESCO URI (http://data.europa.eu/esco/...)")
        return v

    @model_validator(mode="after")
    def _langs(self) -> "LearningOutcome":
        _validate_lang_fields(self)
        return self


class Workload(_Model):
    """Element g): notional workload in ECTS (hours are optional context)."""

    ects: float = Field(description="ECTS credits")
    hours: int | None = None

    @field_validator("ects")
    @classmethod
    def _ects(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("must be > 0 ECTS")
        if v > 60:
            raise ValueError("more than 60 ECTS is not a micro-credential")
        return v

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: int | None) -> int | None:
        if v is not None and v <= 0:
            raise ValueError("hours must be > 0")
        return v


class Level(_Model):
    """Element h): EQF level and, for higher education, the QF-EHEA cycle."""

    eqf: int
    qf_ehea: str | None = None
    nqf: str | None = Field(default=None, description="national framework level, free text")

    @field_validator("eqf")
    @classmethod
    def _eqf(cls, v: int) -> int:
        if v not in vocab.EQF:
            raise ValueError("EQF level must be 1 to 8")
        return v

    @model_validator(mode="after")
    def _cycle(self) -> "Level":
        if self.qf_ehea is not None:
            if self.qf_ehea not in vocab.QF_EHEA:
                raise ValueError(f"QF-EHEA cycle must be one of {sorted(vocab.QF_EHEA)}")
            expected = vocab.CYCLE_FOR_EQF.get(self.eqf)
            if expected != self.qf_ehea:
                raise ValueError(f"QF-EHEA cycle {self.qf_ehea!r} does not match EQF {self.eqf}"
                                 f" (expected {expected!r})")
        return self


class Supervision(_Model):
    """Optional: supervision and identity verification during assessment."""

    supervised: bool
    identity_verified: bool = False
    where: str = Field(default="onsite", description="onsite or online")

    @model_validator(mode="after")
    def _consistent(self) -> "Supervision":
        if self.identity_verified and not self.supervised:
            raise ValueError("identity verification needs a supervised assessment")
        if self.where not in {"onsite", "online"}:
            raise ValueError("where must be 'onsite' or 'online'")
        return self

    @property
    def code(self) -> str:
        if not self.supervised:
            return "unsupervised"
        return f"supervised-{self.where}-id" if self.identity_verified else "supervised"


class Assessment(_Text):
    """Element i): type of assessment."""

    type: str
    description: OptLangMap = None

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in vocab.ASSESSMENT:
            raise ValueError(f"{v!r} is not an assessment type; use one of {sorted(vocab.ASSESSMENT)}")
        return v

    @model_validator(mode="after")
    def _langs(self) -> "Assessment":
        _validate_lang_fields(self)
        return self


class QualityAssurance(_Text):
    """Element k): type of quality assurance underpinning the micro-credential."""

    type: str = Field(description="institutional, programme, institutional-licence, programme-licence")
    external: bool = Field(description="reviewed by an external QA agency (ESG part 2/3)")
    description: OptLangMap = None
    agency: Organisation | None = None
    report: AnyUrl | None = None
    deqar_report_id: str | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in vocab.QA_TYPE:
            raise ValueError(f"{v!r} is not a QA type; use one of {sorted(vocab.QA_TYPE)}")
        return v

    @model_validator(mode="after")
    def _agency(self) -> "QualityAssurance":
        _validate_lang_fields(self)
        if self.external and self.agency is None:
            raise ValueError("external quality assurance must name the QA agency")
        return self


class Grade(_Text):
    value: LangMap
    scheme: OptLangMap = None

    @model_validator(mode="after")
    def _langs(self) -> "Grade":
        _validate_lang_fields(self)
        return self


class Stackability(_Text):
    stackable: bool = True
    description: OptLangMap = None
    towards: list[str] = Field(default_factory=list, description="URIs of larger credentials it counts towards")

    @model_validator(mode="after")
    def _langs(self) -> "Stackability":
        _validate_lang_fields(self)
        return self


class MicroCredentialRecord(_Text):
    """One learner's micro-credential: Annex I elements a) to k) plus the optional ones."""

    id: str | None = Field(default=None, description="credential id; derived from the record when absent")
    language: str = "en"
    learner: Learner
    title: LangMap
    description: OptLangMap = None
    countries: list[str] = Field(default_factory=list, description="ISO alpha-2; default: awarding bodies'")
    awarding: Awarding
    issued: datetime
    valid_until: datetime | None = None
    learning_outcomes: list[LearningOutcome]
    workload: Workload
    level: Level
    assessment: Assessment
    participation: str
    quality_assurance: QualityAssurance
    prerequisites: OptLangMap = None
    supervision: Supervision | None = None
    grade: Grade | None = None
    stackability: Stackability | None = None
    further_information: OptLangMap = None
    homepage: AnyUrl | None = None
    image: AnyUrl | None = None
    learning_setting: str = "non-formal"

    @field_validator("issued", "valid_until", mode="before")
    @classmethod
    def _date_to_datetime(cls, v: Any) -> Any:
        if isinstance(v, date) and not isinstance(v, datetime):
            return datetime(v.year, v.month, v.day, tzinfo=timezone.utc)
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return v + "T00:00:00Z"
        return v

    @field_validator("issued", "valid_until")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("must carry a time zone (e.g. 2026-06-30T00:00:00Z)")
        return v.astimezone(timezone.utc) if v is not None else None

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        out = [c.upper() for c in v]
        for c in out:
            if c not in vocab.COUNTRY:
                raise ValueError(f"{c!r} is not a supported ISO 3166-1 alpha-2 country code")
        return out

    @field_validator("learning_outcomes")
    @classmethod
    def _outcomes(cls, v: list[LearningOutcome]) -> list[LearningOutcome]:
        if not v:
            raise ValueError("at least one learning outcome is required")
        return v

    @field_validator("participation")
    @classmethod
    def _participation(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in vocab.PARTICIPATION:
            raise ValueError(f"{v!r} is not a form of participation; use online, onsite or blended")
        return v

    @field_validator("learning_setting")
    @classmethod
    def _setting(cls, v: str) -> str:
        if v not in vocab.LEARNING_SETTING:
            raise ValueError("learning_setting must be 'formal' or 'non-formal'")
        return v

    @model_validator(mode="after")
    def _whole(self) -> "MicroCredentialRecord":
        _validate_lang_fields(self)
        if self.valid_until is not None and self.valid_until <= self.issued:
            raise ValueError("valid_until must be after the date of issuing")
        return self

    @property
    def issuer_countries(self) -> list[str]:
        """Element c): stated countries, or the awarding bodies' countries in order."""
        if self.countries:
            return self.countries
        orgs = [self.awarding.lead, *self.awarding.partners]
        return list(dict.fromkeys(o.country for o in orgs))

    def content_hash(self) -> str:
        """SHA-256 over the canonical JSON of the record: the idempotency key of batches."""
        data = self.model_dump(mode="json", exclude={"id"})
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def credential_id(self) -> str:
        """The record's id, or a stable urn:uuid derived from its content (same record, same id)."""
        if self.id:
            return self.id
        h = self.content_hash()
        return f"urn:uuid:{h[:8]}-{h[8:12]}-5{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


def _element_of(loc: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into 'g) notional workload.ects' style text."""
    if not loc:
        return "record"
    head, rest = str(loc[0]), [str(p) for p in loc[1:]]
    name = ELEMENTS.get(head) or (f"optional: {OPTIONAL_ELEMENTS[head]}" if head in OPTIONAL_ELEMENTS
                                   else head)
    return ".".join([name, *rest]) if rest else name


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "is missing (mandatory element)" if len(err["loc"]) == 1 and err["loc"][0] in ELEMENTS \
                else "is missing"
        elif err["type"] == "extra_forbidden":
            msg = "is not a known field"
        out.append((_element_of(tuple(err["loc"])), msg))
    return out


def parse_record(data: Any) -> MicroCredentialRecord:
    """Validate a record given as a dict; raise RecordValidationError naming every element."""
    if not isinstance(data, dict):
        raise RecordValidationError([("record", "must be a JSON/YAML object")])
    try:
        return MicroCredentialRecord.model_validate(data)
    except ValidationError as exc:
        raise RecordValidationError(_problems(exc)) from exc


def read_structured(path: Path, *, max_bytes: int = MAX_RECORD_BYTES) -> Any:
    """Read a JSON or YAML file (by suffix), refusing oversized or unparsable input."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", field=str(path)) from exc
    if size > max_bytes:
        raise InputError(f"file is {size} bytes, over the {max_bytes}-byte limit", field=str(path))
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"not valid {'YAML' if path.suffix.lower() in {'.yaml', '.yml'} else 'JSON'}: {exc}",
                         field=str(path)) from exc


def load_record(path: str | Path) -> MicroCredentialRecord:
    """Load and validate one record from a .json, .yaml or .yml file."""
    return parse_record(read_structured(Path(path)))
