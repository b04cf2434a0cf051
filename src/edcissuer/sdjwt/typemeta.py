"""SD-JWT VC type metadata (draft §6) and the JSON Schema of the disclosed claim set.

Ours is built from the claim table in `claims.py`, so what is issued, what the metadata
says and what the schema accepts cannot drift apart. The EUDI Learning Credential's
metadata is bundled (`data/eudi-learning-credential.json`, written by us from the EUDI
issuer's definition, source in `data/NOTICE.md`) for consumers that resolve `extends`
without a registry; the service publishes both at `/type-metadata/{vct}`.

No `schema`/`schema_uri` member: SD-JWT VC dropped them in draft -12; the JSON Schema is
published on its own (`claims_schema`).
"""
from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from typing import Any

from .claims import CLAIMS, EDC_CLAIMS, EDC_VCT, EUDI_CLAIMS, EUDI_VCT, ClaimSpec

SCHEMA_ID = "https://w3id.org/edcissuer/schemas/edc-microcredential-sd-jwt-vc.json"
#: top-level display of our type in the languages of the message catalogue
_DISPLAY = {
    "en": ("Micro-credential", "A European micro-credential with the eleven elements of the Council "
           "Recommendation (2022/C 243/02), Annex I"),
    "de": ("Micro-Credential", "Ein europäisches Micro-Credential mit den elf Elementen der Empfehlung des Rates "
           "(2022/C 243/02), Anhang I"),
    "fr": ("Micro-certification", "Une micro-certification européenne avec les onze éléments de la "
           "recommandation du Conseil (2022/C 243/02), annexe I"),
    "es": ("Microcredencial", "Una microcredencial europea con los once elementos de la Recomendación del "
           "Consejo (2022/C 243/02), anexo I"),
    "it": ("Microcredenziale", "Una microcredenziale europea con gli undici elementi della raccomandazione del "
           "Consiglio (2022/C 243/02), allegato I"),
    "nl": ("Microcredential", "Een Europese microcredential met de elf elementen van de aanbeveling van de Raad "
           "(2022/C 243/02), bijlage I"),
    "pl": ("Mikropoświadczenie", "Europejskie mikropoświadczenie z jedenastoma elementami zalecenia Rady "
           "(2022/C 243/02), załącznik I"),
    "pt": ("Microcredencial", "Uma microcredencial europeia com os onze elementos da Recomendação do Conselho "
           "(2022/C 243/02), anexo I"),
}


def _claim_entries(spec: ClaimSpec) -> list[dict[str, Any]]:
    entry = {"path": [spec.name], "display": [{"locale": "en", "label": spec.label, "description": spec.description}],
             "mandatory": spec.mandatory, "sd": spec.sd}
    out = [entry]
    if spec.item_label:
        out.append({"path": [spec.name, None], "display": [{"locale": "en", "label": spec.item_label}],
                    "mandatory": False, "sd": "never"})
    return out


def edc_type_metadata(*, extends_integrity: bool = False) -> dict[str, Any]:
    """Our type metadata: `extends` the EUDI Learning Credential and adds the elements it lacks.

    Only the claims ours adds are listed; inherited claims keep the EUDI `sd` (an
    extending type may not change it). `extends_integrity` adds `extends#integrity`, the
    SRI digest of the bundled EUDI document as served.
    """
    doc: dict[str, Any] = {
        "vct": EDC_VCT,
        "name": "edcissuer micro-credential SD-JWT VC type metadata",
        "description": "The EUDI Learning Credential with the Annex I elements it lacks: countries, awarding "
                       "bodies with identifiers, ECTS, QF-EHEA cycle, assessment type, form of participation, "
                       "quality assurance, supervision and identity verification, stackability.",
        "extends": EUDI_VCT,
        "display": [{"locale": lang, "name": name, "description": text} for lang, (name, text) in _DISPLAY.items()],
        "claims": [e for spec in EDC_CLAIMS for e in _claim_entries(spec)],
    }
    if extends_integrity:
        doc["extends#integrity"] = integrity(serialize(eudi_type_metadata()))
    return doc


def eudi_type_metadata() -> dict[str, Any]:
    """The EUDI Learning Credential type metadata (our bundled copy)."""
    data = resources.files(__package__).joinpath("data", "eudi-learning-credential.json").read_text("utf-8")
    value = json.loads(data)
    assert isinstance(value, dict)
    return value


def type_metadata(vct: str) -> dict[str, Any] | None:
    """The type metadata document of `vct`, or None for a type we do not know."""
    return {EDC_VCT: edc_type_metadata, EUDI_VCT: eudi_type_metadata}.get(vct, lambda: None)()


def serialize(document: dict[str, Any]) -> bytes:
    """The bytes a type metadata document is served as (integrity digests are over these)."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def integrity(data: bytes) -> str:
    """W3C Subresource Integrity `sha256-<base64>` of served bytes (SD-JWT VC §7)."""
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def claims_schema(vct: str = EDC_VCT) -> dict[str, Any]:
    """JSON Schema (2020-12) of the claim set a verifier holds after processing disclosures.

    Selectively disclosable claims are never required (the holder may withhold them);
    the JWT's own claims (iss, iat, exp, vct, cnf, status) are described and required as
    SD-JWT VC and the EUDI type require them.
    """
    specs = EUDI_CLAIMS if vct == EUDI_VCT else tuple(CLAIMS.values())
    properties: dict[str, Any] = {
        "iss": {"type": "string", "minLength": 1},
        "iat": {"type": "integer"},
        "exp": {"type": "integer"},
        "nbf": {"type": "integer"},
        "vct": {"const": vct},
        "jti": {"type": "string"},
        "cnf": {"type": "object", "required": ["jwk"], "properties": {"jwk": {
            "type": "object", "required": ["kty"], "not": {"required": ["d"]}}}},
        "status": {"type": "object", "required": ["status_list"], "properties": {"status_list": {
            "type": "object", "required": ["idx", "uri"],
            "properties": {"idx": {"type": "integer", "minimum": 0}, "uri": {"type": "string"}}}}},
    }
    properties.update({spec.name: {**spec.schema, "title": spec.label, "description": spec.description}
                       for spec in specs})
    required = ["iss", "iat", "exp", "vct"] + [s.name for s in specs if s.mandatory and s.sd == "never"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID if vct == EDC_VCT else f"{SCHEMA_ID}#eudi",
        "title": "Disclosed claims of an edcissuer micro-credential SD-JWT VC" if vct == EDC_VCT
        else "Disclosed claims of an EUDI Learning Credential SD-JWT VC",
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }
