"""Run-time conformance rules for both formats, shipped with the library.

The official OB 3.0 JSON Schema and the ELM SHACL shapes are not ours to redistribute and
are too heavy to load on every verification; tests check our output against them when
they are present. At run time we apply our own statement of the rules a receiving
institution relies on: the required OB 3.0 structure (1EdTech schema `required` lists and
formats) and the EDC-generic-full shapes' mandatory properties.
"""
from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped,unused-ignore]

from .checks import CheckId
from .errors import EdcIssuerError
from .ld.expand import check_json_limits
from .results import CheckResult

_DATETIME_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def _types_with(*names: str) -> dict[str, Any]:
    """Schema fragment: `type` is one of `names`, or an array containing one."""
    return {"oneOf": [{"type": "string", "enum": list(names)},
                      {"type": "array", "minItems": 1, "contains": {"enum": list(names)}}]}



_PROFILE = {"type": "object", "required": ["id", "type"],
            "properties": {"id": {"type": "string", "format": "uri"}, "type": _types_with("Profile")}}

OB3_RULES: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2019-09/schema",
    "title": "edcissuer run-time rules for Open Badges 3.0 OpenBadgeCredential",
    "type": "object",
    "required": ["@context", "id", "type", "issuer", "validFrom", "credentialSubject"],
    "properties": {
        "@context": {"type": "array", "minItems": 2, "prefixItems": [
            {"const": "https://www.w3.org/ns/credentials/v2"},
            {"type": "string",
             "pattern": r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$"}]},
        "id": {"type": "string", "format": "uri"},
        "type": {"type": "array", "allOf": [{"contains": {"const": "VerifiableCredential"}},
                                            {"contains": {"enum": ["OpenBadgeCredential",
                                                                   "AchievementCredential"]}}]},
        "issuer": {"oneOf": [{"type": "string", "format": "uri"}, _PROFILE]},
        "validFrom": {"type": "string", "pattern": _DATETIME_Z},
        "validUntil": {"type": "string", "pattern": _DATETIME_Z},
        "credentialSubject": {
            "type": "object", "required": ["type", "achievement"],
            "properties": {
                "type": _types_with("AchievementSubject"),
                "achievement": {"type": "object", "required": ["id", "type", "criteria", "description", "name"],
                                "properties": {"type": _types_with("Achievement"),
                                               "name": {"type": "string"},
                                               "description": {"type": "string"},
                                               "criteria": {"type": "object"},
                                               "creditsAvailable": {"type": "number", "minimum": 0}}},
                "identifier": {"type": "array", "items": {
                    "type": "object", "required": ["type", "hashed", "identityHash", "identityType"]}},
            },
        },
        "proof": {"oneOf": [{"type": "object", "required": ["type"]},
                            {"type": "array", "items": {"type": "object", "required": ["type"]}}]},
    },
}

_OB3_VALIDATOR = jsonschema.Draft201909Validator(OB3_RULES, format_checker=jsonschema.FormatChecker())  # type: ignore[no-untyped-call,unused-ignore]


def _path(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(root)"


def _first(node: Any) -> Any:
    return node[0] if isinstance(node, list) and node else node


# (json path, description) pairs EDC-generic-full requires (minCount 1) on the parts we read.
_ELM_REQUIRED: tuple[tuple[tuple[str, ...], str], ...] = (
    (("credentialProfiles",), "credential profile"),
    (("displayParameter",), "display parameter"),
    (("displayParameter", "individualDisplay"), "individual display"),
    (("issuer",), "issuer"),
    (("issuer", "eIDASIdentifier"), "issuer eIDAS legal identifier"),
    (("validFrom",), "validFrom"),
    (("credentialSubject",), "credential subject"),
    (("credentialSubject", "hasClaim"), "claim (hasClaim)"),
    (("credentialSubject", "hasClaim", "title"), "claim title"),
    (("credentialSubject", "hasClaim", "awardedBy"), "awarding process (awardedBy)"),
    (("credentialSubject", "hasClaim", "awardedBy", "awardingBody"), "awarding body"),
)


def _elm_problems(cred: dict[str, Any]) -> list[str]:
    problems = []
    types: list[Any] = cred["type"] if isinstance(cred.get("type"), list) else [cred.get("type")]
    if "VerifiableCredential" not in types or "EuropeanDigitalCredential" not in types:
        problems.append("type: must include VerifiableCredential and EuropeanDigitalCredential")
    ctx: list[Any] = cred["@context"] if isinstance(cred.get("@context"), list) else [cred.get("@context")]
    if "http://data.europa.eu/snb/model/context/edc-ap" not in ctx:
        problems.append("@context: must include http://data.europa.eu/snb/model/context/edc-ap")
    if not cred.get("issued") and not cred.get("issuanceDate"):
        problems.append("issued: required by EDC-generic-full (set at sealing)")
    for path, label in _ELM_REQUIRED:
        node: Any = cred
        for key in path:
            node = _first(node).get(key) if isinstance(_first(node), dict) else None
        if node in (None, [], {}, ""):
            problems.append(f"{'.'.join(path)}: {label} is required")
    return problems


def check_conformance(credential: dict[str, Any], fmt: str) -> CheckResult:
    """The format's mandatory structure, each problem named by its JSON path."""
    try:
        # jsonschema writes repr() of offending values (a 5000-digit integer cannot be) and recurses
        check_json_limits(credential)
    except EdcIssuerError as exc:
        return CheckResult(CheckId.CONFORMANCE, False, f"cannot be checked: {exc}", {"field": exc.field})
    if fmt == "ob3":
        errors = sorted(_OB3_VALIDATOR.iter_errors(credential), key=lambda e: [str(p) for p in e.absolute_path])
        problems = [f"{_path(e)}: {e.message}" for e in errors]
        label = "Open Badges 3.0 required structure"
    else:
        problems = _elm_problems(credential)
        label = "ELM v3 EDC-generic-full mandatory properties"
    if problems:
        return CheckResult(CheckId.CONFORMANCE, False, f"{label}: " + "; ".join(problems[:8]),
                           {"problems": problems})
    return CheckResult(CheckId.CONFORMANCE, True, f"conforms to the {label}", {"rules": label})
