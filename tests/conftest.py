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
