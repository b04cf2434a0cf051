"""Alliance profiles: an alliance's rules for its micro-credentials, as data a registrar can read.

Why data, not code: each European University Alliance (DIVERSE, Una Europa, INGENIUM, ...)
sets its own limits on top of the Council Recommendation (e.g. 3-30 whole ECTS at EQF 5-7),
and they change with each policy revision. A profile is a TOML file (docs/profiles.md):

    [profile]
    id = "https://w3id.org/edcissuer/profiles/diverse/v1"    # what the credential states it meets
    name = "DIVERSE"
    source = "DIVERSE Micro-credentials Policy"               # the alliance document it follows

    [[rule]]
    name = "diverse-ects-range"
    field = "workload.ects"                                    # a record path (docs/records.md)
    min = 3
    max = 30
    integer = true
    message = "DIVERSE micro-credentials carry 3 to 30 whole ECTS"

A rule's checks are its keys: `required`, `min`/`max` (range), `integer`, `max_length`,
`min_count`/`max_count`, `one_of`; `when` limits it to records where another field is one
of some values. The file is validated in full before use: an unknown key, a path the record
model does not have, or a check that cannot apply is refused naming the file, rule and key.
"""
from __future__ import annotations

import functools
import math
import re
import sys
import tomllib
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union

from pydantic import AfterValidator, AnyUrl, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InputError, RecordValidationError
from .files import read_text_input
from .models.records import ELEMENTS, OPTIONAL_ELEMENTS, MicroCredentialRecord

MAX_PROFILE_BYTES = 200_000
PROFILE_SUFFIX = ".toml"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def bundled_dir() -> Path | None:
    """The shipped profiles: `edcissuer/_profiles` (wheel) or the checkout's `samples/profiles`."""
    here = Path(__file__).resolve()
    for candidate in (here.parent / "_profiles", here.parents[2] / "samples" / "profiles"):
        if candidate.is_dir():
            return candidate
    return None


# --------------------------------------------------------------------------- record paths

def _unwrap(tp: Any) -> Any:
    """The type a path continues into: Annotated, Optional and lists peeled off."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else Any
        elif origin in (list, tuple, frozenset, set):
            tp = typing.get_args(tp)[0]
        else:
            return tp


def _children(tp: Any) -> dict[str, Any] | None:
    """Field and property types of a model (None: a leaf; {} with dict: any key)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        out: dict[str, Any] = {n: f.annotation for n, f in tp.model_fields.items()}
        for name in dir(tp):
            attr = getattr(tp, name, None)
            if (isinstance(attr, property) and not name.startswith(("_", "model_")) and attr.fget is not None
                    and attr.fget.__module__ == tp.__module__):  # the model's own properties, not pydantic's
                hints = typing.get_type_hints(attr.fget, vars(sys.modules[tp.__module__]))
                out[name] = hints.get("return", Any)
        return out
    return None


def check_path(path: str, root: type[BaseModel] = MicroCredentialRecord) -> str | None:
    """Why `path` is not a path into the record model, or None when it is.

    A language map (`title`) may be followed by one language tag (`title.en`); a list
    continues into its items (`awarding.partners.country`).
    """
    tp: Any = root
    done: list[str] = []
    for part in path.split("."):
        base = _unwrap(tp)
        if typing.get_origin(base) is dict:
            tp = typing.get_args(base)[1]
            done.append(part)
            continue
        children = _children(base)
        if children is None or part not in children:
            where = ".".join(done) or "the record"
            known = ", ".join(sorted(children)) if children else "nothing (it is a value)"
            return f"{path!r}: {where} has no field {part!r} (it has: {known})"
        tp = children[part]
        done.append(part)
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, AnyUrl):
        return str(value)
    return value


def resolve(record: BaseModel, path: str) -> list[Any]:
    """Every value at `path` in the record (several through lists; none when a step is absent)."""
    values: list[Any] = [record]
    for part in path.split("."):
        nxt: list[Any] = []
        for v in values:
            child = v.get(part) if isinstance(v, dict) else getattr(v, part, None)
            if isinstance(child, (list, tuple)):
                nxt.extend(child)
                if not child:
                    nxt.append(_EMPTY)
            elif child is not None:
                nxt.append(child)
        values = nxt
    return [_plain(v) for v in values]


class _Empty:
    """An empty list on the way: counts as present with zero items (min_count), absent otherwise."""


_EMPTY = _Empty()


# --------------------------------------------------------------------------- the profile as data

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Scalar = str | int | float | bool


def _record_path(v: str) -> str:
    """A field path the record model has (refused naming the path otherwise)."""
    problem = check_path(v)
    if problem:
        raise ValueError(problem)
    return v


RecordPath = Annotated[str, AfterValidator(_record_path)]


class When(_Strict):
    """The rule applies only where `field` is one of `one_of` (e.g. joint models only)."""

    field: RecordPath
    one_of: list[Scalar] = Field(min_length=1)


CHECK_KEYS = ("required", "min", "max", "integer", "max_length", "min_count", "max_count", "one_of")


class ProfileRule(_Strict):
    """One rule: a name (stable, quoted in refusals), a message for the registrar, a field and its checks."""

    name: str
    message: str = Field(min_length=1)
    field: RecordPath
    required: bool = False
    min: float | None = None
    max: float | None = None
    integer: bool = False
    max_length: int | None = Field(default=None, gt=0)
    min_count: int | None = Field(default=None, ge=0)
    max_count: int | None = Field(default=None, ge=0)
    one_of: list[Scalar] | None = Field(default=None, min_length=1)
    when: When | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError(f"{v!r} is not a rule name (lower-case letters, digits and '-', e.g. diverse-ects-range)")
        return v

    @field_validator("min", "max")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @model_validator(mode="after")
    def _checks(self) -> "ProfileRule":
        given = [k for k in CHECK_KEYS if getattr(self, k) not in (None, False)]
        if not given:
            raise ValueError(f"checks nothing: give one of {', '.join(CHECK_KEYS)}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is larger than max {self.max:g}")
        if self.min_count is not None and self.max_count is not None and self.min_count > self.max_count:
            raise ValueError("min_count is larger than max_count")
        return self

    @property
    def checks(self) -> list[str]:
        return [k for k in CHECK_KEYS if getattr(self, k) not in (None, False)]


class ProfileInfo(_Strict):
    id: AnyUrl = Field(description="stable URI the credential states (record.profiles)")
    name: str = Field(min_length=1)
    title: str | None = None
    version: str | None = None
    source: str = Field(min_length=1, description="the alliance document the rules follow")
    url: AnyUrl | None = None
    note: str | None = None


class Profile(_Strict):
    """A validated alliance profile; `path` is the file it came from (None when built in code)."""

    profile: ProfileInfo
    rule: list[ProfileRule] = Field(min_length=1)
    path: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> "Profile":
        names = [r.name for r in self.rule]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"rule names must be unique: {', '.join(twice)} given more than once")
        return self

    @property
    def id(self) -> str:
        return str(self.profile.id)

    @property
    def name(self) -> str:
        return self.profile.name


def _located(exc: ValidationError, data: dict[str, Any], where: str) -> InputError:
    """Every problem as `FILE: rule 'NAME' (rule[i]).KEY: message`: file, rule and key named."""
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        text = ("is not a known key" if err["type"] == "extra_forbidden"
                else str(err["msg"]).removeprefix("Value error, "))
        label = ".".join(str(p) for p in loc) or "profile"
        if len(loc) >= 2 and loc[0] == "rule" and isinstance(loc[1], int):
            rules = data.get("rule")
            raw = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
            name = raw.get("name") if isinstance(raw, dict) else None
            key = "".join(f".{p}" for p in loc[2:])
            label = f"rule {name!r} (rule[{loc[1]}]){key}" if name else f"rule[{loc[1]}]{key}"
        problems.append((label, text))
    message = "; ".join(f"{label}: {text}" for label, text in problems)
    return InputError(f"alliance profile: {message}", field=where)


def parse_profile(data: Any, *, where: str = "profile") -> Profile:
    """A Profile from parsed TOML; InputError names the file (`where`, its field), the rule and the key."""
    if not isinstance(data, dict):
        raise InputError("alliance profile: must be a TOML table", field=where)
    if "path" in data:
        raise InputError("alliance profile: path is not a known key", field=where)
    try:
        return Profile.model_validate({**data, "path": where})
    except ValidationError as exc:
        raise _located(exc, data, where) from exc


def read_profile(path: str | Path) -> Profile:
    """Read and validate one profile file."""
    p = Path(path)
    text = read_text_input(p, max_bytes=MAX_PROFILE_BYTES, what="alliance profile")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"alliance profile is not valid TOML: {exc}", field=str(p)) from exc
    return parse_profile(data, where=str(p))


def _is_path(name_or_path: str | Path) -> bool:
    text = str(name_or_path)
    return isinstance(name_or_path, Path) or "/" in text or "\\" in text or text.endswith(PROFILE_SUFFIX)


def search_dirs(extra: Sequence[str | Path] = ()) -> list[Path]:
    """Where a profile name is looked up: `extra` first (the user's folders), then the shipped profiles."""
    dirs = [Path(d) for d in extra]
    shipped = bundled_dir()
    return [*dirs, shipped] if shipped else dirs


def find_profile(name: str, dirs: Sequence[str | Path] = ()) -> Path:
    """The file of profile `name` (NAME.toml) in `dirs`, then among the shipped ones."""
    if not _NAME_RE.match(name):
        raise InputError(f"{name!r} is not a profile name (lower-case letters, digits and '-') or a .toml path",
                         field="profile", value=name)
    looked = search_dirs(dirs)
    for d in looked:
        candidate = d / f"{name}{PROFILE_SUFFIX}"
        if candidate.is_file():
            return candidate
    names = sorted({p.stem for d in looked if d.is_dir() for p in d.glob(f"*{PROFILE_SUFFIX}")})
    raise InputError(f"no alliance profile {name!r} (looked for {name}{PROFILE_SUFFIX} in "
                     f"{', '.join(map(str, looked)) or 'no folder'}); known: {', '.join(names) or 'none'}",
                     field="profile", value=name)


def load_profile(name_or_path: str | Path, dirs: Sequence[str | Path] = ()) -> Profile:
    """A profile by name (diverse, una-europa: see `find_profile`) or by the path of its TOML file."""
    if _is_path(name_or_path):
        return read_profile(name_or_path)
    return read_profile(find_profile(str(name_or_path), dirs))


def shipped_profiles() -> list[Profile]:
    """Every profile shipped with edcissuer (samples/profiles/)."""
    d = bundled_dir()
    return [read_profile(p) for p in sorted(d.glob(f"*{PROFILE_SUFFIX}"))] if d else []


# --------------------------------------------------------------------------- checking a record

@dataclass(frozen=True)
class Violation:
    """One rule a record breaks: the rule's name and message, the field and what was found."""

    profile: str        # profile id
    profile_name: str
    rule: str
    message: str
    field: str          # record path, e.g. workload.ects
    found: str          # what the record has there, as text

    @property
    def element(self) -> str:
        """The field as records name it ('g) notional workload.ects'), so batch finds the column."""
        head, _, rest = self.field.partition(".")
        name = ELEMENTS.get(head) or (f"optional: {OPTIONAL_ELEMENTS[head]}" if head in OPTIONAL_ELEMENTS else head)
        return f"{name}.{rest}" if rest else name

    def text(self) -> str:
        return f"breaks {self.profile_name} rule {self.rule}: {self.message} (found: {self.found})"

    def to_dict(self) -> dict[str, str]:
        return {"profile": self.profile, "rule": self.rule, "message": self.message, "field": self.field,
                "found": self.found}


def _show(values: list[Any]) -> str:
    shown = [v for v in values if v is not _EMPTY]
    if not shown:
        return "nothing"
    if len(shown) == 1:
        v = shown[0]
        return f"{v:g}" if isinstance(v, float) else repr(v) if isinstance(v, str) else str(v)
    return f"{len(shown)} values: " + ", ".join(repr(v) if isinstance(v, str) else str(v) for v in shown[:5])


def _texts(value: Any) -> list[str]:
    """The texts of a value a length applies to: a string, or every language of a language map."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    return []


def _rule_fails(rule: ProfileRule, values: list[Any]) -> str | None:
    """What is wrong at the rule's field (the finding shown), or None when every check holds."""
    present = [v for v in values if v is not _EMPTY and v not in ("", {}, [])]
    if rule.required and not present:
        return "nothing"
    if rule.min_count is not None or rule.max_count is not None:
        n = len(present)
        if (rule.min_count is not None and n < rule.min_count) or (rule.max_count is not None and n > rule.max_count):
            return f"{n} item(s)"
    for v in present:
        number = v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        if (rule.min is not None or rule.max is not None or rule.integer) and number is None:
            return f"{_show([v])}, not a number"
        if number is not None:
            if rule.min is not None and number < rule.min:
                return _show([v])
            if rule.max is not None and number > rule.max:
                return _show([v])
            if rule.integer and float(number) != int(number):
                return _show([v])
        if rule.max_length is not None:
            long = [t for t in _texts(v) if len(t) > rule.max_length]
            if long:
                return f"{len(long[0])} characters: {long[0]!r}"
        if rule.one_of is not None and v not in rule.one_of:
            return _show([v])
    return None


def _applies(rule: ProfileRule, record: MicroCredentialRecord) -> bool:
    if rule.when is None:
        return True
    return any(v in rule.when.one_of for v in resolve(record, rule.when.field))


def check_record(record: MicroCredentialRecord, profile: Profile) -> list[Violation]:
    """Every rule of `profile` the record breaks, in the profile's order (empty: it conforms)."""
    out = []
    for rule in profile.rule:
        if not _applies(rule, record):
            continue
        found = _rule_fails(rule, resolve(record, rule.field))
        if found is not None:
            out.append(Violation(profile.id, profile.name, rule.name, rule.message, rule.field, found))
    return out


class ProfileViolationError(RecordValidationError):
    """A record breaks rules of an alliance profile; each problem names the rule and its message."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        super().__init__([(v.element, v.text()) for v in self.violations])


def conform(record: MicroCredentialRecord, profiles: Profile | Iterable[Profile]) -> MicroCredentialRecord:
    """The record stating the profile(s) it meets (`record.profiles`), or ProfileViolationError.

    The ids are added to the record, so the credential carries them (signed), and the
    content hash (and the derived credential id) tells apart a record issued under a profile.
    """
    chosen = [profiles] if isinstance(profiles, Profile) else list(profiles)
    violations = [v for p in chosen for v in check_record(record, p)]
    if violations:
        raise ProfileViolationError(violations)
    ids = list(dict.fromkeys([*record.profiles, *(p.id for p in chosen)]))
    return record if ids == record.profiles else record.model_copy(update={"profiles": ids})


@functools.cache
def _shipped_by_id() -> dict[str, Profile]:
    return {p.id: p for p in shipped_profiles()}


def check_stated(record: MicroCredentialRecord) -> None:
    """Refuse a record that states a shipped profile (`profiles:` in its YAML) without meeting it.

    Why: a credential stating DIVERSE must meet DIVERSE's rules however the record got the id.
    Ids of profiles edcissuer does not ship (an alliance's own file) are the registrar's claim,
    checked when issued with `--profile`, and carried as stated.
    """
    stated = [_shipped_by_id()[i] for i in record.profiles if i in _shipped_by_id()]
    violations = [v for p in stated for v in check_record(record, p)]
    if violations:
        raise ProfileViolationError(violations)


def as_profile(profile: Profile | str | Path | None, dirs: Sequence[str | Path] = ()) -> Profile | None:
    """A library caller's `profile=`: a Profile, a name or a path (loaded), or None."""
    if profile is None or isinstance(profile, Profile):
        return profile
    return load_profile(profile, dirs)
