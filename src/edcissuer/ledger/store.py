"""The issuance ledger: one row per issued credential and format, in SQLite or PostgreSQL.

Why a database and not a log file: a batch killed at any instant must resume with every
record issued exactly once and no status-list index handed out twice. That needs
atomic reservations (a unique record hash per format, a unique index per list) that
only a transactional store gives. SQLite (WAL mode, one file, stdlib) is the default;
PostgreSQL lets several issuing machines share one ledger.

No crypto and no JSON-LD here: callers pass hashes, ids and pseudonymous learner
references in, and get `LedgerEntry` values out. Every timestamp is a parameter.
"""
from __future__ import annotations

import os
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, Protocol

from ..errors import LedgerError
from ..time import parse_xsd_datetime
from .schema import SCHEMA_VERSION, Dialect, migrations

State = Literal["reserved", "issued", "revoked", "suspended"]
STATES: tuple[str, ...] = ("reserved", "issued", "revoked", "suspended")
#: status purpose -> the ledger state that sets its bit
PURPOSE_STATE: dict[str, str] = {"revocation": "revoked", "suspension": "suspended"}
#: W3C Bitstring Status List minimum (16 KB uncompressed)
MIN_LIST_SIZE = 131_072
#: a list stops taking new credentials at 3/4 full, so random allocation stays cheap
DEFAULT_FILL = 0.75
_RETRIES = 8
_COLUMNS = ("credential_id, format, proof, record_hash, learner_ref, status_list, status_index, state, reason, "
            "state_at, reserved_at, issued_at, output_sha256, output_path, batch_id, student_ref")


def _ts(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise LedgerError("ledger times must be timezone-aware", field="at", value=str(moment))
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _dt(text: str | None) -> datetime | None:
    return parse_xsd_datetime(text) if text else None


@dataclass(frozen=True)
class LedgerEntry:
    """One credential in one format, as the ledger knows it."""

    credential_id: str
    format: str
    proof: str
    record_hash: str
    learner_ref: str
    status_list: str | None
    status_index: int | None
    state: str
    reason: str | None
    state_at: datetime
    reserved_at: datetime
    issued_at: datetime | None
    output_sha256: str | None
    output_path: str | None
    batch_id: str | None
    student_ref: str | None = None

    @property
    def done(self) -> bool:
        """Signed and written (a reserved entry is a signing that may have been interrupted)."""
        return self.state != "reserved"

    @classmethod
    def _from_row(cls, row: Sequence[Any]) -> LedgerEntry:
        (cid, fmt, proof, rhash, lref, slist, sidx, state, reason, state_at, reserved_at, issued_at, sha, path,
         batch, sref) = row
        return cls(cid, fmt, proof, rhash, lref, slist, sidx, state, reason, _dt(state_at) or datetime.min,
                   _dt(reserved_at) or datetime.min, _dt(issued_at), sha, path, batch, sref)


@dataclass(frozen=True)
class Reservation:
    """What a batch asks the ledger to reserve before it signs."""

    credential_id: str
    format: str
    proof: str
    record_hash: str
    learner_ref: str
    student_ref: str | None = None    # keyed reference of the student number, when the record has one


@dataclass(frozen=True)
class Reserved:
    """Answer to one `Reservation`: the entry, whether it is new, or why it was refused."""

    entry: LedgerEntry | None
    created: bool
    problem: str | None = None


@dataclass(frozen=True)
class Completion:
    """A signed output written to disk: marks the reserved entry issued."""

    credential_id: str
    format: str
    output_sha256: str
    output_path: str


@dataclass(frozen=True)
class ListPolicy:
    """Which status lists new credentials go to: published under `base_url`, signed by `issuer`.

    `size` entries per list, and a list takes new credentials until it is `fill` full
    (random allocation then still finds a free index in a few tries).
    """

    base_url: str
    issuer: str
    size: int = MIN_LIST_SIZE
    fill: float = DEFAULT_FILL

    def __post_init__(self) -> None:
        if self.size < MIN_LIST_SIZE or self.size % 8:
            raise LedgerError(f"status lists need at least {MIN_LIST_SIZE} entries (a multiple of 8)",
                              field="size", value=self.size)
        if not 0 < self.fill <= 1:
            raise LedgerError("fill must be in (0, 1]", field="fill", value=self.fill)
        if not self.base_url or not self.issuer:
            raise LedgerError("status lists need a base URL and an issuer", field="status")

    @property
    def capacity(self) -> int:
        return int(self.size * self.fill)


@dataclass(frozen=True)
class StatusListInfo:
    """A status list as the ledger knows it (the bits themselves come from credential states)."""

    list_id: str
    base_url: str
    issuer: str
    size: int
    allocated: int


class _Result:
    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self.rows, self.rowcount = rows, rowcount


class _Backend(Protocol):
    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result: ...
    def transaction(self) -> Any: ...
    def close(self) -> None: ...
    def is_unique_violation(self, exc: BaseException) -> bool: ...
    def is_error(self, exc: BaseException) -> bool: ...


class _SQLite:
    """stdlib sqlite3 in WAL mode; explicit BEGIN IMMEDIATE so writers queue instead of failing."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path, timeout: float) -> None:
        try:
            if not path.parent.is_dir():
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():     # pseudonymous personal data: owner only (SQLite gives -wal/-shm the same)
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
                os.chmod(path, 0o600)
            self.conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
            mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
        except (sqlite3.Error, OSError) as exc:
            raise LedgerError(f"cannot open SQLite ledger: {exc}", field=str(path)) from exc
        if mode.lower() not in {"wal", "memory"}:
            raise LedgerError(f"SQLite refused WAL mode (got {mode!r})", field=str(path))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        cur = self.conn.execute(sql, tuple(params))
        return _Result(cur.fetchall(), cur.rowcount)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

    def is_error(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.Error)


class _Postgres:
    """psycopg 3 in autocommit mode; each logical step is one `conn.transaction()`."""

    dialect: Dialect = "postgresql"

    def __init__(self, dsn: str, timeout: float) -> None:
        try:
            import psycopg
        except ImportError as exc:
            raise LedgerError("a PostgreSQL ledger needs psycopg 3: pip install 'edcissuer[postgres]'",
                              field="ledger") from exc
        self._psycopg = psycopg
        try:
            self.conn = psycopg.connect(dsn, autocommit=True, connect_timeout=max(1, int(timeout)))
        except psycopg.Error as exc:
            raise LedgerError(mask_dsn(f"cannot connect to the PostgreSQL ledger: {exc}".strip()),
                              field="ledger") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        with self.conn.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))
            rows = cur.fetchall() if cur.description else []
            return _Result([tuple(r) for r in rows], cur.rowcount)

    def transaction(self) -> Any:
        return self.conn.transaction()

    def close(self) -> None:
        self.conn.close()

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, self._psycopg.errors.UniqueViolation)

    def is_error(self, exc: BaseException) -> bool:
        return isinstance(exc, self._psycopg.Error)


_URI_PASSWORD = re.compile(r"(://[^:/?#@\s]*:)[^@\s]*@")
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'\"]+)", re.IGNORECASE)
#: libpq connection keywords that make a `key=value` string a DSN rather than a file name
_LIBPQ_KEYS = re.compile(r"(?:^|\s)(?:host|hostaddr|dbname|user|password|port|service)\s*=", re.IGNORECASE)


def mask_dsn(text: str) -> str:
    """`text` with every DSN password replaced by `***`: driver errors quote the whole DSN."""
    return _KV_PASSWORD.sub(r"\1***", _URI_PASSWORD.sub(r"\1***@", text))


def is_postgres_target(target: str | Path) -> bool:
    """A `postgres(ql)://` URI or a libpq `key=value` DSN (`host=... dbname=...`), not a file path."""
    if not isinstance(target, str):
        return False
    return target.startswith(("postgresql://", "postgres://")) or bool(_LIBPQ_KEYS.search(target))


class Ledger:
    """The issuance ledger. Open one with `Ledger.open(path_or_dsn)`; close it (or use `with`).

    One `Ledger` is one database connection owned by its caller (no global state);
    it is not shared between threads or processes. Several processes or machines may
    open the same database: the unique constraints decide every race.
    """

    def __init__(self, backend: _Backend) -> None:
        self._db = backend
        self._used: dict[str, bytearray] = {}   # list id -> bitmap of indices known to be taken
        self.migrate()

    @classmethod
    def open(cls, target: str | Path, *, timeout: float = 30.0) -> Ledger:
        """A SQLite file path (created if missing), a `postgresql://` URI or a libpq `key=value` DSN."""
        if is_postgres_target(target):
            return cls(_Postgres(str(target), timeout))
        return cls(_SQLite(Path(target), timeout))

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    @property
    def dialect(self) -> str:
        return self._db.dialect

    # --- plumbing -------------------------------------------------------------------------

    def _run(self, step: Callable[[], Any], what: str) -> Any:
        """Run `step` in one transaction, retrying races lost to another writer."""
        for attempt in range(_RETRIES):
            try:
                with self._db.transaction():
                    return step()
            except LedgerError:
                raise
            except Exception as exc:
                if self._db.is_unique_violation(exc) and attempt + 1 < _RETRIES:
                    self._used.clear()   # another writer took something: reload what is taken
                    continue
                if self._db.is_error(exc):
                    raise LedgerError(mask_dsn(f"{what} failed: {exc}"), field="ledger") from exc
                raise
        raise LedgerError(f"{what} kept colliding with other writers", field="ledger")  # pragma: no cover

    def _q(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        return self._db.execute(sql, params)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> _Result:
        try:
            return self._db.execute(sql, params)
        except Exception as exc:
            if self._db.is_error(exc):
                raise LedgerError(f"ledger query failed: {exc}", field="ledger") from exc
            raise

    # --- for other tables of the ledger database (service/oid4vci_store.py) -----------------

    def transaction(self, step: Callable[[Callable[..., tuple[list[tuple[Any, ...]], int]]], Any],
                    what: str) -> Any:
        """Run `step(execute)` in one transaction; `execute(sql, params)` gives (rows, rowcount).

        Why public: tables that live beside the credentials (OpenID4VCI offers) share this
        database, its dialects, its retries and its error wrapping (LedgerError), not its rows.
        """
        def execute(sql: str, params: Sequence[Any] = ()) -> tuple[list[tuple[Any, ...]], int]:
            result = self._q(sql, params)
            return result.rows, result.rowcount

        return self._run(lambda: step(execute), what)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read statement (LedgerError when the database fails)."""
        return self._query(sql, params).rows

    # --- schema -----------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        rows = self._query("SELECT value FROM ledger_meta WHERE key = 'schema_version'").rows
        return int(rows[0][0]) if rows else 0

    def migrate(self) -> int:
        """Bring the schema to SCHEMA_VERSION; refuse a ledger from a newer release."""
        def step() -> int:
            if self._db.dialect == "postgresql":
                self._q("SELECT pg_advisory_xact_lock(6420221)")   # one migrator at a time
            exists = self._q(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='ledger_meta'"
                if self._db.dialect == "sqlite" else
                "SELECT 1 FROM information_schema.tables WHERE table_name = 'ledger_meta' "
                "AND table_schema = current_schema()").rows
            current = 0
            if exists:
                rows = self._q("SELECT value FROM ledger_meta WHERE key = 'schema_version'").rows
                current = int(rows[0][0]) if rows else 0
            if current > SCHEMA_VERSION:
                raise LedgerError(f"ledger schema version {current} is newer than this edcissuer understands "
                                  f"({SCHEMA_VERSION}); upgrade edcissuer", field="schema_version", value=current)
            for version, statements in migrations(self._db.dialect, current):
                for sql in statements:
                    self._q(sql)
                self._q("DELETE FROM ledger_meta WHERE key = 'schema_version'")
                self._q("INSERT INTO ledger_meta (key, value) VALUES ('schema_version', ?)", (str(version),))
                current = version
            return current

        result: int = self._run(step, "schema migration")
        return result

    # --- lookups ----------------------------------------------------------------------------

    def get(self, record_hash: str, fmt: str) -> LedgerEntry | None:
        """The entry for this record in this format, if any."""
        rows = self._query(f"SELECT {_COLUMNS} FROM credentials WHERE record_hash = ? AND format = ?",
                           (record_hash, fmt)).rows
        return LedgerEntry._from_row(rows[0]) if rows else None

    def find(self, credential_id: str) -> list[LedgerEntry]:
        """Every format issued under one credential id."""
        rows = self._query(f"SELECT {_COLUMNS} FROM credentials WHERE credential_id = ? ORDER BY format",
                           (credential_id,)).rows
        return [LedgerEntry._from_row(r) for r in rows]

    def by_learner(self, learner_ref: str) -> list[LedgerEntry]:
        """Every credential of one learner (by pseudonymous reference)."""
        rows = self._query(f"SELECT {_COLUMNS} FROM credentials WHERE learner_ref = ? ORDER BY seq",
                           (learner_ref,)).rows
        return [LedgerEntry._from_row(r) for r in rows]

    def by_student(self, student_ref: str) -> list[LedgerEntry]:
        """Every credential whose student number has this keyed reference (`student_reference`).

        Entries written before schema version 2 have no `student_ref`; for a learner whose
        best identifier was the student number, their `learner_ref` is the same value.
        """
        rows = self._query(f"SELECT {_COLUMNS} FROM credentials WHERE student_ref = ? OR learner_ref = ? "
                           "ORDER BY seq", (student_ref, student_ref)).rows
        return [LedgerEntry._from_row(r) for r in rows]

    def by_output(self, sha256_hex: str) -> list[LedgerEntry]:
        """The entry whose written file has this SHA-256 (finding a credential from its file)."""
        rows = self._query(f"SELECT {_COLUMNS} FROM credentials WHERE output_sha256 = ? ORDER BY seq",
                           (sha256_hex,)).rows
        return [LedgerEntry._from_row(r) for r in rows]

    def entries(self, state: str | None = None) -> Iterator[LedgerEntry]:
        """All entries (optionally in one state), oldest first."""
        sql = f"SELECT {_COLUMNS} FROM credentials" + (" WHERE state = ?" if state else "") + " ORDER BY seq"
        for row in self._query(sql, (state,) if state else ()).rows:
            yield LedgerEntry._from_row(row)

    def pending(self) -> list[LedgerEntry]:
        """Reserved but not yet marked issued: signings a killed batch left unfinished."""
        return list(self.entries("reserved"))

    def counts(self) -> dict[str, int]:
        rows = self._query("SELECT state, COUNT(*) FROM credentials GROUP BY state").rows
        return {**{s: 0 for s in STATES}, **{str(s): int(n) for s, n in rows}}

    def events(self, credential_id: str) -> list[dict[str, Any]]:
        """The audit trail of one credential id: reserved, issued, revoked, ..."""
        rows = self._query("SELECT format, action, reason, at FROM events WHERE credential_id = ? ORDER BY seq",
                           (credential_id,)).rows
        return [{"format": f, "action": a, "reason": r, "at": t} for f, a, r, t in rows]

    def status_lists(self) -> list[StatusListInfo]:
        """Every status list, oldest first."""
        rows = self._query("SELECT list_id, base_url, issuer, size, allocated FROM status_lists "
                           "ORDER BY seq").rows
        return [StatusListInfo(str(i), str(u), str(who), int(s), int(a)) for i, u, who, s, a in rows]

    def list_info(self, list_id: str) -> StatusListInfo:
        rows = self._query("SELECT list_id, base_url, issuer, size, allocated FROM status_lists WHERE list_id = ?",
                           (list_id,)).rows
        if not rows:
            raise LedgerError(f"no status list {list_id!r} in the ledger", field="status_list", value=list_id)
        i, u, who, s, a = rows[0]
        return StatusListInfo(str(i), str(u), str(who), int(s), int(a))

    def flagged(self, list_id: str, purpose: str) -> list[int]:
        """Indices whose bit is set in the `purpose` list (revocation or suspension)."""
        state = PURPOSE_STATE.get(purpose)
        if state is None:
            raise LedgerError(f"unknown status purpose {purpose!r}", field="statusPurpose", value=purpose)
        rows = self._query("SELECT status_index FROM credentials WHERE status_list = ? AND state = ?",
                           (list_id, state)).rows
        return sorted(int(r[0]) for r in rows)

    def reason_for(self, credential_id: str) -> str | None:
        """The recorded reason of a revoked or suspended credential (for the issuer's own checks)."""
        for entry in self.find(credential_id):
            if entry.state in {"revoked", "suspended"}:
                return entry.reason
        return None

    # --- reservation and completion -----------------------------------------------------------

    def _taken(self, list_id: str, size: int) -> bytearray:
        bitmap = self._used.get(list_id)
        if bitmap is None:
            bitmap = bytearray(size // 8)
            for (index,) in self._q("SELECT status_index FROM credentials WHERE status_list = ?", (list_id,)).rows:
                bitmap[int(index) // 8] |= 0x80 >> (int(index) % 8)
            self._used[list_id] = bitmap
        return bitmap

    def _allocate(self, policy: ListPolicy, at: datetime) -> tuple[str, int]:
        """A random free index (`secrets`, so positions say nothing about order or cohort)."""
        rows = self._q("SELECT list_id, size FROM status_lists WHERE allocated < capacity AND size = ? "
                       "AND base_url = ? AND issuer = ? ORDER BY seq LIMIT 1",
                       (policy.size, policy.base_url, policy.issuer)).rows
        if rows:
            list_id, size = str(rows[0][0]), int(rows[0][1])
        else:
            list_id, size = secrets.token_hex(6), policy.size
            self._q("INSERT INTO status_lists (list_id, base_url, issuer, size, capacity, allocated, created_at) "
                    "VALUES (?, ?, ?, ?, ?, 0, ?)",
                    (list_id, policy.base_url, policy.issuer, size, policy.capacity, _ts(at)))
        bitmap = self._taken(list_id, size)
        while True:
            index = secrets.randbelow(size)
            if not bitmap[index // 8] & (0x80 >> (index % 8)):
                break
        bitmap[index // 8] |= 0x80 >> (index % 8)
        self._q("UPDATE status_lists SET allocated = allocated + 1 WHERE list_id = ?", (list_id,))
        return list_id, index

    def reserve(self, requests: Sequence[Reservation], *, at: datetime, status: ListPolicy | None,
                batch_id: str | None = None) -> list[Reserved]:
        """Reserve credential ids and status indices for `requests`, all in one transaction.

        A request whose record is already in the ledger (same record hash and format)
        gets the existing entry back (`created=False`): that is what makes re-runs
        idempotent and lets a resumed batch re-sign an unfinished entry with the same
        id and index. A credential id already used by a different record is refused.
        """
        def step() -> list[Reserved]:
            out: list[Reserved] = []
            for req in requests:
                rows = self._q(f"SELECT {_COLUMNS} FROM credentials WHERE record_hash = ? AND format = ?",
                               (req.record_hash, req.format)).rows
                if rows:
                    out.append(Reserved(LedgerEntry._from_row(rows[0]), False))
                    continue
                rows = self._q(f"SELECT {_COLUMNS} FROM credentials WHERE credential_id = ? AND format = ?",
                               (req.credential_id, req.format)).rows
                if rows:
                    # PostgreSQL reads each statement at a new snapshot: a writer that reserved this very
                    # record between the two SELECTs shows up here, and it is the same record, not a clash
                    existing = LedgerEntry._from_row(rows[0])
                    if existing.record_hash == req.record_hash:
                        out.append(Reserved(existing, False))
                        continue
                    out.append(Reserved(None, False, f"credential id {req.credential_id} is already in the ledger "
                                                     f"for a different record ({req.format})"))
                    continue
                list_id, index = self._allocate(status, at) if status is not None else (None, None)
                stamp = _ts(at)
                self._q(f"INSERT INTO credentials ({_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                        (req.credential_id, req.format, req.proof, req.record_hash, req.learner_ref, list_id, index,
                         "reserved", None, stamp, stamp, None, None, None, batch_id, req.student_ref))
                self._q("INSERT INTO events (credential_id, format, action, reason, at) VALUES (?, ?, ?, ?, ?)",
                        (req.credential_id, req.format, "reserved", None, stamp))
                entry = LedgerEntry(req.credential_id, req.format, req.proof, req.record_hash, req.learner_ref,
                                    list_id, index, "reserved", None, at, at, None, None, None, batch_id,
                                    req.student_ref)
                out.append(Reserved(entry, True))
            return out

        if not requests:
            return []
        result: list[Reserved] = self._run(step, "reservation")
        return result

    def complete(self, completions: Sequence[Completion], *, at: datetime) -> None:
        """Mark written outputs issued (or record the new hash of a repaired output), one transaction."""
        def step() -> None:
            stamp = _ts(at)
            for c in completions:
                done = self._q("UPDATE credentials SET state = 'issued', state_at = ?, issued_at = ?, "
                               "output_sha256 = ?, output_path = ? WHERE credential_id = ? AND format = ? "
                               "AND state = 'reserved'",
                               (stamp, stamp, c.output_sha256, c.output_path, c.credential_id, c.format)).rowcount
                action = "issued"
                if done == 0:
                    action = "rewritten"
                    if self._q("UPDATE credentials SET output_sha256 = ?, output_path = ? WHERE credential_id = ? "
                               "AND format = ?", (c.output_sha256, c.output_path, c.credential_id,
                                                  c.format)).rowcount == 0:
                        raise LedgerError(f"no reservation for {c.credential_id} ({c.format})",
                                          field="credential_id", value=c.credential_id)
                self._q("INSERT INTO events (credential_id, format, action, reason, at) VALUES (?, ?, ?, ?, ?)",
                        (c.credential_id, c.format, action, None, stamp))

        if completions:
            self._run(step, "completion")

    # --- revocation and suspension --------------------------------------------------------------

    _TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
        "revoke": (frozenset({"issued", "suspended"}), "revoked"),
        "suspend": (frozenset({"issued"}), "suspended"),
        "reinstate": (frozenset({"suspended"}), "issued"),
    }

    def change_state(self, credential_id: str, action: str, *, reason: str | None, at: datetime,
                     fmt: str | None = None) -> list[LedgerEntry]:
        """Revoke, suspend or reinstate every format of `credential_id` (or just `fmt`), all or nothing.

        Revocation is final (W3C: "not reversible"); a suspension is lifted by reinstate.
        Returns the changed entries, so the caller knows which status lists to re-sign.
        """
        if action not in self._TRANSITIONS:
            raise LedgerError(f"unknown action {action!r}", field="action", value=action)
        allowed, target = self._TRANSITIONS[action]
        reason = (reason or "").strip() or None
        if action != "reinstate" and not reason:
            raise LedgerError(f"{action} needs a reason", field="reason")

        def step() -> list[LedgerEntry]:
            rows = self._q(f"SELECT {_COLUMNS} FROM credentials WHERE credential_id = ?"
                           + (" AND format = ?" if fmt else "") + " ORDER BY format",
                           (credential_id, fmt) if fmt else (credential_id,)).rows
            entries = [LedgerEntry._from_row(r) for r in rows]
            if not entries:
                raise LedgerError(f"no credential {credential_id}" + (f" ({fmt})" if fmt else "") + " in the ledger",
                                  field="credential_id", value=credential_id)
            for e in entries:
                if e.state not in allowed:
                    why = {"reserved": "it was never finished issuing (resume the batch first)",
                           "revoked": "it is revoked, and revocation is final"}.get(e.state, f"it is {e.state}")
                    raise LedgerError(f"cannot {action} {credential_id} ({e.format}): {why}",
                                      field="credential_id", value=credential_id)
                if e.status_list is None:
                    raise LedgerError(f"cannot {action} {credential_id} ({e.format}): it was issued without a "
                                      f"status list entry", field="credential_id", value=credential_id)
            stamp = _ts(at)
            for e in entries:
                self._q("UPDATE credentials SET state = ?, reason = ?, state_at = ? WHERE credential_id = ? "
                        "AND format = ?", (target, reason, stamp, e.credential_id, e.format))
                self._q("INSERT INTO events (credential_id, format, action, reason, at) VALUES (?, ?, ?, ?, ?)",
                        (e.credential_id, e.format, action, reason, stamp))
            return [replace(e, state=target, reason=reason, state_at=at) for e in entries]

        result: list[LedgerEntry] = self._run(step, action)
        return result

    def revoke(self, credential_id: str, *, reason: str, at: datetime, fmt: str | None = None) -> list[LedgerEntry]:
        return self.change_state(credential_id, "revoke", reason=reason, at=at, fmt=fmt)

    def suspend(self, credential_id: str, *, reason: str, at: datetime, fmt: str | None = None) -> list[LedgerEntry]:
        return self.change_state(credential_id, "suspend", reason=reason, at=at, fmt=fmt)

    def reinstate(self, credential_id: str, *, reason: str | None = None, at: datetime,
                  fmt: str | None = None) -> list[LedgerEntry]:
        return self.change_state(credential_id, "reinstate", reason=reason, at=at, fmt=fmt)
