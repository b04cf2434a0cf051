"""The micro-credential record: the single truth of the data both output formats are made from.

It carries the eleven mandatory elements of Annex I of the Council Recommendation on a
European approach to micro-credentials (2022) and the optional ones. A record that misses
or breaks an element is refused with `RecordValidationError`, naming every element by its
letter and name (e.g. ``g) notional workload: must be > 0 ECTS``).
"""
from __future__ import annotations

import difflib
import hashlib
import json
import re
import uuid
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import Path
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Self

import yaml
from pydantic import (
    AfterValidator,
    AnyUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import InputError, RecordValidationError
from ..files import read_text_input
from ..time import as_utc
from . import vocab
from .countries import country_code
from .languages import known_language

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
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_ONLY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_RECORD_BYTES = 1_000_000


class _Model(BaseModel):
    # allow_inf_nan=False: every float field, present and future, refuses NaN and +-Infinity
    # (a NaN would be issued as invalid JSON); the error names the field ("Input should be a
    # finite number" at "g) notional workload.ects").
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)

    #: fields added after the first release: left out of the content hash while at their
    #: default, so a record that does not use them keeps the id it was issued under
    _ADDED: ClassVar[frozenset[str]] = frozenset()

    def hash_view(self) -> dict[str, Any]:
        """The JSON of this model for the content hash (see `_ADDED`).

        Memoised on the frozen model (a new top-level dict each call; the nested views are
        shared and never changed): a batch hashes each record and its issuer-bound copy,
        which shares every part but the Lead Partner.
        """
        memo = self.__dict__.get(_VIEW_MEMO)
        if memo is None:
            defaults = _added_defaults(type(self))
            memo = {}
            for name in type(self).model_fields:
                value = getattr(self, name)
                if name in defaults and value == defaults[name]:
                    continue
                memo[name] = _hash_value(value)
            self.__dict__[_VIEW_MEMO] = memo
        return dict(memo)

    def __getstate__(self) -> dict[Any, Any]:
        """Pickled without the memos: a batch sends records to its workers, which recompute what they need."""
        state: dict[Any, Any] = super().__getstate__()
        fields = state.get("__dict__")
        if isinstance(fields, dict) and any(memo in fields for memo in _MEMOS):
            state["__dict__"] = {k: v for k, v in fields.items() if k not in _MEMOS}
        return state

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy without the memoised content hash: an updated copy has content of its own."""
        copied = super().model_copy(update=update, deep=deep)
        for memo in _MEMOS:
            copied.__dict__.pop(memo, None)
        return copied


#: where a frozen record keeps its content hash once computed (a key of its __dict__ that is
#: not a field: pydantic's dump, equality and validation ignore it; model_copy drops it)
_HASH_MEMO = "_edcissuer_content_hash"
_VIEW_MEMO = "_edcissuer_hash_view"
_MEMOS = (_HASH_MEMO, _VIEW_MEMO)
_DEFAULTS: dict[type[_Model], dict[str, Any]] = {}


def _added_defaults(cls: type[_Model]) -> dict[str, Any]:
    """The defaults of the class's `_ADDED` fields, computed once per class.

    pydantic's `get_default` inspects the default factory's signature on every call, which
    was most of the cost of a content hash (about 1 ms per record, ten times per issue).
    """
    found = _DEFAULTS.get(cls)
    if found is None:
        found = {name: info.get_default(call_default_factory=True)
                 for name, info in cls.model_fields.items() if name in cls._ADDED}
        _DEFAULTS[cls] = found
    return found


def _hash_value(value: Any) -> Any:
    if isinstance(value, _Model):
        return value.hash_view()
    if isinstance(value, (list, tuple)):
        return [_hash_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _hash_value(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, AnyUrl):
        return str(value)
    return value


# --- language maps: one validator per rule, run in this order --------------------------------

def _english_if_plain(value: Any) -> Any:
    """A plain string is English text, so authors need not write {en: ...} for one language."""
    return {"en": value} if isinstance(value, str) else value


def _not_empty_map(value: dict[str, str]) -> dict[str, str]:
    """An element given as {} says nothing; refuse it rather than issue a blank."""
    if not value:
        raise ValueError("must not be empty")
    return value


def _language_tags(value: dict[str, str]) -> dict[str, str]:
    """The one check of language codes: output formats key every text by this tag."""
    for lang in value:
        if not _LANG_RE.match(lang):
            raise ValueError(f"{lang!r} is not a BCP 47 language tag")
        if not known_language(lang):
            raise ValueError(f"{lang!r} is not a language ISO 639 knows (write e.g. en, pt, de-AT)")
    return value


def _texts_not_empty(value: dict[str, str]) -> dict[str, str]:
    """Every language given must say something (whitespace is stripped before this check)."""
    for lang, text in value.items():
        if not text:
            raise ValueError(f"text for language {lang!r} must not be empty")
    return value


#: text in one or more languages: "Data Literacy" or {en: Data Literacy, pt: Literacia de Dados}
LangText = Annotated[
    dict[str, str],
    BeforeValidator(_english_if_plain),
    AfterValidator(_not_empty_map),
    AfterValidator(_language_tags),
    AfterValidator(_texts_not_empty),
]


# --- other field types ---------------------------------------------------------------------

def _midnight_utc(value: Any) -> Any:
    """A bare date (YAML `2026-06-30`, or that string) means midnight UTC of that day."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str) and _DATE_ONLY_RE.fullmatch(value):
        return value + "T00:00:00Z"
    return value


def _aware_as_utc(value: datetime) -> datetime:
    """A naive time is hours off somewhere in Europe (and may change the date): refuse it, keep UTC."""
    if value.tzinfo is None:
        raise ValueError("must carry a time zone (e.g. 2026-06-30T00:00:00Z)")
    return as_utc(value)


#: an instant in UTC; dates mean midnight UTC, naive times are refused. Not pydantic's
#: AwareDatetime, which refuses dates and words its refusal differently.
Instant = Annotated[datetime, BeforeValidator(_midnight_utc), AfterValidator(_aware_as_utc)]


def _email(value: str) -> str:
    """A plausible address (one @, a dot in the domain): catches a name typed as the e-mail."""
    if not _EMAIL_RE.match(value):
        raise ValueError(f"email {value!r} is not an e-mail address")
    return value


Email = Annotated[str, AfterValidator(_email)]


# --- short forms: a plain value where the element has one obvious field ---------------------
# A short form is rewritten to the long form before validation, so both give the same record
# (and the same content hash). Where a value could mean two things it is refused with the
# YAML the author should write.

_OUTCOME_YAML = """learning_outcomes:
  - Clean and analyse a public dataset            # plain text: the outcome's title (English)
  - {en: Clean a dataset, pt: Limpar um conjunto de dados}   # or a language map
  - title: Communicate statistical findings        # or title + ESCO skills
    esco: [http://data.europa.eu/esco/skill/...]"""

_ASSESSMENT_YAML = """assessment:
  type: {type}            # one of: {types}
  description: {text}"""


def _did_you_mean(value: str, choices: Any) -> str:
    close = difflib.get_close_matches(value, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _show(problem: str, snippet: str) -> ValueError:
    """An error that shows the YAML to write (indented, so the CLI's list stays readable)."""
    return ValueError(problem + "; write it as:\n      " + snippet.replace("\n", "\n      "))


def _is_language_map(value: dict[Any, Any]) -> bool:
    return bool(value) and all(isinstance(k, str) and _LANG_RE.match(k) for k in value)


def outcome_short_form(value: Any) -> Any:
    """A learning outcome as text or a language map is its title."""
    if isinstance(value, str):
        return {"title": value}
    if isinstance(value, dict):
        if "title" in value or not value:
            return value
        if _is_language_map(value):
            return {"title": value}
        if "esco" in value and _is_language_map({k: v for k, v in value.items() if k != "esco"}):
            raise _show("an outcome with ESCO skills needs its text under 'title'", _OUTCOME_YAML)
        return value
    raise _show(f"{value!r} is not a learning outcome", _OUTCOME_YAML)


def assessment_short_form(value: Any) -> Any:
    """An assessment given as one of the EU assessment types is that type; free text is refused with the YAML."""
    if isinstance(value, dict):
        return value
    types = ", ".join(sorted(vocab.ASSESSMENT))
    if isinstance(value, str):
        code = value.strip().lower()
        if code in vocab.ASSESSMENT:
            return {"type": code}
        close = difflib.get_close_matches(code, list(vocab.ASSESSMENT), n=1, cutoff=0.6)
        if close:
            raise _show(f"{value!r} is not an assessment type (did you mean {close[0]!r}?)",
                        f"assessment: {close[0]}            # one of: {types}")
        raise _show(f"{value!r} is free text, not one of the EU assessment types: give the type and keep the "
                    "text as its description", _ASSESSMENT_YAML.format(type="project work", types=types, text=value))
    raise _show(f"{value!r} is not an assessment",
                _ASSESSMENT_YAML.format(type="written examination", types=types, text="Two-hour written exam"))


def _one_field(field: str, accepts: tuple[type, ...]) -> Any:
    """A before-validator: a plain value of type `accepts` is `{field: value}` (booleans never numbers)."""
    def short(value: Any) -> Any:
        if isinstance(value, accepts) and not (isinstance(value, bool) and bool not in accepts):
            return {field: value}
        return value
    return short


def grade_short_form(value: Any) -> Any:
    """A grade given as text (`17/20`, or a number) or a language map is its value."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"value": str(value)}
    if isinstance(value, str) or (isinstance(value, dict) and "value" not in value and _is_language_map(value)):
        return {"value": value}
    return value


_LOGO_RE = re.compile(r"^(https://\S+|data:image/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=\s]+)$")


def _logo(value: str) -> str:
    """A logo is an https URL or an embedded image (data: URI): displays are drawn offline, from signed bytes."""
    if not _LOGO_RE.match(value):
        raise ValueError("a logo must be an https:// URL or a data:image/png|jpeg|svg+xml;base64,... URI")
    return value


Logo = Annotated[str, AfterValidator(_logo)]


class Organisation(_Model):
    """An awarding body, delivering partner, QA agency or alliance member."""

    _ADDED = frozenset({"short_name", "logo", "role"})

    id: str | None = Field(default=None, description="DID or URI of the organisation")
    legal_name: LangText
    short_name: LangText | None = Field(default=None, description="acronym or short name, e.g. TU Rheinau")
    legal_identifier: str | None = Field(default=None, description="e.g. VAT, PIC or national registry number")
    country: str = Field(description="ISO 3166-1 alpha-2")
    region: str | None = None
    homepage: AnyUrl | None = None
    email: str | None = None
    erasmus_code: str | None = None
    deqar_id: str | None = Field(default=None, description="DEQAR institution id, when known")
    logo: Logo | None = None
    role: LangText | None = Field(default=None, description="what this partner does, e.g. 'delivers module 2'")

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        return country_code(v)


class Alliance(_Model):
    """A European University Alliance the credential is issued under."""

    name: LangText
    id: str | None = None
    homepage: AnyUrl | None = None
    logo: Logo | None = Field(default=None, description="https URL or embedded data:image URI, as Organisation.logo")


class AwardingModel(str, Enum):
    """The alliances' awarding models. "Joint" means two things in the alliances, so it is two values.

    joint-award: Una Europa / MCE: every partner is an awarding body; the Lead Partner issues
    on behalf of all. joint-lead: DIVERSE Model 3: "the authority to award rests solely with
    the Lead Partner", which states all participating partners; delivery and assessment are
    joint.
    """

    SINGLE = "single"            # Model 1: one institution awards
    COOPERATIVE = "cooperative"  # Model 2: Lead Partner awards, Delivering Partners stated
    JOINT_AWARD = "joint-award"  # all partners award, the lead issues on behalf of all
    JOINT_LEAD = "joint-lead"    # the lead alone awards a jointly delivered micro-credential


_JOINT_IS_AMBIGUOUS = ("'joint' means two things in the alliances; write 'joint-award' (all partners are "
                       "awarding bodies and the Lead Partner issues on behalf of all: Una Europa, MCE) or "
                       "'joint-lead' (the Lead Partner alone awards and states every participating partner: "
                       "DIVERSE Model 3)")


def _awarding_model(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() == "joint":
        raise ValueError(_JOINT_IS_AMBIGUOUS)
    return value.strip().lower() if isinstance(value, str) else value


class Awarding(_Model):
    """Element d): who awards, under which alliance model."""

    model: Annotated[AwardingModel, BeforeValidator(_awarding_model)] = AwardingModel.SINGLE
    lead: Organisation
    partners: list[Organisation] = Field(default_factory=list)
    alliance: Annotated[Alliance | None, BeforeValidator(_one_field("name", (str,)))] = None

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
    def is_joint(self) -> bool:
        return self.model in (AwardingModel.JOINT_AWARD, AwardingModel.JOINT_LEAD)

    @property
    def awarding_bodies(self) -> list[Organisation]:
        """Bodies that award: every partner too in joint-award, else the lead alone."""
        if self.model is AwardingModel.JOINT_AWARD:
            return [self.lead, *self.partners]
        return [self.lead]

    @property
    def delivering_partners(self) -> list[Organisation]:
        """Partners that deliver without awarding: cooperative's Delivering Partners, joint-lead's participants."""
        return self.partners if self.model in (AwardingModel.COOPERATIVE, AwardingModel.JOINT_LEAD) else []

    @property
    def assessing_bodies(self) -> list[Organisation]:
        """Who assesses: a joint panel of all partners in both joint models, else the lead."""
        return [self.lead, *self.partners] if self.is_joint else [self.lead]

    @property
    def on_behalf_of(self) -> list[Organisation]:
        """The awarding bodies the lead issues for (joint-award), besides itself; else none."""
        return list(self.partners) if self.model is AwardingModel.JOINT_AWARD else []


class Learner(_Model):
    """Element a): identification of the learner."""

    id: str | None = Field(default=None, description="learner DID or URI (holder binding)")
    given_name: LangText
    family_name: LangText
    email: Email | None = None
    date_of_birth: date | None = None
    student_id: str | None = None

    @property
    def full_name(self) -> dict[str, str]:
        langs = list(dict.fromkeys([*self.given_name, *self.family_name]))
        def pick(names: dict[str, str], lang: str) -> str:
            return names.get(lang) or next(iter(names.values()))

        return {lang: f"{pick(self.given_name, lang)} {pick(self.family_name, lang)}" for lang in langs}


class LearningOutcome(_Model):
    """Element f): one outcome; `- Analyse data` or `- {en: ..., pt: ...}` is its title alone."""

    _ADDED = frozenset({"esco_labels"})

    title: LangText
    esco: list[str] = Field(default_factory=list, description="ESCO skill URIs")
    esco_labels: dict[str, LangText] = Field(default_factory=dict,
                                             description="ESCO URI -> its preferred label, as the EU sample carries")

    @model_validator(mode="before")
    @classmethod
    def _esco_with_labels(cls, value: Any) -> Any:
        """`esco: [{uri: ..., label: ...}]` is the URIs plus their labels."""
        if isinstance(value, dict) and isinstance(value.get("esco"), list):
            uris, labels = [], dict(value.get("esco_labels") or {})
            for item in value["esco"]:
                if isinstance(item, dict) and "uri" in item:
                    uris.append(item["uri"])
                    if item.get("label") is not None:
                        labels[item["uri"]] = item["label"]
                else:
                    uris.append(item)
            value = {**value, "esco": uris, **({"esco_labels": labels} if labels else {})}
        return value

    @model_validator(mode="after")
    def _labels_of_listed(self) -> "LearningOutcome":
        stray = sorted(set(self.esco_labels) - set(self.esco))
        if stray:
            raise ValueError(f"esco_labels names skills the outcome does not list: {', '.join(stray)}")
        return self

    @field_validator("esco")
    @classmethod
    def _esco(cls, v: list[str]) -> list[str]:
        for uri in v:
            if not uri.startswith("http://data.europa.eu/esco/"):
                raise ValueError(f"{uri!r} is not an ESCO URI (http://data.europa.eu/esco/...)")
        return v

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        return outcome_short_form(value)


class Workload(_Model):
    """Element g): notional workload in ECTS, or in hours alone where no ECTS are awarded.

    A micro-credential outside the ECTS system (`ects` absent, `hours` given) issues with its
    hours and says "no ECTS awarded"; it is never given invented ECTS.
    """

    ects: float | None = Field(default=None, description="ECTS credits; absent = no ECTS awarded (give hours)")
    hours: int | None = None

    @property
    def ects_awarded(self) -> bool:
        return self.ects is not None

    @model_validator(mode="after")
    def _some_measure(self) -> "Workload":
        if self.ects is None and self.hours is None:
            raise ValueError("give the ECTS credits, or the hours where no ECTS are awarded")
        return self

    @field_validator("ects")
    @classmethod
    def _ects(cls, v: float | None) -> float | None:
        if v is None:
            return v
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

    _ADDED = frozenset({"nqf_uri"})

    eqf: int
    qf_ehea: str | None = None
    nqf: str | None = Field(default=None, description="national framework level, as the framework names it")
    nqf_uri: AnyUrl | None = Field(default=None, description="the NQF level's concept URI, when the EU lists it")

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


def _participation_code(v: str) -> str:
    """A form of participation or assessment mode as its vocabulary code (aliases accepted)."""
    v = v.strip().lower()
    v = vocab.PARTICIPATION_ALIASES.get(v, v)
    if v not in vocab.PARTICIPATION:
        raise ValueError(f"{v!r} is not a form of participation; use one of {', '.join(vocab.PARTICIPATION)}"
                         + _did_you_mean(v, vocab.PARTICIPATION))
    return v


class Assessment(_Model):
    """Element i): type of assessment; several weighted components where there are several.

    `type` is one of the EU assessment types; where none fits, `other_type` names it in
    words, with `type_uri` when another vocabulary has a concept for it. `mode` is how the
    assessment is taken (on-site exam of an online course), which is not the form of
    participation.
    """

    _ADDED = frozenset({"title", "other_type", "type_uri", "mode", "weight", "components"})

    type: str | None = None
    title: LangText | None = None
    other_type: LangText | None = Field(default=None, description="the type in words, when no EU type fits")
    type_uri: AnyUrl | None = Field(default=None, description="vocabulary URI of other_type, when one exists")
    description: LangText | None = None
    mode: str | None = Field(default=None, description="how the assessment is taken: online, onsite, ...")
    weight: float | None = Field(default=None, description="share of the final result, in percent")
    components: list["Assessment"] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {"components": value}
        return assessment_short_form(value)

    @field_validator("type")
    @classmethod
    def _type(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.strip().lower()
        if v not in vocab.ASSESSMENT:
            raise ValueError(f"{v!r} is not an EU assessment type; use one of {sorted(vocab.ASSESSMENT)}"
                             + _did_you_mean(v, vocab.ASSESSMENT)
                             + ", or name it in words under other_type (with type_uri when a vocabulary has it)")
        return v

    @field_validator("mode")
    @classmethod
    def _mode(cls, v: str | None) -> str | None:
        return None if v is None else _participation_code(v)

    @field_validator("weight")
    @classmethod
    def _weight(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v <= 100:
            raise ValueError("weight is a percentage: more than 0, at most 100")
        return v

    @model_validator(mode="after")
    def _whole(self) -> "Assessment":
        if self.type is None and self.other_type is None and not self.components:
            raise ValueError("give the assessment type (one of the EU types), other_type in words, "
                             "or its components")
        if self.type_uri is not None and self.other_type is None:
            raise ValueError("type_uri is the vocabulary URI of other_type: give other_type too")
        if any(c.components for c in self.components):
            raise ValueError("an assessment component has no components of its own")
        weights = [c.weight for c in self.components]
        if self.components and all(w is not None for w in weights):
            total = sum(w for w in weights if w is not None)
            if abs(total - 100) > 0.01:
                raise ValueError(f"the components' weights add up to {total:g}%, not 100%")
        return self

    @property
    def eu_type(self) -> str | None:
        """The EU assessment type that stands for the whole: its own, else its first typed component's."""
        return self.type or next((c.type for c in self.components if c.type), None)

    @property
    def kinds(self) -> list["Assessment"]:
        """The assessments that have a type: the components, or this one."""
        return [c for c in self.components] or [self]


class QualityAssurance(_Model):
    """Element k): type of quality assurance underpinning the micro-credential."""

    type: str = Field(description="institutional, programme, institutional-licence, programme-licence")
    external: bool = Field(description="reviewed by an external QA agency (ESG part 2/3)")
    description: LangText | None = None
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
        if self.external and self.agency is None:
            raise ValueError("external quality assurance must name the QA agency")
        return self


class Grade(_Model):
    value: LangText
    scheme: LangText | None = None


_DURATION_RE = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")


def _duration(value: str) -> str:
    if not _DURATION_RE.match(value):
        raise ValueError(f"{value!r} is not an ISO 8601 duration (e.g. P3M for three months, P10W)")
    return value


class Delivery(_Model):
    """When the learning took place, and how long a learner may take (the EU sample's temporal and duration)."""

    start: Instant | None = None
    end: Instant | None = None
    maximum_duration: Annotated[str, AfterValidator(_duration)] | None = None

    @model_validator(mode="after")
    def _order(self) -> "Delivery":
        if self.start and self.end and self.end < self.start:
            raise ValueError("delivery end is before its start")
        return self


def _language_list(value: list[str]) -> list[str]:
    for tag in value:
        if not _LANG_RE.match(tag) or not known_language(tag):
            raise ValueError(f"{tag!r} is not a language tag ISO 639 knows (e.g. en, pt)")
    return value


class Languages(_Model):
    """Languages of instruction and of assessment, told apart as the EU sample does."""

    instruction: Annotated[list[str], AfterValidator(_language_list)] = Field(default_factory=list)
    assessment: Annotated[list[str], AfterValidator(_language_list)] = Field(default_factory=list)


class PartOf(_Model):
    """The qualification this micro-credential is a component of (a module of an accredited MSc).

    Being part of a qualification makes the learning formal and the credential a partial
    qualification (ELM `isPartialQualification`), unless the record says otherwise.
    """

    title: LangText
    id: str | None = Field(default=None, description="URI of the qualification")
    accredited: bool = True


class Module(_Model):
    """One module of a modular micro-credential: its own title, workload, assessment, grade and dates."""

    id: str | None = Field(default=None, description="URI of the module's specification (stacking counts it once)")
    title: LangText
    ects: float | None = None
    hours: int | None = None
    assessment: Assessment | None = None
    grade: Annotated[Grade | None, BeforeValidator(grade_short_form)] = None
    start: Instant | None = None
    end: Instant | None = None
    learning_outcomes: list["LearningOutcome"] = Field(default_factory=list)

    @field_validator("ects")
    @classmethod
    def _ects(cls, v: float | None) -> float | None:
        if v is not None and v <= 0:
            raise ValueError("a module's ECTS must be > 0")
        return v


class Stackability(_Model):
    stackable: bool = True
    description: LangText | None = None
    towards: list[str] = Field(default_factory=list, description="URIs of larger credentials it counts towards")


class MicroCredentialRecord(_Model):
    """One learner's micro-credential: Annex I elements a) to k) plus the optional ones."""

    id: str | None = Field(default=None, description="credential id; derived from the record when absent")
    language: str = "en"
    learner: Learner
    title: LangText
    description: LangText | None = None
    countries: list[str] = Field(default_factory=list, description="ISO alpha-2; default: awarding bodies'")
    awarding: Awarding
    issued: Instant
    valid_until: Instant | None = None
    learning_outcomes: list[LearningOutcome]
    workload: Annotated[Workload, BeforeValidator(_one_field("ects", (int, float)))]
    level: Annotated[Level, BeforeValidator(_one_field("eqf", (int,)))]
    assessment: Assessment
    participation: str
    quality_assurance: QualityAssurance
    prerequisites: LangText | None = None
    supervision: Supervision | None = None
    grade: Annotated[Grade | None, BeforeValidator(grade_short_form)] = None
    stackability: Stackability | None = None
    further_information: LangText | None = None
    homepage: AnyUrl | None = None
    image: AnyUrl | None = None
    learning_setting: str | None = Field(default=None, description="formal or non-formal; default: formal when "
                                                                   "part_of a qualification, else non-formal")
    # fields the official EU sample carries (see docs/elm-vs-eu-sample.md)
    identifier: str | None = Field(default=None, description="the certificate number the institution gives it")
    regions: list[str] = Field(default_factory=list, description="NUTS/ISO 3166-2 regions of the issuer")
    thematic_area: str | None = Field(default=None, description="ISCED-F 2013 field code, e.g. 0613")
    delivery: Delivery | None = None
    languages: Languages | None = None
    part_of: PartOf | None = None
    partial_qualification: bool | None = Field(default=None, description="default: whether it is part_of one")
    modules: list[Module] = Field(default_factory=list)
    profiles: list[str] = Field(default_factory=list, description="alliance profiles the record was checked against")
    specification: str | None = Field(default=None, description="URI of the programme's specification, the same "
                                                                "for the whole cohort (ELM Qualification, OB3 "
                                                                "Achievement id); catalogues of pre-approved "
                                                                "programmes list it")

    _ADDED = frozenset({"identifier", "regions", "thematic_area", "delivery", "languages", "part_of",
                        "partial_qualification", "modules", "profiles", "specification"})

    @field_validator("specification")
    @classmethod
    def _specification(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^(https?://|urn:)\S+$", v):
            raise ValueError(f"{v!r} is not a URI (https://... or urn:...)")
        return v

    @field_validator("thematic_area")
    @classmethod
    def _isced(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"\d{2,4}", v):
            raise ValueError(f"{v!r} is not an ISCED-F 2013 code (2 to 4 digits, e.g. 06 or 0613)")
        return v

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        return [country_code(c) for c in v]

    @field_validator("learning_outcomes")
    @classmethod
    def _outcomes(cls, v: list[LearningOutcome]) -> list[LearningOutcome]:
        if not v:
            raise ValueError("at least one learning outcome is required")
        return v

    @field_validator("participation")
    @classmethod
    def _participation(cls, v: str) -> str:
        return _participation_code(v)

    @field_validator("language")
    @classmethod
    def _language(cls, v: str) -> str:
        if not _LANG_RE.match(v):
            raise ValueError(f"{v!r} is not a BCP 47 language tag (e.g. en, pt, de-AT)")
        if not known_language(v):
            raise ValueError(f"{v!r} is not a language ISO 639 knows (e.g. en, pt, de-AT)")
        return v

    @field_validator("learning_setting")
    @classmethod
    def _setting(cls, v: str | None) -> str | None:
        if v is not None and v not in vocab.LEARNING_SETTING:
            raise ValueError(f"learning_setting must be one of the EU list: {', '.join(vocab.LEARNING_SETTING)}")
        return v

    @model_validator(mode="after")
    def _whole(self) -> "MicroCredentialRecord":
        if self.valid_until is not None and self.valid_until <= self.issued:
            raise ValueError("valid_until must be after the date of issuing")
        module_ects = [m.ects for m in self.modules if m.ects is not None]
        if module_ects and self.workload.ects is not None and sum(module_ects) > self.workload.ects + 1e-9:
            raise ValueError(f"the modules carry {sum(module_ects):g} ECTS, more than the micro-credential's "
                             f"{self.workload.ects:g}")
        if module_ects and self.workload.ects is None:
            raise ValueError("modules carry ECTS but the micro-credential awards none (workload.ects)")
        return self

    @property
    def setting(self) -> str:
        """Learning setting: as stated, else formal when part of a qualification, else non-formal."""
        if self.learning_setting is not None:
            return self.learning_setting
        return "formal" if self.part_of is not None else "non-formal"

    @property
    def is_partial_qualification(self) -> bool:
        """ELM isPartialQualification: as stated, else whether it is part of a qualification."""
        if self.partial_qualification is not None:
            return self.partial_qualification
        return self.part_of is not None

    @property
    def assessment_mode(self) -> str | None:
        """How the assessment is taken: as stated, else where supervision took place, else unknown."""
        if self.assessment.mode is not None:
            return self.assessment.mode
        if self.supervision is not None and self.supervision.supervised:
            return self.supervision.where
        return None

    @property
    def issuer_countries(self) -> list[str]:
        """Element c): stated countries, or the awarding bodies' countries in order (never delivering partners')."""
        if self.countries:
            return self.countries
        return list(dict.fromkeys(o.country for o in self.awarding.awarding_bodies))

    @property
    def issuer_regions(self) -> list[str]:
        """Element c), regions: stated, else the awarding bodies' regions."""
        if self.regions:
            return self.regions
        return list(dict.fromkeys(o.region for o in self.awarding.awarding_bodies if o.region))

    def content_hash(self) -> str:
        """SHA-256 over the canonical JSON of the record: the idempotency key of batches.

        Memoised on the (frozen) record: mapping and issuing ask for it several times.
        """
        memo = self.__dict__.get(_HASH_MEMO)
        if isinstance(memo, str):
            return memo
        data = self.hash_view()
        data.pop("id", None)
        # records from before learning_setting was derived said "non-formal" when silent
        if data.get("learning_setting") is None:
            data["learning_setting"] = "non-formal"
        blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()
        self.__dict__[_HASH_MEMO] = digest
        return digest

    def credential_id(self) -> str:
        """The record's id, or a stable urn:uuid derived from its content (same record, same id).

        The first 16 bytes of the content hash with the version-5 and RFC 4122 variant bits
        set, as name-based UUIDs are; signed outputs and ledgers hold these ids, so the
        derivation must never change.
        """
        if self.id:
            return self.id
        return uuid.UUID(bytes=bytes.fromhex(self.content_hash())[:16], version=5).urn


def _element_of(loc: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into 'g) notional workload.ects' style text.

    The Annex I element first (what is wrong, in the Recommendation's words), then the path
    inside it; batch maps this form back to CSV columns, so it stays as it is.
    """
    if not loc:
        return "record"
    head, rest = str(loc[0]), [str(p) for p in loc[1:]]
    name = ELEMENTS.get(head) or (f"optional: {OPTIONAL_ELEMENTS[head]}" if head in OPTIONAL_ELEMENTS
                                   else head)
    return ".".join([name, *rest]) if rest else name


_DATETIME_ERRORS = frozenset({"datetime_parsing", "datetime_from_date_parsing", "datetime_type",
                              "datetime_object_invalid"})
_DATE_ERRORS = frozenset({"date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact"})
DATETIME_FORMAT = "a date YYYY-MM-DD (midnight UTC) or an ISO 8601 date-time with a time zone, e.g. 2026-06-30T10:00:00Z"
DATE_FORMAT = "a date YYYY-MM-DD, e.g. 1998-04-12"


def _message(err: Any) -> str:
    """pydantic's message, or ours where its words do not tell a registrar what to write."""
    kind, loc, given = err["type"], err["loc"], err.get("input")
    if kind == "missing":
        return "is missing (mandatory element)" if len(loc) == 1 and loc[0] in ELEMENTS else "is missing"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind in _DATETIME_ERRORS:
        return f"expected {DATETIME_FORMAT}; got {given!r}"
    if kind in _DATE_ERRORS:
        return f"expected {DATE_FORMAT}; got {given!r}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"expected a mapping of its fields (docs/records.md shows each element); got {given!r}"
    return str(err["msg"]).removeprefix("Value error, ")


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    return [(_element_of(tuple(err["loc"])), _message(err)) for err in exc.errors()]


def parse_record(data: Any) -> MicroCredentialRecord:
    """Validate a record given as a dict; raise RecordValidationError naming every element."""
    if not isinstance(data, dict):
        raise RecordValidationError([("record", "must be a JSON/YAML object")])
    try:
        return MicroCredentialRecord.model_validate(data)
    except ValidationError as exc:
        raise RecordValidationError(_problems(exc)) from exc


class _RecordLoader(yaml.SafeLoader):
    """Safe YAML whose impossible dates (2026-02-30) stay text, so the record names the field and format."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_RecordLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def read_structured(path: Path, *, max_bytes: int = MAX_RECORD_BYTES) -> Any:
    """Read a JSON or YAML file (by suffix), refusing oversized or unparsable input."""
    text = read_text_input(path, max_bytes=max_bytes)
    try:
        if path.suffix.lower() in {".yaml", ".yml"}:
            return yaml.load(text, Loader=_RecordLoader)  # noqa: S506 - a SafeLoader subclass
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"not valid {'YAML' if path.suffix.lower() in {'.yaml', '.yml'} else 'JSON'}: {exc}",
                         field=str(path)) from exc


def load_record(path: str | Path) -> MicroCredentialRecord:
    """Load and validate one record from a .json, .yaml or .yml file."""
    return parse_record(read_structured(Path(path)))


def with_issuer_id(record: MicroCredentialRecord, issuer_id: str) -> MicroCredentialRecord:
    """The record with the Lead Partner identified by `issuer_id` (the DID or URL the proof binds to)."""
    lead = record.awarding.lead.model_copy(update={"id": issuer_id})
    return record.model_copy(update={"awarding": record.awarding.model_copy(update={"lead": lead})})
