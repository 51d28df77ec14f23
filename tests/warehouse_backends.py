"""Warehouse back ends for tests: the DuckDB file of the test's data folder, or a fresh
PostgreSQL database on the local server (dropped afterwards, also when the test fails)."""

from __future__ import annotations

import contextlib
import os
import uuid

import psycopg
import pytest

PG_SERVER = os.environ.get("GOSPUBLIC_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
AUDITOR = "gospublic_auditor"


@contextlib.contextmanager
def fresh_postgres_database():
    """A new database with a random name; yields its URL; drops it (and the auditor role, if this created it)."""
    name = f"gospublic_wh_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        role_existed = admin.execute("select count(*) from pg_roles where rolname = %s", [AUDITOR]).fetchone()[0]
        admin.execute(f'create database "{name}"')
        try:
            yield f"{PG_SERVER}/{name}"
        finally:
            admin.execute(f'drop database if exists "{name}" with (force)')
            if not role_existed:
                with contextlib.suppress(psycopg.Error):  # still used by another test's database
                    admin.execute(f"drop role if exists {AUDITOR}")


@pytest.fixture(params=["duckdb", "postgres"])
def backend(request, monkeypatch):
    """Publish to each back end in turn (GOSPUBLIC_WAREHOUSE_URL set for PostgreSQL)."""
    if request.param == "duckdb":
        monkeypatch.delenv("GOSPUBLIC_WAREHOUSE_URL", raising=False)
        yield "duckdb"
        return
    with fresh_postgres_database() as url:
        monkeypatch.setenv("GOSPUBLIC_WAREHOUSE_URL", url)
        yield "postgres"
