"""Flow tests: the session's Prefect server, the session's chDB, a fresh database per test."""

from __future__ import annotations

import os
import uuid

import pytest

# Retries back off from this base; keep the tests quick (read when tasks.runs is imported).
os.environ.setdefault("POLYLEDGER_RETRY_DELAY_SECONDS", "0.2")

@pytest.fixture
def pipeline_db(prefect_api, chdb_dir, monkeypatch):
    """A fresh database that the flows (which read settings from the environment) will use."""
    from tasks.clickhouse import get_client
    from tasks.schema import init_schema
    from tasks.settings import get_settings

    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_URL", f"chdb://{chdb_dir}")
    monkeypatch.setenv("POLYLEDGER_DATABASE", f"flow_{uuid.uuid4().hex[:8]}")
    get_settings.cache_clear()
    db = get_client()
    init_schema(db)
    yield db
    db.close()
    get_settings.cache_clear()
