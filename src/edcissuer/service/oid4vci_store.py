"""OpenID4VCI state in the ledger database: offers, pre-authorized codes, PINs, access tokens, nonces.

Why in the ledger and not in worker memory: several workers and several machines serve one
deployment, and a wallet's token request may reach another instance than its credential
request. Every single-use value is spent by one conditional UPDATE whose row count says who
won (`... WHERE state = 'offered'` affects one row for exactly one caller, in SQLite and in
PostgreSQL alike), so two instances never redeem one code, one nonce or one configuration.

What is stored: SHA-256 of the pre-authorized code, the access token and each nonce (256-bit
random values: a plain hash gives a database dump nothing usable) and an HMAC-SHA-256 of the
PIN under a key derived from the issuer key (a 6-digit PIN falls to brute force from a plain
hash; every instance derives the same key). The record of an offer (personal data) is kept
only until every configuration on offer was issued, or the offer expired, and then deleted.
No secret is ever logged or kept in clear text.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ..batch import Signer
from ..crypto.keys import derive_secret
from ..crypto import multibase as mb
from ..errors import InputError
from ..ledger import Ledger

#: offers (and their personal data) live this long unless the profile says otherwise
OFFER_LIFETIME = timedelta(days=7)
#: an access token is good for this long after the code was exchanged
TOKEN_LIFETIME = timedelta(minutes=10)
NONCE_LIFETIME = timedelta(minutes=5)
#: wrong PINs before the offer is invalidated (OID4VCI 1.0 §13.6.3)
MAX_TX_ATTEMPTS = 5
#: unexpired nonces at most: the nonce endpoint is anonymous, so a flood must not grow the table
MAX_OPEN_NONCES = 100_000
TX_CODE_LENGTH = 6

Execute = Callable[..., tuple[list[tuple[Any, ...]], int]]


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def derive_offer_secret(signer: Signer) -> bytes:
    """The key of the PIN hashes and pre-authorized codes, derived from the issuer's private key (HKDF-SHA-256, own label).

    Why derived: every instance holding the issuer key computes the same key, and no new
    secret needs managing (as batch.derive_pseudonym_key does for learner references).
    """
    private = signer.private_key
    if private is None:
        raise InputError("OpenID4VCI offers need the issuer's private key (to key the PIN hashes)", field="signer")
    return derive_secret(private, b"edcissuer/oid4vci/offers/v1")


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise InputError("times must be timezone-aware", field="now")
    return int(moment.timestamp())


@dataclass(frozen=True)
class NewOffer:
    """An offer just created: the secrets are shown once (to the caller) and never stored in clear."""

    offer_id: str
    credential_id: str
    configurations: tuple[str, ...]
    pre_authorized_code: str
    tx_code: str | None
    expires_at: datetime


@dataclass(frozen=True)
class OfferRow:
    """An offer as stored (no secret in it)."""

    offer_id: str
    credential_id: str
    configurations: tuple[str, ...]
    issued: tuple[str, ...]
    tx_code_length: int | None
    state: str
    expires_at: int


@dataclass(frozen=True)
class TokenGrant:
    """The token endpoint's answer: an access token, or the OAuth error code and its description."""

    access_token: str | None = None
    expires_in: int = 0
    error: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Claim:
    """One configuration of an offer claimed for issuing: what is needed to mint the copy."""

    offer_id: str
    credential_id: str
    configuration: str
    record: dict[str, Any]
    previous_issued: tuple[str, ...]


_OFFER_COLUMNS = "offer_id, credential_id, configurations, issued_configs, tx_code_length, state, expires_at"


def _row(row: tuple[Any, ...]) -> OfferRow:
    oid, cid, configs, issued, length, state, expires = row
    return OfferRow(str(oid), str(cid), tuple(json.loads(configs)), tuple(json.loads(issued)),
                    int(length) if length is not None else None, str(state), int(expires))


class Busy(InputError):
    """The anonymous nonce endpoint is at its cap (HTTP 503; wallets retry)."""


class OfferStore:
    """OpenID4VCI offers over one ledger connection (the caller's; not shared between threads)."""

    def __init__(self, ledger: Ledger, secret: bytes) -> None:
        self.ledger = ledger
        self._secret = secret

    def _tx_hash(self, offer_id: str, tx_code: str) -> str:
        return hmac.new(self._secret, f"tx\n{offer_id}\n{tx_code}".encode("utf-8"), hashlib.sha256).hexdigest()

    def code_for(self, offer_id: str) -> str:
        """The offer's pre-authorized code, recomputed from its id (the ledger keeps only its hash).

        Why derived: the offer is served by reference (GET /offers/{id}) after it was created,
        possibly by another instance, so the code must be reproducible without storing it.
        """
        return mb.b64url_encode(hmac.new(self._secret, f"code\n{offer_id}".encode("utf-8"), hashlib.sha256).digest())

    @staticmethod
    def _purge(execute: Execute, now: int) -> None:
        """Expired offers lose their record (personal data); spent nonces and old tokens go."""
        execute("UPDATE oid4vci_offers SET state = 'expired', record_json = NULL "
                "WHERE state IN ('offered', 'redeemed') AND expires_at <= ?", (now,))
        execute("DELETE FROM oid4vci_nonces WHERE expires_at <= ?", (now,))
        execute("DELETE FROM oid4vci_tokens WHERE expires_at <= ?", (now - 86400,))

    # --- offers -----------------------------------------------------------------------------

    def create(self, *, credential_id: str, configurations: tuple[str, ...], record: dict[str, Any],
               now: datetime, tx_code: bool, lifetime: timedelta = OFFER_LIFETIME) -> NewOffer:
        """A new offer of `configurations` of the ledger's `credential_id`, with a PIN if asked."""
        if not configurations or len(set(configurations)) != len(configurations):
            raise InputError("give one or more distinct credential configuration ids", field="formats")
        offer_id = secrets.token_urlsafe(18)
        code = self.code_for(offer_id)
        pin = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH)) if tx_code else None
        at, expires = _epoch(now), _epoch(now + lifetime)

        def step(execute: Execute) -> None:
            self._purge(execute, at)
            execute("INSERT INTO oid4vci_offers (offer_id, credential_id, configurations, issued_configs, code_hash, "
                    "tx_code_hash, tx_code_length, tx_attempts, record_json, state, created_at, expires_at) "
                    "VALUES (?, ?, ?, '[]', ?, ?, ?, 0, ?, 'offered', ?, ?)",
                    (offer_id, credential_id, json.dumps(list(configurations)), sha256_hex(code),
                     self._tx_hash(offer_id, pin) if pin else None, TX_CODE_LENGTH if pin else None,
                     json.dumps(record, ensure_ascii=False, default=str), at, expires))

        self.ledger.transaction(step, "offer creation")
        return NewOffer(offer_id, credential_id, configurations, code, pin,
                        datetime.fromtimestamp(expires, tz=now.tzinfo))

    def get(self, offer_id: str) -> OfferRow | None:
        rows = self.ledger.query(f"SELECT {_OFFER_COLUMNS} FROM oid4vci_offers WHERE offer_id = ?", (offer_id,))
        return _row(rows[0]) if rows else None

    def open_offer(self, offer_id: str, now: datetime) -> OfferRow | None:
        """The offer while its code can still be exchanged (for GET /offers/{id}); None otherwise."""
        row = self.get(offer_id)
        if row is None or row.state != "offered" or row.expires_at <= _epoch(now):
            return None
        return row

    def by_credential(self, credential_id: str, now: datetime) -> list[OfferRow]:
        """Open offers of one credential (what a learner page would show as "add to wallet")."""
        rows = self.ledger.query(f"SELECT {_OFFER_COLUMNS} FROM oid4vci_offers WHERE credential_id = ? "
                                 "AND state = 'offered' AND expires_at > ? ORDER BY created_at",
                                 (credential_id, _epoch(now)))
        return [_row(r) for r in rows]

    def has_record(self, offer_id: str) -> bool:
        """Whether the offer still holds the learner's record (tests: the personal data went)."""
        rows = self.ledger.query("SELECT record_json FROM oid4vci_offers WHERE offer_id = ?", (offer_id,))
        return bool(rows and rows[0][0] is not None)

    # --- token endpoint -----------------------------------------------------------------------

    def exchange(self, code: str, tx_code: str | None, now: datetime,
                 token_lifetime: timedelta = TOKEN_LIFETIME) -> TokenGrant:
        """Spend a pre-authorized code (and its PIN) for an access token, atomically, once."""
        at = _epoch(now)
        code_hash = sha256_hex(code)

        def step(execute: Execute) -> TokenGrant:
            self._purge(execute, at)
            rows, _ = execute("SELECT offer_id, tx_code_hash, tx_attempts, state, expires_at FROM oid4vci_offers "
                              "WHERE code_hash = ?", (code_hash,))
            if not rows:
                return TokenGrant(error="invalid_grant", description="unknown pre-authorized_code")
            offer_id, tx_hash, attempts, state, expires = rows[0]
            if state != "offered":
                why = "expired" if state == "expired" else "already used"
                return TokenGrant(error="invalid_grant", description=f"the pre-authorized_code is {why}")
            if tx_hash is None and tx_code is not None:
                return TokenGrant(error="invalid_request", description="tx_code: this offer has no transaction code")
            if tx_hash is not None:
                if tx_code is None:
                    return TokenGrant(error="invalid_request", description="tx_code: this offer needs the "
                                                                           "transaction code (PIN)")
                if not hmac.compare_digest(self._tx_hash(str(offer_id), tx_code), str(tx_hash)):
                    spent = int(attempts) + 1 >= MAX_TX_ATTEMPTS
                    execute("UPDATE oid4vci_offers SET tx_attempts = tx_attempts + 1"
                            + (", state = 'expired', record_json = NULL" if spent else "")
                            + " WHERE offer_id = ? AND state = 'offered'", (offer_id,))
                    left = "" if spent else f" ({MAX_TX_ATTEMPTS - int(attempts) - 1} attempts left)"
                    return TokenGrant(error="invalid_grant", description="tx_code: wrong transaction code" + left
                                      + ("; the offer is now invalid" if spent else ""))
            token = secrets.token_urlsafe(32)
            token_expires = min(int(expires), at + int(token_lifetime.total_seconds()))
            # the offer's record is kept only as long as the token can use it
            _, won = execute("UPDATE oid4vci_offers SET state = 'redeemed', redeemed_at = ?, expires_at = ? "
                             "WHERE offer_id = ? AND state = 'offered'", (at, token_expires, offer_id))
            if won != 1:
                return TokenGrant(error="invalid_grant", description="the pre-authorized_code is already used")
            execute("INSERT INTO oid4vci_tokens (token_hash, offer_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                    (sha256_hex(token), offer_id, at, token_expires))
            return TokenGrant(access_token=token, expires_in=token_expires - at)

        result: TokenGrant = self.ledger.transaction(step, "token exchange")
        return result

    def offer_of_token(self, token: str, now: datetime) -> tuple[OfferRow | None, str]:
        """The offer an access token was granted for, or (None, why) for an unknown or expired one."""
        rows = self.ledger.query("SELECT offer_id, expires_at FROM oid4vci_tokens WHERE token_hash = ?",
                                 (sha256_hex(token),))
        if not rows:
            return None, "unknown access token"
        if int(rows[0][1]) <= _epoch(now):
            return None, "the access token expired"
        return self.get(str(rows[0][0])), ""

    # --- nonces -----------------------------------------------------------------------------------

    def new_nonce(self, now: datetime, lifetime: timedelta = NONCE_LIFETIME) -> str:
        nonce = secrets.token_urlsafe(32)
        at = _epoch(now)

        def step(execute: Execute) -> None:
            execute("DELETE FROM oid4vci_nonces WHERE expires_at <= ?", (at,))
            (count,), = execute("SELECT COUNT(*) FROM oid4vci_nonces")[0]
            if int(count) >= MAX_OPEN_NONCES:
                raise Busy("too many open nonces; try again in a few minutes")
            execute("INSERT INTO oid4vci_nonces (nonce_hash, created_at, expires_at) VALUES (?, ?, ?)",
                    (sha256_hex(nonce), at, at + int(lifetime.total_seconds())))

        self.ledger.transaction(step, "nonce")
        return nonce

    def nonce_usable(self, nonce: str, now: datetime) -> bool:
        """Known, unexpired and unused (checked before the proof's signature; spent after it)."""
        rows = self.ledger.query("SELECT 1 FROM oid4vci_nonces WHERE nonce_hash = ? AND used_at IS NULL "
                                 "AND expires_at > ?", (sha256_hex(nonce), _epoch(now)))
        return bool(rows)

    def spend_nonce(self, nonce: str, now: datetime) -> bool:
        """Mark the nonce used; True for exactly one caller."""
        at = _epoch(now)

        def step(execute: Execute) -> int:
            _, count = execute("UPDATE oid4vci_nonces SET used_at = ? WHERE nonce_hash = ? AND used_at IS NULL "
                               "AND expires_at > ?", (at, sha256_hex(nonce), at))
            return count

        return bool(self.ledger.transaction(step, "nonce") == 1)

    # --- credential endpoint -----------------------------------------------------------------------

    def claim(self, offer_id: str, configuration: str, now: datetime) -> Claim | None:
        """Claim one configuration of a redeemed offer for issuing; None when it was issued already.

        The compare-and-set on `issued_configs` makes the claim atomic: of two requests for
        the same configuration, one sees its UPDATE affect a row, the other none. The record
        is deleted with the last configuration claimed.
        """
        at = _epoch(now)

        def step(execute: Execute) -> Claim | None:
            rows, _ = execute("SELECT credential_id, configurations, issued_configs, record_json, state, expires_at "
                              "FROM oid4vci_offers WHERE offer_id = ?", (offer_id,))
            if not rows:
                return None
            cid, configs, issued_text, record_text, state, expires = rows[0]
            issued = tuple(json.loads(issued_text))
            if state != "redeemed" or int(expires) <= at or record_text is None or configuration in issued:
                return None
            now_issued = [*issued, configuration]
            last = set(now_issued) >= set(json.loads(configs))
            _, won = execute("UPDATE oid4vci_offers SET issued_configs = ?"
                             + (", state = 'issued', record_json = NULL" if last else "")
                             + " WHERE offer_id = ? AND state = 'redeemed' AND issued_configs = ?",
                             (json.dumps(now_issued), offer_id, issued_text))
            if won != 1:
                return None
            return Claim(offer_id, str(cid), configuration, json.loads(record_text), issued)

        result: Claim | None = self.ledger.transaction(step, "credential claim")
        return result

    def release(self, claim: Claim) -> None:
        """Undo a claim whose signing failed, so the wallet may try again (nothing was issued)."""
        def step(execute: Execute) -> None:
            execute("UPDATE oid4vci_offers SET issued_configs = ?, state = 'redeemed', record_json = ? "
                    "WHERE offer_id = ?", (json.dumps(list(claim.previous_issued)),
                                           json.dumps(claim.record, ensure_ascii=False), claim.offer_id))

        self.ledger.transaction(step, "credential claim release")
