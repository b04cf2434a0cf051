"""Issuance ledger: schema versions, idempotent reservations, random unique indices, states, GDPR.

Every test runs on SQLite; the same tests run on PostgreSQL when
EDCISSUER_TEST_POSTGRES_DSN points at a reachable server (see docs/ledger.md).
"""
from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from postgres_schema import throwaway_schema
from conftest import NOW

from edcissuer.errors import LedgerError
from edcissuer.ledger import is_postgres_target
from edcissuer.ledger import (
    MIN_LIST_SIZE,
    SCHEMA_VERSION,
    Completion,
    Ledger,
    ListPolicy,
    Reservation,
    learner_reference,
)

POLICY = ListPolicy("https://uni.example/status", "did:key:z6Mkissuer")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """A fresh ledger location: a SQLite file, or a throw-away schema on the PostgreSQL server."""
    if request.param == "sqlite":
        yield tmp_path / "ledger.sqlite"
        return
    with throwaway_schema("edcissuer_test") as dsn:
        yield dsn


def req(i: int, fmt: str = "ob3", **kw: str) -> Reservation:
    return Reservation(kw.get("cid", f"urn:uuid:00000000-0000-5000-8000-{i:012d}"), fmt, "eddsa-rdfc-2022",
                       kw.get("hash", f"hash-{i}"), f"v1:ref-{i}")


def test_new_ledger_is_at_the_current_schema_and_reopens_without_migrating(target):
    with Ledger.open(target) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION
        ledger.reserve([req(1)], at=NOW, status=POLICY)
    with Ledger.open(target) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION
        assert ledger.get("hash-1", "ob3") is not None


def test_sqlite_ledger_runs_in_wal_mode(tmp_path):
    Ledger.open(tmp_path / "l.sqlite").close()
    with sqlite3.connect(tmp_path / "l.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_ledger_from_a_newer_release_is_refused(tmp_path):
    path = tmp_path / "l.sqlite"
    Ledger.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE ledger_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(LedgerError, match="newer than this edcissuer"):
        Ledger.open(path)


def test_reserving_the_same_record_twice_returns_the_first_entry(target):
    with Ledger.open(target) as ledger:
        first = ledger.reserve([req(1), req(1, "elm")], at=NOW, status=POLICY)
        again = ledger.reserve([req(1)], at=NOW + timedelta(hours=1), status=POLICY)
        assert [r.created for r in first] == [True, True] and again[0].created is False
        assert again[0].entry == first[0].entry
        assert first[0].entry.status_index != first[1].entry.status_index
        assert ledger.counts()["reserved"] == 2


def test_a_credential_id_used_by_another_record_is_refused(target):
    with Ledger.open(target) as ledger:
        ledger.reserve([req(1)], at=NOW, status=POLICY)
        clash = ledger.reserve([req(2, cid=req(1).credential_id)], at=NOW, status=POLICY)
        assert clash[0].entry is None and "already in the ledger" in (clash[0].problem or "")


def test_indices_are_random_unique_and_inside_the_list(target):
    with Ledger.open(target) as ledger:
        answers = ledger.reserve([req(i) for i in range(1500)], at=NOW, status=POLICY)
        indices = [a.entry.status_index for a in answers]
        lists = {a.entry.status_list for a in answers}
    assert len(set(indices)) == 1500 and len(lists) == 1
    assert all(0 <= i < MIN_LIST_SIZE for i in indices)
    # random, not sequential: consecutive reservations land far apart, spread over the whole list
    assert indices != sorted(indices)
    assert max(indices) - min(indices) > MIN_LIST_SIZE // 2


def test_a_full_list_makes_way_for_a_new_one(target):
    small = ListPolicy(POLICY.base_url, POLICY.issuer, fill=3 / MIN_LIST_SIZE)   # three credentials a list
    with Ledger.open(target) as ledger:
        answers = ledger.reserve([req(i) for i in range(7)], at=NOW, status=small)
        lists = [a.entry.status_list for a in answers]
        assert len(set(lists)) == 3 and lists.count(lists[0]) == 3
        assert [i.allocated for i in ledger.status_lists()] == [3, 3, 1]


def test_lists_belong_to_one_base_url_and_issuer(target):
    other = ListPolicy("https://other.example/status", POLICY.issuer)
    with Ledger.open(target) as ledger:
        a = ledger.reserve([req(1)], at=NOW, status=POLICY)[0].entry
        b = ledger.reserve([req(2)], at=NOW, status=other)[0].entry
        assert a.status_list != b.status_list
        assert ledger.list_info(b.status_list).base_url == "https://other.example/status"


def test_complete_marks_issued_and_records_the_output(target):
    with Ledger.open(target) as ledger:
        entry = ledger.reserve([req(1)], at=NOW, status=POLICY)[0].entry
        assert ledger.pending() == [entry]
        ledger.complete([Completion(entry.credential_id, "ob3", "ab" * 32, "x.ob3.jsonld")], at=NOW)
        done = ledger.get("hash-1", "ob3")
        assert done.state == "issued" and done.done and done.output_sha256 == "ab" * 32
        assert done.issued_at == NOW and ledger.pending() == []
        with pytest.raises(LedgerError, match="no reservation"):
            ledger.complete([Completion("urn:uuid:nope", "ob3", "cd" * 32, "y")], at=NOW)


def _issued(ledger: Ledger, n: int = 1) -> list:
    entries = [a.entry for a in ledger.reserve([req(i, f) for i in range(n) for f in ("elm", "ob3")], at=NOW,
                                               status=POLICY)]
    ledger.complete([Completion(e.credential_id, e.format, "00" * 32, "f") for e in entries], at=NOW)
    return entries


def test_revoke_suspend_reinstate_follow_the_w3c_rules(target):
    later = NOW + timedelta(days=1)
    with Ledger.open(target) as ledger:
        elm, ob3 = _issued(ledger)
        cid, lid = elm.credential_id, elm.status_list
        changed = ledger.suspend(cid, reason="under investigation", at=later)
        assert {e.format for e in changed} == {"elm", "ob3"} and all(e.state == "suspended" for e in changed)
        assert ledger.flagged(lid, "suspension") == sorted([elm.status_index, ob3.status_index])
        with pytest.raises(LedgerError, match="it is suspended"):
            ledger.suspend(cid, reason="again", at=later)
        ledger.reinstate(cid, at=later)
        assert ledger.flagged(lid, "suspension") == [] and ledger.find(cid)[0].state == "issued"
        ledger.revoke(cid, reason="issued in error", at=later, fmt="ob3")
        assert ledger.flagged(lid, "revocation") == [ob3.status_index]
        assert ledger.reason_for(cid) == "issued in error"
        with pytest.raises(LedgerError, match="revocation is final"):
            ledger.reinstate(cid, at=later, fmt="ob3")
        with pytest.raises(LedgerError, match="needs a reason"):
            ledger.revoke(cid, reason="  ", at=later)
        with pytest.raises(LedgerError, match="no credential"):
            ledger.revoke("urn:uuid:unknown", reason="x", at=later)
        actions = [e["action"] for e in ledger.events(cid) if e["format"] == "ob3"]
        assert actions == ["reserved", "issued", "suspend", "reinstate", "revoke"]


def test_a_reserved_entry_cannot_be_revoked_before_it_is_issued(target):
    with Ledger.open(target) as ledger:
        entry = ledger.reserve([req(1)], at=NOW, status=POLICY)[0].entry
        with pytest.raises(LedgerError, match="never finished issuing"):
            ledger.revoke(entry.credential_id, reason="x", at=NOW)


def test_learner_reference_is_keyed_stable_and_not_reversible_without_the_key(records):
    learner = records["model1-single"].learner
    key, other = b"k" * 32, b"o" * 32
    ref = learner_reference(learner, key)
    assert ref == learner_reference(learner, key) and ref.startswith("v1:")
    assert ref != learner_reference(learner, other)
    with pytest.raises(LedgerError, match="at least 16"):
        learner_reference(learner, b"short")


def test_the_ledger_file_holds_no_learner_personal_data(tmp_path, records):
    record = records["model1-single"]
    path = tmp_path / "l.sqlite"
    with Ledger.open(path) as ledger:
        ref = learner_reference(record.learner, b"k" * 32)
        ledger.reserve([Reservation(record.credential_id(), "ob3", "eddsa-rdfc-2022", record.content_hash(), ref)],
                       at=NOW, status=POLICY)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for personal in ("Ana", "Ferreira", "ana.ferreira@example.org", "UC-2026-00417", "1998-04-12",
                     record.learner.id):
        assert personal.encode() not in raw


def _reserve_many(path: str, offset: int, n: int, out) -> None:  # runs in a child process
    with Ledger.open(path) as ledger:
        for i in range(offset, offset + n, 10):
            ledger.reserve([req(j) for j in range(i, i + 10)], at=NOW, status=POLICY)
    out.put(offset)


def test_two_processes_sharing_a_ledger_never_share_an_index(target):
    path = str(target)
    Ledger.open(path).close()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_reserve_many, args=(path, k * 1000, 300, queue)) for k in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Ledger.open(path) as ledger:
        entries = list(ledger.entries())
    assert len(entries) == 600
    assert len({(e.status_list, e.status_index) for e in entries}) == 600


def test_policy_refuses_lists_shorter_than_the_specification(tmp_path: Path):
    with pytest.raises(LedgerError, match="131072"):
        ListPolicy(POLICY.base_url, POLICY.issuer, size=1024)


def test_an_index_taken_by_another_writer_is_retried_not_reused(target, monkeypatch):
    """A stale in-memory view of a list loses the race at the unique constraint and retries."""
    import edcissuer.ledger.store as store

    with Ledger.open(target) as a, Ledger.open(target) as b:
        first = a.reserve([req(1)], at=NOW, status=POLICY)[0].entry      # a now caches the list's bitmap
        taken = b.reserve([req(2)], at=NOW, status=POLICY)[0].entry.status_index
        free = next(i for i in range(10) if i not in {first.status_index, taken})
        picks = iter([taken, free])
        monkeypatch.setattr(store.secrets, "randbelow", lambda n: next(picks))
        third = a.reserve([req(3)], at=NOW, status=POLICY)[0].entry
        assert third.status_index == free
        indices = [e.status_index for e in a.entries()]
        assert sorted(indices) == sorted({first.status_index, taken, free})


def test_dsn_passwords_are_masked_in_uri_and_key_value_forms():
    from edcissuer.ledger.store import mask_dsn
    assert mask_dsn("bad URI postgresql://u:S3CRETpw@[bad/db here") == "bad URI postgresql://u:***@[bad/db here"
    assert mask_dsn("host=h password=S3CRETpw dbname=d") == "host=h password=*** dbname=d"
    assert mask_dsn("password = 'S3 CRET' port=1") == "password = *** port=1"
    assert "S3CRET" not in mask_dsn("postgres://u:S3CRET@h/d and password=S3CRET")


def test_key_value_and_postgres_uris_are_postgres_targets_not_file_names():
    assert is_postgres_target("host=127.0.0.1 port=1 dbname=x")
    assert is_postgres_target("dbname=x")
    assert is_postgres_target("postgres://u@h/d") and is_postgres_target("postgresql://u@h/d")
    assert not is_postgres_target("ledger.sqlite") and not is_postgres_target("out/a=b.sqlite")
    assert not is_postgres_target(Path("host=x"))


@pytest.mark.parametrize("dsn", ["postgresql://u:S3CRETpw@[bad/db",
                                 "host=127.0.0.1 port=1 user=u password=S3CRETpw dbname=edc connect_timeout=2"])
def test_an_unreachable_postgres_dsn_is_a_named_error_without_its_password(dsn, tmp_path, monkeypatch):
    pytest.importorskip("psycopg", reason="psycopg 3 is not installed")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LedgerError) as caught:
        Ledger.open(dsn, timeout=2)
    assert caught.value.field == "ledger"
    assert "S3CRETpw" not in str(caught.value) and "S3CRETpw" not in caught.value.message
    assert list(tmp_path.iterdir()) == []      # no SQLite file named after the DSN
