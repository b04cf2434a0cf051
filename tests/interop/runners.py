"""Running one batch per peer: node drivers in parallel, openbadgeslib in this process.

`Verdict` is what a peer said about one job: ok, or the refusal it gave.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .peers import run_driver


@dataclass(frozen=True)
class Verdict:
    ok: bool
    error: str = ""
    detail: Any = None
    signed: Any = None   # what a signing job produced
    did: str = ""        # the DID a signing peer signed as


class PeerLimitation(Exception):
    """A peer refused a case for the documented reason of a cases.Limitation."""


def run_all(batches: dict[str, list[dict[str, Any]]], documents: dict[str, Any]) -> dict[str, dict[str, Verdict]]:
    """Every driver's batch at once (one node process each); verdicts by driver, then job id."""
    def one(driver: str) -> tuple[str, dict[str, Verdict]]:
        out = run_driver(driver, batches[driver], documents)
        return driver, {jid: Verdict(bool(r.get("ok")), str(r.get("error") or ""), r.get("detail"), r.get("signed"),
                                     str(r.get("did") or "")) for jid, r in out.items()}

    with ThreadPoolExecutor(max_workers=len(batches) or 1) as pool:
        return dict(pool.map(one, [d for d, jobs in batches.items() if jobs]))


def in_process(check: Callable[[], object]) -> Verdict:
    """A Python peer's verdict: ok unless it raises (its exception is the refusal)."""
    try:
        check()
    except Exception as exc:  # the peer's refusal, whatever its class
        return Verdict(False, f"{type(exc).__name__}: {exc}")
    return Verdict(True)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tamper_token(token: str, change: Callable[[dict[str, Any]], None]) -> str:
    """The compact JWS with its payload changed after signing (header and signature kept)."""
    head, body, sig = token.split(".")
    payload = json.loads(unb64url(body))
    change(payload)
    return f"{head}.{b64url(json.dumps(payload).encode())}.{sig}"


def tamper(artefact: dict[str, Any] | str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any] | str:
    """A copy of a signed artefact (LD document or JWT) with one signed value changed."""
    if isinstance(artefact, str):
        return tamper_token(artefact, change)
    copy = json.loads(json.dumps(artefact))
    change(copy)
    return copy


def rename_achievement(credential: dict[str, Any]) -> None:
    subject = credential["credentialSubject"]
    (subject[0] if isinstance(subject, list) else subject)["achievement"]["name"] += " (with honours)"


def inflate_credits(credential: dict[str, Any]) -> None:
    subject = credential["credentialSubject"]
    (subject[0] if isinstance(subject, list) else subject)["achievement"]["creditsAvailable"] = 60
