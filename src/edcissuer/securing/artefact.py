"""Reading a secured artefact: bytes / text / dict in, the credential it carries out.

Why here: the verifier, every exporter and the presentation code all start from "what is
this artefact and which credential does it carry". One reader, dispatching through the
securing registry, answers that the same way for all of them. Reading is not verifying:
`edcissuer.verify` does that.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..carriers.baked import extract_credential, sniff_image
from ..errors import EdcIssuerError, ExportError, InputError
from ..files import DEFAULT_MAX_BYTES, read_input
from ..mapping.extract import detect_format, extract_elements
from ..models.elements import Elements
from ..proofs.jwt import is_jwt
from ..sdjwt.core import is_sd_jwt
from .base import Envelope, SecuringMechanism
from .registry import detect

MAX_ARTEFACT_BYTES = DEFAULT_MAX_BYTES


class _Ambiguous(ValueError):
    """JSON that parsers read differently: repeated members, NaN/Infinity (not JSON at all)."""


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Ambiguous(f"the member {key!r} appears twice in one object (parsers disagree on which "
                             "one counts)")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _Ambiguous(f"{name} is not a JSON number")


def parse_artefact(data: bytes | str | dict[str, Any]) -> Any:
    """JSON object, compact JWT string, or the credential baked into an Open Badges PNG/SVG.

    Raises InputError for anything else, including an image that carries no credential
    and text that is not UTF-8.
    """
    if isinstance(data, dict):
        return data
    if not isinstance(data, (bytes, str)):
        raise InputError(f"not a credential: a {type(data).__name__}", field="input")
    if sniff_image(data) is not None:
        try:
            data = extract_credential(data)
        except ExportError as exc:
            raise InputError(exc.message, field=exc.field, value=exc.value) from exc
    try:
        text = data.decode("utf-8", errors="strict") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text: not a credential file", field="input") from exc
    text = text.strip().lstrip("\ufeff")
    if text.startswith("{"):
        try:
            return json.loads(text, object_pairs_hook=_unique_members, parse_constant=_no_constant)
        except _Ambiguous as exc:
            raise InputError(f"malformed JSON: {exc}", field="json") from exc
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                             field="json") from exc
        except RecursionError as exc:
            raise InputError("input is nested too deeply to be a credential", field="json") from exc
        except ValueError as exc:  # e.g. an integer over the conversion limit
            raise InputError(f"JSON cannot be read: {exc}", field="json") from exc
    if is_jwt(text) or is_sd_jwt(text):
        return text
    raise InputError("not a credential: neither a JSON object nor a compact JWT (or SD-JWT)", field="input")


def read_artefact(path: str | Path, *, max_bytes: int = MAX_ARTEFACT_BYTES) -> bytes:
    """A credential file's bytes (regular files only, bounded)."""
    return read_input(path, max_bytes=max_bytes, what="file")


@dataclass(frozen=True)
class SignedArtefact:
    """A secured credential as handed out, plus the credential it secures (read, not verified)."""

    raw: dict[str, Any] | str   # DI credential / JAdES JWS JSON object / compact JWT
    kind: str                   # "data-integrity" | "jwt" | "jades"
    credential: dict[str, Any]
    format: str                 # "elm" | "ob3"
    text: str                   # the artefact serialised exactly as it is stored
    envelope: Envelope
    mechanism: SecuringMechanism

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
        return self.mechanism.media_type(self.envelope)

    @property
    def is_compact(self) -> bool:
        """The artefact is one text token (a compact JWS), not a JSON document."""
        return isinstance(self.raw, str)

    @property
    def is_embedded(self) -> bool:
        """The artefact is the credential itself (its proof inside), not an envelope around it."""
        return isinstance(self.raw, dict) and self.raw is self.envelope.credential

    @cached_property
    def elements(self) -> Elements:
        return extract_elements(self.credential)


def load_artefact(source: Any) -> SignedArtefact:
    """Read a signed artefact from an IssuedCredential, dict, JWT/JSON text, bytes or Path.

    Raises ExportError for anything that is not a signed ELM or OB3 credential: an
    unsigned credential has nothing a verifier could check, so no carrier takes it.
    """
    if isinstance(source, SignedArtefact):
        return source
    text: str | None = None
    if hasattr(source, "artefact") and hasattr(source, "serialize"):  # IssuedCredential
        text, source = source.serialize(), source.artefact
    try:
        if isinstance(source, Path):
            source = read_artefact(source)
        if isinstance(source, (bytes, str)):
            obj = parse_artefact(source)
            if text is None and sniff_image(source) is None:
                text = source.decode("utf-8") if isinstance(source, bytes) else source
            source = obj
    except InputError as exc:
        raise ExportError(f"cannot read the credential: {exc.message}", field=exc.field or "input") from exc
    if not isinstance(source, (dict, str)):
        raise ExportError(f"cannot export a {type(source).__name__}: give a signed credential", field="input")
    try:
        mechanism = detect(source)
    except InputError as exc:
        raise ExportError(exc.message, field=exc.field) from exc
    if mechanism is None:
        raise ExportError("the credential is not signed (no proof, seal or JWT): issue it first, "
                          "exports carry only signed credentials", field="proof")
    try:
        envelope = mechanism.parse(source)
        fmt = detect_format(envelope.credential)
    except EdcIssuerError as exc:
        raise ExportError(exc.message, field=exc.field, value=exc.value) from exc
    raw = envelope.raw
    if text is None or not text.strip():
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, indent=2) + "\n"
    return SignedArtefact(raw, mechanism.kind, envelope.credential, fmt,
                          text.strip() if isinstance(raw, str) else text, envelope, mechanism)
