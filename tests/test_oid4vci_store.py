"""OpenID4VCI state in the ledger database, on SQLite and (with $EDCISSUER_TEST_POSTGRES_DSN) PostgreSQL.

The single-use values are what two instances on one database could race for: a
pre-authorized code, a nonce, one configuration of an offer. Eight threads, each with its
own connection (as eight workers would have), race for each; exactly one may win.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from postgres_schema import throwaway_schema

from edcissuer.crypto.keys import KeyPair
from edcissuer.ledger import Ledger
from edcissuer.ledger.schema import SCHEMA_VERSION
from edcissuer.service.oid4vci_store import MAX_TX_ATTEMPTS, OfferStore, derive_offer_secret

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[1]
SECRET = derive_offer_secret(KeyPair.load(ROOT / "keys" / "demo-issuer-ed25519.DEMO-ONLY.pem"))
RECORD = {"record": {"learner": {"given_name": "Ana", "family_name": "Silva"}}, "profile": None}
RACERS = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh ledger: a SQLite file, or a throw-away schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.sqlite")
        return
    with throwaway_schema("edcissuer_oid4vci") as dsn:
        yield dsn


def _store(target: str) -> OfferStore:
    return OfferStore(Ledger.open(target), SECRET)


def _race(target: str, attempt: Callable[[OfferStore], bool]) -> int:
    """How many of RACERS threads (one connection each, started together) got True."""
    barrier = threading.Barrier(RACERS)
    wins: list[bool] = []
    lock = threading.Lock()

    def run() -> None:
        store = _store(target)   # a connection per thread, opened in it (as a worker's is)
        try:
            barrier.wait()
            won = attempt(store)
        finally:
            store.ledger.close()
        with lock:
            wins.append(won)

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(wins) == RACERS
    return sum(wins)


def test_the_ledger_is_at_schema_3_with_the_offer_tables(target: str) -> None:
    with Ledger.open(target) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION >= 3
        assert ledger.query("SELECT COUNT(*) FROM oid4vci_offers") == [(0,)]


def test_a_version_2_ledger_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with Ledger.open(path):
        pass
    with sqlite3.connect(path) as conn:
        for table in ("oid4vci_tokens", "oid4vci_nonces", "oid4vci_offers"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("UPDATE ledger_meta SET value = '2' WHERE key = 'schema_version'")
    with Ledger.open(path) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION
        assert OfferStore(ledger, SECRET).create(credential_id="urn:uuid:x", configurations=("a",), record=RECORD,
                                                 now=NOW, tx_code=False).offer_id


def test_eight_instances_racing_for_one_code_give_exactly_one_token(target: str) -> None:
    store = _store(target)
    offer = store.create(credential_id="urn:uuid:1", configurations=("a",), record=RECORD, now=NOW, tx_code=True)
    store.ledger.close()
    assert offer.tx_code is not None
    pin = offer.tx_code
    assert _race(target, lambda s: s.exchange(offer.pre_authorized_code, pin, NOW).access_token is not None) == 1


def test_eight_instances_racing_for_one_nonce_spend_it_once(target: str) -> None:
    store = _store(target)
    nonce = store.new_nonce(NOW)
    store.ledger.close()
    assert _race(target, lambda s: s.spend_nonce(nonce, NOW)) == 1


def test_eight_instances_racing_for_one_configuration_claim_it_once(target: str) -> None:
    store = _store(target)
    offer = store.create(credential_id="urn:uuid:2", configurations=("a", "b"), record=RECORD, now=NOW,
                         tx_code=False)
    assert store.exchange(offer.pre_authorized_code, None, NOW).access_token
    store.ledger.close()
    assert _race(target, lambda s: s.claim(offer.offer_id, "a", NOW) is not None) == 1
    store = _store(target)
    assert store.has_record(offer.offer_id)              # "b" is still to be issued
    claim = store.claim(offer.offer_id, "b", NOW)
    assert claim is not None and claim.record == RECORD
    assert not store.has_record(offer.offer_id)          # the last one issued: personal data gone
    assert store.get(offer.offer_id).state == "issued"   # type: ignore[union-attr]
    store.ledger.close()


def test_a_released_claim_can_be_claimed_again(target: str) -> None:
    store = _store(target)
    offer = store.create(credential_id="urn:uuid:3", configurations=("a",), record=RECORD, now=NOW, tx_code=False)
    store.exchange(offer.pre_authorized_code, None, NOW)
    claim = store.claim(offer.offer_id, "a", NOW)
    assert claim is not None and store.claim(offer.offer_id, "a", NOW) is None
    store.release(claim)
    assert store.claim(offer.offer_id, "a", NOW) is not None
    store.ledger.close()


def test_wrong_pins_count_and_the_limit_invalidates_the_offer(target: str) -> None:
    store = _store(target)
    offer = store.create(credential_id="urn:uuid:4", configurations=("a",), record=RECORD, now=NOW, tx_code=True)
    wrong = "999999" if offer.tx_code != "999999" else "000000"
    answers = [store.exchange(offer.pre_authorized_code, wrong, NOW) for _ in range(MAX_TX_ATTEMPTS)]
    assert {a.error for a in answers} == {"invalid_grant"}
    assert "attempts left" in answers[0].description and "now invalid" in answers[-1].description
    late = store.exchange(offer.pre_authorized_code, offer.tx_code, NOW)
    assert late.error == "invalid_grant" and not store.has_record(offer.offer_id)
    store.ledger.close()


def test_codes_expire_with_the_offer_and_tokens_with_their_lifetime(target: str) -> None:
    store = _store(target)
    offer = store.create(credential_id="urn:uuid:5", configurations=("a",), record=RECORD, now=NOW, tx_code=False,
                         lifetime=timedelta(hours=1))
    assert store.exchange(offer.pre_authorized_code, None, NOW + timedelta(hours=2)).error == "invalid_grant"
    assert not store.has_record(offer.offer_id)
    other = store.create(credential_id="urn:uuid:6", configurations=("a",), record=RECORD, now=NOW, tx_code=False)
    token = store.exchange(other.pre_authorized_code, None, NOW).access_token
    assert token is not None
    assert store.offer_of_token(token, NOW + timedelta(minutes=5))[0] is not None
    row, why = store.offer_of_token(token, NOW + timedelta(minutes=11))
    assert row is None and "expired" in why
    assert store.claim(other.offer_id, "a", NOW + timedelta(minutes=11)) is None
    store.ledger.close()


def test_no_code_token_nonce_or_pin_is_stored_in_clear(target: str) -> None:
    store = _store(target)
    offer = store.create(credential_id="urn:uuid:7", configurations=("a",), record=RECORD, now=NOW, tx_code=True)
    token = store.exchange(offer.pre_authorized_code, offer.tx_code, NOW).access_token
    nonce = store.new_nonce(NOW)
    dump = repr([store.ledger.query(f"SELECT * FROM {t}")
                 for t in ("oid4vci_offers", "oid4vci_tokens", "oid4vci_nonces")])
    for secret in (offer.pre_authorized_code, token, nonce):
        assert secret and secret not in dump
    assert f"'{offer.tx_code}'" not in dump
    store.ledger.close()


def test_the_code_is_reproducible_from_the_offer_id_only_with_the_issuer_key(target: str) -> None:
    store = _store(target)
    offer = store.create(credential_id="urn:uuid:8", configurations=("a",), record=RECORD, now=NOW, tx_code=False)
    assert store.code_for(offer.offer_id) == offer.pre_authorized_code
    stranger = OfferStore(store.ledger, derive_offer_secret(KeyPair.generate()))
    assert stranger.code_for(offer.offer_id) != offer.pre_authorized_code
    assert stranger.exchange(stranger.code_for(offer.offer_id), None, NOW).error == "invalid_grant"
    store.ledger.close()


def test_open_offers_of_a_credential_are_listed_until_redeemed(target: str) -> None:
    store = _store(target)
    first = store.create(credential_id="urn:uuid:9", configurations=("a",), record=RECORD, now=NOW, tx_code=False)
    second = store.create(credential_id="urn:uuid:9", configurations=("a",), record=RECORD, now=NOW, tx_code=True)
    store.create(credential_id="urn:uuid:other", configurations=("a",), record=RECORD, now=NOW, tx_code=False)
    assert {r.offer_id for r in store.by_credential("urn:uuid:9", NOW)} == {first.offer_id, second.offer_id}
    store.exchange(first.pre_authorized_code, None, NOW)
    assert [r.offer_id for r in store.by_credential("urn:uuid:9", NOW)] == [second.offer_id]
    assert store.by_credential("urn:uuid:9", NOW + timedelta(days=8)) == []
    store.ledger.close()


def test_the_anonymous_nonce_endpoint_has_a_cap(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from edcissuer.service import oid4vci_store

    monkeypatch.setattr(oid4vci_store, "MAX_OPEN_NONCES", 3)
    store = _store(target)
    for _ in range(3):
        store.new_nonce(NOW)
    with pytest.raises(oid4vci_store.Busy):
        store.new_nonce(NOW)
    assert store.new_nonce(NOW + timedelta(minutes=6))      # the old ones expired and went
    store.ledger.close()
