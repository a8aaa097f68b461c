"""fifo_shard: the child flow of a Kubernetes backfill; one run (one pod) per group of wallet shards."""

from __future__ import annotations

from prefect import flow

from flows.ui import gather, local_runner, summary_table
from tasks.registry import Outcome
from tasks.runs import fifo_shard_task


@flow(name="fifo-shard", flow_run_name="fifo shards {shards}", task_runner=local_runner())
def fifo_shard(shards: list[str], backfill_key: str = "") -> list[Outcome]:
    """Recompute FIFO for the given shard prefixes."""
    outcomes = gather(fifo_shard_task.map(shards, run_id=backfill_key), "fifo")
    summary_table("fifo", outcomes)
    return outcomes
