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


def learner_identifier(learner: Any) -> str:
    """The most stable identifier a learner object offers, as normalised text.

    Order: the learner's own id (DID/URI), the institution's student number, the
    e-mail address, and only as a last resort name + date of birth.
    """
    def norm(value: object) -> str:
        return unicodedata.normalize("NFC", str(value)).strip()

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
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise LedgerError(f"the pseudonym key must be at least {MIN_KEY_BYTES} random bytes",
                          field="pseudonym_key")
    digest = hmac.new(key, learner_identifier(learner).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{REFERENCE_VERSION}:{digest}"
