"""Shared fixtures: one embedded chDB per test session, a fresh database per caller."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # so test modules can `import reference`


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's embedded ClickHouse directory: chDB serves one path per process, so everyone shares it."""
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(scope="session")
def make_db(chdb_dir: Path) -> Iterator[Callable[..., "object"]]:
    """Factory: make_db(prefix) -> a Db on the session chDB, in a fresh database with every table created."""
    from tasks.clickhouse import get_client
    from tasks.schema import init_schema
    from tasks.settings import ClickHouseSettings, Settings

    opened = []

    def make(prefix: str = "test"):
        settings = Settings()
        settings.clickhouse = ClickHouseSettings(
            clickhouse_url=f"chdb://{chdb_dir}", database=f"{prefix}_{uuid.uuid4().hex[:8]}"
        )
        db = get_client(settings)
        init_schema(db)
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()


from prefect_server import local_prefect_server  # noqa: E402,F401  one Prefect server per session


@pytest.fixture(scope="session")
def prefect_api(local_prefect_server, tmp_path_factory) -> Iterator[str]:  # noqa: F811 (the fixture above)
    """Point this process's Prefect client at the session server, with task results stored in a temp dir."""
    from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH, PREFECT_RESULTS_PERSIST_BY_DEFAULT, \
        temporary_settings

    storage = tmp_path_factory.mktemp("prefect-results")
    with temporary_settings(updates={PREFECT_API_URL: local_prefect_server.api_url,
                                     PREFECT_LOCAL_STORAGE_PATH: str(storage),
                                     PREFECT_RESULTS_PERSIST_BY_DEFAULT: True}):
        yield local_prefect_server.api_url
        drain_prefect_workers()


@pytest.fixture
def pipeline_db(prefect_api, chdb_dir, monkeypatch):
    """A fresh database that the flows (which read settings from the environment) will use."""
    from flowdata import open_database
    from tasks.settings import get_settings

    db = open_database(monkeypatch, chdb_dir, "flow")
    yield db
    db.close()
    get_settings.cache_clear()


def drain_prefect_workers() -> None:
    """Send queued run logs and events while the session server is still up (else exit waits on retries)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    EventsWorker.drain_all(timeout=10)
