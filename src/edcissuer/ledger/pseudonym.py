"""Learner references: a keyed hash (HMAC-SHA-256) instead of the learner's identity.

Why: the ledger must let a registrar find every credential issued to one learner (to
revoke them, or to answer a data-subject request) without holding names, e-mail
addresses or dates of birth. A plain hash of a student number could be reversed by
hashing every possible number; a keyed hash cannot, as long as the key is kept away
from the ledger (GDPR Art. 4(5) pseudonymisation: the additional information is kept
separately). Whoever holds both key and ledger can re-identify, which is the point.
"""
from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Any

from ..errors import LedgerError

#: bumped if the identifier rules below ever change (old references stay comparable by version)
REFERENCE_VERSION = "v1"
MIN_KEY_BYTES = 16


def norm(value: object) -> str:
    return unicodedata.normalize("NFC", str(value)).strip()


def learner_identifier(learner: Any) -> str:
    """The most stable identifier a learner object offers, as normalised text.

    Order: the learner's own id (DID/URI), the institution's student number, the
    e-mail address, and only as a last resort name + date of birth.
    """
    if getattr(learner, "id", None):
        return "id:" + norm(learner.id)
    if getattr(learner, "student_id", None):
        return "student:" + norm(learner.student_id)
    if getattr(learner, "email", None):
        return "email:" + norm(learner.email).lower()
    names = [norm(v).casefold() for m in (learner.given_name, learner.family_name) for v in m.values()]
    return "name:" + "|".join([*names, norm(getattr(learner, "date_of_birth", "") or "")])


def learner_reference(learner: Any, key: bytes) -> str:
    """`v1:` + hex HMAC-SHA-256(key, identifier): stable per learner and key, meaningless without the key."""
    return _reference(learner_identifier(learner), key)


def student_reference(student_id: str, key: bytes) -> str:
    """The keyed reference of a student number alone (how `--student` finds credentials).

    Equal to `learner_reference` of a learner whose best identifier is that number; the
    ledger stores it beside `learner_ref`, so a learner who also has a DID is still found.
    """
    if not norm(student_id):
        raise LedgerError("a student id is needed", field="student")
    return _reference("student:" + norm(student_id), key)


def _reference(identifier: str, key: bytes) -> str:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise LedgerError(f"the pseudonym key must be at least {MIN_KEY_BYTES} random bytes",
                          field="pseudonym_key")
    digest = hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{REFERENCE_VERSION}:{digest}"
