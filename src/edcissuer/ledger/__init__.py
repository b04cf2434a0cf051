"""Issuance ledger (issue 6): what was issued, to whom (pseudonymously), with which status index.

`Ledger.open("ledger.db")` or `Ledger.open("postgresql://...")`; see docs/ledger.md for
what is stored and why.
"""
from .lookup import Found, resolve_credential
from .pseudonym import learner_identifier, learner_reference, student_reference
from .schema import SCHEMA_VERSION
from .store import (
    MIN_LIST_SIZE,
    PURPOSE_STATE,
    STATES,
    Completion,
    Ledger,
    LedgerEntry,
    ListPolicy,
    Reservation,
    Reserved,
    StatusListInfo,
    is_postgres_target,
)

__all__ = [
    "Found", "MIN_LIST_SIZE", "PURPOSE_STATE", "SCHEMA_VERSION", "STATES", "Completion", "Ledger", "LedgerEntry",
    "ListPolicy", "Reservation", "Reserved", "StatusListInfo", "is_postgres_target", "learner_identifier",
    "learner_reference", "resolve_credential", "student_reference",
]
