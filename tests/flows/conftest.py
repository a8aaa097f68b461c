"""Flow tests: the session's Prefect server, the session's chDB, a fresh database per test."""

from __future__ import annotations

import os

import pytest

# Retries back off from this base; keep the tests quick (read when tasks.runs is imported).
os.environ.setdefault("POLYLEDGER_RETRY_DELAY_SECONDS", "0.2")

@pytest.fixture
def pipeline_db(prefect_api, chdb_dir, monkeypatch):
    """A fresh database that the flows (which read settings from the environment) will use."""
    from flowdata import open_database
    from tasks.settings import get_settings

    db = open_database(monkeypatch, chdb_dir, "flow")
    yield db
    db.close()
    get_settings.cache_clear()
