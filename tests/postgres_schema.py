"""A throw-away PostgreSQL schema for ledger tests, on the server $EDCISSUER_TEST_POSTGRES_DSN names.

One helper for every test that needs a real PostgreSQL ledger (ledger, OpenID4VCI store,
scale-out): it skips with one reason when no server is configured or reachable, and always
drops what it created.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ENV = "EDCISSUER_TEST_POSTGRES_DSN"


def postgres_dsn(why: str = "PostgreSQL ledger tests") -> str:
    """The test server's DSN, or a skip naming what is missing."""
    dsn = os.environ.get(PG_ENV)
    if not dsn:
        pytest.skip(f"{why} need {PG_ENV}=postgresql://... (a reachable server; see docs/ledger.md; CI sets it)")
    try:
        import psycopg
    except ImportError:
        pytest.skip(f"{why} need psycopg 3: pip install 'edcissuer[postgres]'")
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL at {PG_ENV} is not reachable: {exc}".strip())
    return dsn


@contextmanager
def throwaway_schema(prefix: str, why: str = "PostgreSQL ledger tests") -> Iterator[str]:
    """A DSN whose search_path is a fresh schema, dropped afterwards."""
    import psycopg

    dsn = postgres_dsn(why)
    schema = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in dsn else "?"
    try:
        yield f"{dsn}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
