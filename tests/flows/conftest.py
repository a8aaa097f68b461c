"""Flow tests: the session's Prefect server, the session's chDB, a fresh database per test (`pipeline_db`,
tests/conftest.py)."""

from __future__ import annotations

import os

# Retries back off from this base; keep the tests quick (read when tasks.runs is imported).
os.environ.setdefault("POLYLEDGER_RETRY_DELAY_SECONDS", "0.2")
