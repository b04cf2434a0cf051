"""Versioned ledger schema: an ordered list of migrations, applied once each.

Why versioned: a registrar's ledger outlives any one release of this library, so a
newer edcissuer must upgrade an old ledger in place (and refuse a ledger written by a
newer release rather than misread it). The same statements serve SQLite and
PostgreSQL; only the auto-increment key is spelled per dialect.
"""
from __future__ import annotations

from typing import Literal

Dialect = Literal["sqlite", "postgresql"]

_SERIAL: dict[str, str] = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgresql": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
}

#: (version, statements). Never edit a released migration: append a new one.
_MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, (
        """CREATE TABLE ledger_meta (
             key   TEXT PRIMARY KEY,
             value TEXT NOT NULL)""",
        """CREATE TABLE status_lists (
             seq        {serial},
             list_id    TEXT NOT NULL UNIQUE,
             base_url   TEXT NOT NULL,
             issuer     TEXT NOT NULL,
             size       INTEGER NOT NULL,
             capacity   INTEGER NOT NULL,
             allocated  INTEGER NOT NULL DEFAULT 0,
             created_at TEXT NOT NULL)""",
        """CREATE TABLE credentials (
             seq           {serial},
             credential_id TEXT NOT NULL,
             format        TEXT NOT NULL,
             proof         TEXT NOT NULL,
             record_hash   TEXT NOT NULL,
             learner_ref   TEXT NOT NULL,
             status_list   TEXT REFERENCES status_lists (list_id),
             status_index  INTEGER,
             state         TEXT NOT NULL
                           CHECK (state IN ('reserved', 'issued', 'revoked', 'suspended')),
             reason        TEXT,
             state_at      TEXT NOT NULL,
             reserved_at   TEXT NOT NULL,
             issued_at     TEXT,
             output_sha256 TEXT,
             output_path   TEXT,
             batch_id      TEXT,
             UNIQUE (record_hash, format),
             UNIQUE (credential_id, format),
             UNIQUE (status_list, status_index))""",
        "CREATE INDEX credentials_learner ON credentials (learner_ref)",
        "CREATE INDEX credentials_state ON credentials (state)",
        """CREATE TABLE events (
             seq           {serial},
             credential_id TEXT NOT NULL,
             format        TEXT NOT NULL,
             action        TEXT NOT NULL,
             reason        TEXT,
             at            TEXT NOT NULL)""",
        "CREATE INDEX events_credential ON events (credential_id)",
    )),
    # 2: the keyed reference of the student number too, so `--student` finds a learner whose
    # learner_ref came from a DID; NULL for entries written before (their learner_ref still answers)
    (2, (
        "ALTER TABLE credentials ADD COLUMN student_ref TEXT",
        "CREATE INDEX credentials_student ON credentials (student_ref)",
    )),
    # 3: OpenID4VCI offers (service/oid4vci_store.py). Codes, tokens and nonces are kept as SHA-256
    # only, the PIN as an HMAC; record_json (personal data) is deleted once the offer is redeemed
    # or expires. Times are epoch seconds, so expiry is one integer comparison in both dialects.
    (3, (
        """CREATE TABLE oid4vci_offers (
             offer_id        TEXT PRIMARY KEY,
             credential_id   TEXT NOT NULL,
             configurations  TEXT NOT NULL,
             issued_configs  TEXT NOT NULL DEFAULT '[]',
             code_hash       TEXT NOT NULL UNIQUE,
             tx_code_hash    TEXT,
             tx_code_length  INTEGER,
             tx_attempts     INTEGER NOT NULL DEFAULT 0,
             record_json     TEXT,
             state           TEXT NOT NULL
                             CHECK (state IN ('offered', 'redeemed', 'issued', 'expired')),
             created_at      BIGINT NOT NULL,
             expires_at      BIGINT NOT NULL,
             redeemed_at     BIGINT)""",
        "CREATE INDEX oid4vci_offers_credential ON oid4vci_offers (credential_id)",
        "CREATE INDEX oid4vci_offers_open ON oid4vci_offers (state, expires_at)",
        """CREATE TABLE oid4vci_tokens (
             token_hash  TEXT PRIMARY KEY,
             offer_id    TEXT NOT NULL REFERENCES oid4vci_offers (offer_id),
             created_at  BIGINT NOT NULL,
             expires_at  BIGINT NOT NULL)""",
        "CREATE INDEX oid4vci_tokens_expiry ON oid4vci_tokens (expires_at)",
        """CREATE TABLE oid4vci_nonces (
             nonce_hash  TEXT PRIMARY KEY,
             created_at  BIGINT NOT NULL,
             expires_at  BIGINT NOT NULL,
             used_at     BIGINT)""",
        "CREATE INDEX oid4vci_nonces_expiry ON oid4vci_nonces (expires_at)",
    )),
)

SCHEMA_VERSION = _MIGRATIONS[-1][0]


def migrations(dialect: Dialect, after: int) -> list[tuple[int, list[str]]]:
    """The migrations newer than version `after`, spelled for `dialect`, oldest first."""
    return [(version, [s.format(serial=_SERIAL[dialect]) for s in statements])
            for version, statements in _MIGRATIONS if version > after]
