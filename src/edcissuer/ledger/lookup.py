"""Finding a credential in the ledger from whatever the registrar has at hand.

Why: a registrar asked to revoke a credential holds an e-mail from the learner with the
file attached, a manifest line with a bare UUID, or just a student number. Making them
work out the exact `urn:uuid:` id (or grep signed files for personal data to find it) is
error-prone, so every ledger command takes any of these and this one function turns it
into credential ids. The student number goes through the keyed pseudonym
(`pseudonym.student_reference`): the ledger never holds it in the clear.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import EdcIssuerError, LedgerError
from ..files import read_input
from ..securing.artefact import load_artefact
from .outputs import file_sha256
from .pseudonym import student_reference
from .store import Ledger, LedgerEntry

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_ARTEFACT_BYTES = 20_000_000


@dataclass(frozen=True)
class Found:
    """The credential ids a reference names, and how it was read (for the user's confirmation)."""

    credential_ids: tuple[str, ...]
    how: str
    entries: tuple[LedgerEntry, ...]

    def one(self) -> str:
        """The single credential id, or a refusal listing them (a state change must not guess)."""
        if len(self.credential_ids) != 1:
            raise LedgerError(f"{self.how} names {len(self.credential_ids)} credentials "
                              f"({', '.join(self.credential_ids)}); give one credential id", field="credential_id")
        return self.credential_ids[0]


def _found(entries: list[LedgerEntry], how: str) -> Found:
    ids = tuple(dict.fromkeys(e.credential_id for e in entries))
    return Found(ids, how, tuple(entries))


def _id_in_file(path: Path) -> str | None:
    """The `id` of the credential a signed file holds (any registered proof format), or None."""
    try:
        art = load_artefact(read_input(path, max_bytes=MAX_ARTEFACT_BYTES, what="credential file"))
    except EdcIssuerError:
        return None
    value = art.credential.get("id")
    return value if isinstance(value, str) and value else None


def resolve_credential(ledger: Ledger, reference: str | None = None, *, student: str | None = None,
                       pseudonym_key: bytes | None = None) -> Found:
    """The ledger's credentials named by `reference` or by `student` (exactly one of the two).

    `reference` is a credential id (`urn:uuid:…`, any other URI), a bare UUID, or the
    path of an issued file (matched by its SHA-256 in the ledger, else by the id it
    holds). `student` is a student number, found through its keyed reference, which
    needs the `pseudonym_key` the batch used. Raises LedgerError naming what was tried.
    """
    if (reference is None) == (student is None):
        raise LedgerError("name the credential by id, UUID or file, or give a student id (one of them)",
                          field="credential_id")
    if student is not None:
        if pseudonym_key is None:
            raise LedgerError("finding credentials by student id needs the issuing key (learner references are "
                              "keyed)", field="student")
        entries = ledger.by_student(student_reference(student, pseudonym_key))
        if not entries:
            raise LedgerError("no credential of this student id in the ledger (or it was issued with another "
                              "key)", field="student")
        return _found(entries, "student id")
    text = str(reference).strip()
    if text.lower().startswith("urn:uuid:") and _UUID.match(text[9:]):
        text = "urn:uuid:" + text[9:].lower()
    elif _UUID.match(text):
        text = "urn:uuid:" + text.lower()
    else:
        path = Path(text)
        if path.is_file():
            digest = file_sha256(path)
            if digest is not None:
                by_hash = ledger.by_output(digest)
                if by_hash:
                    return _found(by_hash, f"file {path.name}")
            held = _id_in_file(path)
            if held is None:
                raise LedgerError(f"{path} is not a signed credential this ledger issued", field="credential_id")
            entries = ledger.find(held)
            if not entries:
                raise LedgerError(f"{path} holds {held}, which is not in the ledger", field="credential_id")
            return _found(entries, f"file {path.name}")
    entries = ledger.find(text)
    if not entries:
        raise LedgerError(f"no credential {text} in the ledger", field="credential_id", value=text)
    return _found(entries, text)
