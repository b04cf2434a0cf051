"""Shared helpers for the recognition tests: issue real signed credentials with the demo keys.

Nothing here fakes what we ship: credentials come from `edcissuer.issue.issue` with the
sample records and DEMO-ONLY keys, and are judged at the fixed conftest `NOW`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import NOW, ROOT

from edcissuer.issue import issue
from edcissuer.models.records import MicroCredentialRecord
from edcissuer.recognition import Policy, parse_policy
from edcissuer.verify import VerifyOptions

TRUST = ROOT / "samples" / "trust-list.toml"
STRICT = ROOT / "samples" / "policies" / "university-strict.toml"
LENIENT = ROOT / "samples" / "policies" / "employer-lenient.toml"
SCHEMA = ROOT / "docs" / "recognition-report.schema.json"
KEYS = ROOT / "keys"
DEMO_PROOFS = {"elm": "jades", "ob3": "eddsa-rdfc-2022"}


def options(**kw: Any) -> VerifyOptions:
    return VerifyOptions(now=kw.pop("now", NOW), **kw)


def write_issued(folder: Path, name: str, record: MicroCredentialRecord, fmt: str, demo_keys: Any,
                 proof: str | None = None, signer: Any = None) -> Path:
    """Issue `record` as `fmt` (JAdES for ELM, eddsa for OB3 by default) and write the artefact."""
    proof = proof or DEMO_PROOFS[fmt]
    signer = signer or (demo_keys.seal if proof == "jades" else demo_keys.issuer)
    issued = issue(record, fmt=fmt, signer=signer, proof=proof, now=NOW)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.{fmt}{issued.suffix}"
    path.write_text(issued.serialize(), encoding="utf-8")
    return path


#: the samples of the three awarding models, whose issuers and decisions the sample trust list and
#: policies were written for (the DIVERSE and modular samples' issuers are on no sample trust list)
DECISION_SAMPLES = ("model1-single", "model2-cooperative", "model3-joint")


def issue_demo_set(folder: Path, records: dict[str, MicroCredentialRecord], demo_keys: Any) -> dict[str, Path]:
    """Six credentials: each awarding model's sample record as sealed ELM and as signed OB3."""
    return {f"{name}.{fmt}": write_issued(folder, name, records[name], fmt, demo_keys)
            for name in DECISION_SAMPLES for fmt in ("elm", "ob3")}


def policy(rules: dict[str, dict[str, Any]], target: dict[str, Any] | None = None) -> Policy:
    data: dict[str, Any] = {"policy": {"name": "test policy"}, "rules": rules}
    if target:
        data["target"] = target
    return parse_policy(data)


def trust_toml(folder: Path, body: str) -> Path:
    """A trust list file in `folder` (paths inside may point at ../keys via the absolute KEYS)."""
    path = folder / "trust.toml"
    path.write_text('[trust_list]\nname = "test list"\n' + body, encoding="utf-8")
    return path


def sealed_payload(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text())
    return json.loads(doc["payload"]) if "payload" in doc else doc


def eleven(elements: dict[str, Any]) -> dict[str, Any]:
    """The Annex I element values a receiving institution compares, independent of carrier details
    (ids that key-based proofs rebind, per-credential salts and node ids, extra translations)."""
    en = lambda m: (m or {}).get("en")  # noqa: E731
    qa = elements["quality_assurance"] or {}
    body = lambda b: (en(b["name"]), b["legal_identifier"], b["country"])  # noqa: E731
    return {
        "learner": (elements["learner"]["id"], en(elements["learner"]["name"])),
        "title": en(elements["title"]),
        "countries": elements["countries"],
        "awarding_model": elements["awarding_model"],
        "awarding_bodies": [body(b) for b in elements["awarding_bodies"]],
        "delivering_partners": [body(b) for b in elements["delivering_partners"]],
        "issued": elements["issued"],
        "learning_outcomes": [(en(lo["title"]), lo["esco"]) for lo in elements["learning_outcomes"]],
        "ects": elements["ects"],
        "level": (elements["eqf"], elements["qf_ehea"]),
        "assessment": elements["assessment"],
        "participation": elements["participation"],
        "quality_assurance": ((qa.get("type") or {}).get("code"), qa.get("external"),
                              en((qa.get("agency") or {}).get("name"))),
        "supervision": elements["supervision"],
    }
