"""The signed artefact every exporter starts from, read once and never changed.

Why one reader: exporters must carry the credential exactly as it was signed (STYLE:
"exporters that re-sign or re-map" are forbidden). So each exporter takes the artefact
(a Data Integrity credential, a JAdES-sealed JWS JSON object or a compact JWT), keeps its
bytes, and only *reads* the credential inside for display (title, learner, QR link).
Reading is not verifying: `edcissuer.verify` does that, on the exported carrier.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..crypto.multibase import b64url_decode
from ..errors import EdcIssuerError, ExportError, InputError
from ..mapping.extract import detect_format, extract_elements
from ..models.elements import Elements

KINDS = ("data-integrity", "jwt", "jades")


@dataclass(frozen=True)
class SignedArtefact:
    """A secured credential as handed out, plus the credential it secures (read, not verified)."""

    raw: dict[str, Any] | str   # DI credential / JAdES JWS JSON object / compact JWT
    kind: str                   # "data-integrity" | "jwt" | "jades"
    credential: dict[str, Any]
    format: str                 # "elm" | "ob3"
    text: str                   # the artefact serialised exactly as it is stored

    @property
    def credential_id(self) -> str | None:
        value = self.credential.get("id")
        return value if isinstance(value, str) else None

    @property
    def subject_ids(self) -> list[str | None]:
        """The `credentialSubject.id` of every subject (None where a subject has no id)."""
        subjects = self.credential.get("credentialSubject")
        items = subjects if isinstance(subjects, list) else [subjects]
        return [s.get("id") if isinstance(s, dict) and isinstance(s.get("id"), str) else None for s in items]

    @property
    def media_type(self) -> str:
        """IANA media type of the artefact, used in data: URLs and downloads."""
        if self.kind == "jwt":
            return "application/vc+jwt" if "vc" not in jwt_payload(str(self.raw)) else "application/jwt"
        if self.kind == "jades":
            return "application/jose+json"
        return "application/vc" if _is_vc2(self.credential) else "application/ld+json"

    @cached_property
    def elements(self) -> Elements:
        return extract_elements(self.credential)


def _is_vc2(credential: dict[str, Any]) -> bool:
    ctx = credential.get("@context")
    first = ctx[0] if isinstance(ctx, list) and ctx else ctx
    return first == "https://www.w3.org/ns/credentials/v2"


def jwt_payload(token: str) -> dict[str, Any]:
    """The claims of a compact JWT, decoded but NOT verified (for display and routing only)."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ExportError("not a compact JWT (needs three dot-separated parts)", field="jwt")
    try:
        claims = json.loads(b64url_decode(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExportError(f"JWT payload is not base64url JSON: {exc}", field="jwt") from exc
    if not isinstance(claims, dict):
        raise ExportError("JWT payload is not a JSON object", field="jwt")
    return claims


def _jwt_credential(token: str) -> dict[str, Any]:
    claims = jwt_payload(token)
    vc = claims.get("vc")  # legacy VC-JWT (VC 1.1) carries the credential in a `vc` claim
    credential = vc if isinstance(vc, dict) else claims
    if isinstance(vc, dict) and "id" not in credential and isinstance(claims.get("jti"), str):
        credential = {**credential, "id": claims["jti"]}
    if isinstance(vc, dict) and isinstance(claims.get("sub"), str):
        subject = credential.get("credentialSubject")
        if isinstance(subject, dict) and "id" not in subject:
            credential = {**credential, "credentialSubject": {**subject, "id": claims["sub"]}}
    return credential


def _jades_credential(obj: dict[str, Any]) -> dict[str, Any]:
    try:
        credential = json.loads(obj["payload"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ExportError("JAdES seal payload is not a JSON credential", field="payload") from exc
    if not isinstance(credential, dict):
        raise ExportError("JAdES seal payload is not a JSON object", field="payload")
    return credential


def load_artefact(source: Any) -> SignedArtefact:
    """Read a signed artefact from an IssuedCredential, dict, JWT/JSON text, bytes or Path.

    Raises ExportError for anything that is not a signed ELM or OB3 credential: an
    unsigned credential has nothing a verifier could check, so no carrier takes it.
    """
    from ..proofs.jades import is_jades
    from ..verify import parse_artefact, read_artefact

    if isinstance(source, SignedArtefact):
        return source
    text: str | None = None
    if hasattr(source, "artefact") and hasattr(source, "serialize"):  # IssuedCredential
        text, source = source.serialize(), source.artefact
    if isinstance(source, Path):
        source = read_artefact(source)
    if isinstance(source, (bytes, str)):
        try:
            obj = parse_artefact(source)
        except InputError as exc:
            raise ExportError(f"cannot read the credential: {exc.message}", field=exc.field or "input") from exc
        except UnicodeDecodeError as exc:
            raise ExportError("not a credential: not UTF-8 text", field="input") from exc
        if text is None:
            if isinstance(source, bytes) and obj is not None and not _is_image(source):
                text = source.decode("utf-8")
            elif isinstance(source, str):
                text = source
        source = obj
    if isinstance(source, str):
        raw: dict[str, Any] | str = source.strip()
        kind, credential = "jwt", _jwt_credential(source)
    elif isinstance(source, dict):
        raw = source
        if is_jades(source):
            kind, credential = "jades", _jades_credential(source)
        elif source.get("proof"):
            kind, credential = "data-integrity", source
        else:
            raise ExportError("the credential is not signed (no proof, seal or JWT): issue it first, "
                              "exports carry only signed credentials", field="proof")
    else:
        raise ExportError(f"cannot export a {type(source).__name__}: give a signed credential", field="input")
    try:
        fmt = detect_format(credential)
    except EdcIssuerError as exc:
        raise ExportError(exc.message, field=exc.field, value=exc.value) from exc
    if text is None or not text.strip():
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, indent=2) + "\n"
    return SignedArtefact(raw, kind, credential, fmt, text.strip() if isinstance(raw, str) else text)


def _is_image(data: bytes) -> bool:
    from .baking import sniff_image

    return sniff_image(data) is not None


def pick(value: dict[str, str] | None, lang: str | None = None) -> str:
    """One string out of a language map: the wanted language, else English, else the first."""
    if not value:
        return ""
    if lang and value.get(lang):
        return value[lang]
    return value.get("en") or next(iter(value.values()), "")
