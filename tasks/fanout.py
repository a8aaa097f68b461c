"""Fan a FIFO backfill out as child deployment runs (one pod each), a capped number in flight."""

from __future__ import annotations

import contextvars
import math
from concurrent.futures import ThreadPoolExecutor

from prefect.deployments import run_deployment

from tasks.errors import PolyledgerError
from tasks.settings import get_settings

MAX_GROUPS = 16


def shard_groups(shards: list[str], max_groups: int = MAX_GROUPS) -> list[list[str]]:
    """Contiguous groups of shards, at most max_groups of them."""
    if not shards:
        return []
    size = math.ceil(len(shards) / max_groups)
    return [shards[i:i + size] for i in range(0, len(shards), size)]


def run_shard_groups(shards: list[str], backfill_key: str, max_in_flight: int, groups: int = MAX_GROUPS) -> list:
    """One fifo-shard run per group; idempotency key per backfill and group, so a retried parent reuses runs."""
    name = get_settings().pipeline.fifo_shard_deployment

    def one(group: list[str]):
        run = run_deployment(name, parameters={"shards": group, "backfill_key": str(backfill_key)},
                             idempotency_key=f"{backfill_key}-{'-'.join(group)}", timeout=None, as_subflow=True)
        if not run.state or not run.state.is_completed():
            raise PolyledgerError(f"fifo shard group {','.join(group)} ended {run.state.name if run.state else '?'}")
        return run.id

    with ThreadPoolExecutor(max_workers=max(1, max_in_flight)) as pool:
        # each thread runs in a copy of this context so the child runs link to the parent flow run in the UI
        futures = [pool.submit(contextvars.copy_context().run, one, g) for g in shard_groups(shards, groups)]
        return [f.result() for f in futures]
