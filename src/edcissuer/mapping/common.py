"""Transforms both output formats share, written once.

ELM and OB3 place values differently, but they agree on node ids, dates, language
handling, who awards in which role and how a controlled value is described. The format
modules (elm.py, ob3.py) only decide *where* each value goes.
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..models import vocab
from ..models.records import MicroCredentialRecord, Organisation
from ..time import iso_z, parse_xsd_datetime

VC1 = "https://www.w3.org/2018/credentials/v1"
VC2 = "https://www.w3.org/ns/credentials/v2"
EDC_AP = "http://data.europa.eu/snb/model/context/edc-ap"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
MC_EXT = "https://w3id.org/edcissuer/contexts/mc/v1"
DATA_INTEGRITY = "https://w3id.org/security/data-integrity/v2"
OB3_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
EDC_SCHEMA = "http://data.europa.eu/snb/model/ap/edc-generic-full"


def node_id(credential_id: str, *parts: object) -> str:
    """A stable urn:uuid for a node inside one credential.

    Stable ids keep references exact across formats and re-issues, and leave RDF
    canonicalisation no blank nodes to label.
    """
    name = "/".join([credential_id, *map(str, parts)])
    return f"urn:uuid:{uuid5_text(name)}"


_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes


def uuid5_text(name: str) -> str:
    """`str(uuid.uuid5(uuid.NAMESPACE_URL, name))` without building UUID objects.

    A large credential names dozens of nodes; the stdlib's two UUID constructions per id were
    a tenth of mapping an ELM credential. RFC 9562 section 5.5: SHA-1 of namespace + name,
    first 16 bytes, version 5, variant 10 (tests/test_mapping.py compares with the stdlib).
    """
    raw = bytearray(hashlib.sha1(_URL_NAMESPACE + name.encode("utf-8")).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def iso(dt: datetime) -> str:
    """XSD dateTime in UTC with a Z, seconds precision (what both data models expect)."""
    return iso_z(dt)


def parse_datetime(value: object) -> datetime | None:
    """An xsd:dateTime string as an aware datetime (UTC when no offset), else None."""
    return parse_xsd_datetime(value, assume_utc=True)


def text(value: dict[str, str] | None, lang: str) -> str | None:
    """The text in `lang`, else English, else the first language given."""
    if not value:
        return None
    return value.get(lang) or value.get("en") or next(iter(value.values()))


def org_id(org: Organisation, credential_id: str, role: str) -> str:
    """The organisation's own id (DID/URI) or a stable one derived from its legal identity."""
    if org.id:
        return org.id
    return node_id(credential_id, "org", role, org.legal_identifier or org.legal_name.get("en", ""))


@dataclass(frozen=True)
class Party:
    """An organisation in a named role: lead, awarding (joint partner), delivering, qa-agency."""

    org: Organisation
    role: str
    id: str


def parties(record: MicroCredentialRecord) -> list[Party]:
    """Every organisation of the record in its role, lead first; ids are shared by both formats."""
    cid = record.credential_id()
    aw = record.awarding
    out = [Party(aw.lead, "lead", org_id(aw.lead, cid, "lead"))]
    partner_role = "awarding" if aw.model.value == "joint-award" else "delivering"
    out += [Party(p, partner_role, org_id(p, cid, f"{partner_role}-{i}")) for i, p in enumerate(aw.partners)]
    return out


def awarding_parties(record: MicroCredentialRecord) -> list[Party]:
    return [p for p in parties(record) if p.role in {"lead", "awarding"}]


def delivering_parties(record: MicroCredentialRecord) -> list[Party]:
    return [p for p in parties(record) if p.role == "delivering"]


def assessing_parties(record: MicroCredentialRecord) -> list[Party]:
    """Who assesses: the joint panel (lead and every partner) in both joint models, else the lead."""
    return parties(record) if record.awarding.is_joint else parties(record)[:1]


def on_behalf_parties(record: MicroCredentialRecord) -> list[Party]:
    """The awarding bodies the lead issues for (joint-award partners); none in the other models."""
    return [p for p in parties(record) if p.role == "awarding"]


def eu_concept(c: vocab.Concept) -> vocab.Concept:
    """The EU concept an own concept narrows (hybrid -> Blended), or the concept itself."""
    if c.broader is None:
        return c
    return next(x for x in vocab.PARTICIPATION.values() if x.uri == c.broader)


def controlled_values(record: MicroCredentialRecord) -> dict[str, vocab.Concept]:
    """The controlled-vocabulary concepts of the record's elements, keyed by element."""
    values: dict[str, vocab.Concept] = {
        "eqf": vocab.EQF[record.level.eqf],
        "participation": vocab.PARTICIPATION[record.participation],
        "quality_assurance": vocab.QA_TYPE[record.quality_assurance.type],
        "learning_setting": vocab.LEARNING_SETTING[record.setting],
    }
    if record.assessment.eu_type:
        values["assessment"] = vocab.ASSESSMENT[record.assessment.eu_type]
    if record.level.qf_ehea:
        values["qf_ehea"] = vocab.QF_EHEA[record.level.qf_ehea]
    if record.supervision:
        values["supervision"] = vocab.SUPERVISION[record.supervision.code]
    if record.assessment_mode:
        values["assessment_mode"] = vocab.PARTICIPATION[record.assessment_mode]
    return values


def hours_of(duration: str | None) -> int | None:
    """Whole hours of an xsd:duration that states only hours (PT125H), else None."""
    match = re.fullmatch(r"PT(\d{1,6})H", duration or "")
    return int(match.group(1)) if match else None


def ects_text(ects: float) -> str:
    """ECTS as ELM's xsd:string `point` ("5", "2.5")."""
    return f"{ects:g}"


def volume_of_learning(record: MicroCredentialRecord) -> str | None:
    """Hours as an xsd:duration (PT125H), when the record gives them."""
    return f"PT{record.workload.hours}H" if record.workload.hours else None


def outcome_ids(record: MicroCredentialRecord) -> list[str]:
    cid = record.credential_id()
    return [node_id(cid, "learning-outcome", i) for i in range(len(record.learning_outcomes))]


def compact(node: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None or empty, so outputs carry no empty properties."""
    return {k: v for k, v in node.items() if v is not None and v != [] and v != {}}
