"""Backfill flows: staging and ledger over day chunks, FIFO over wallet shards, and the chain of all three."""

from __future__ import annotations

from datetime import date

from prefect import flow, unmapped
from prefect.runtime import deployment, flow_run

from flows.publish import validate_and_publish
from flows.ui import gather, local_runner, summary_table
from tasks.fanout import run_shard_groups
from tasks.partitions import Window, parse_day, parse_shards
from tasks.registry import Outcome
from tasks.runs import build_ledger_days, fifo_shard_task, plan, record_resolutions, reject_out_of_range, \
    resolve_cross_day, stage_days, sweep_scratch_tables
from tasks.settings import get_settings


def _day(text: str | None) -> date | None:
    return parse_day(text) if text else None


@flow(name="staging-backfill", task_runner=local_runner())
def staging_backfill(start: str | None = None, end: str | None = None, only_missing: bool = False) -> list[Outcome]:
    """Stage raw fills day chunk by day chunk, resolve versions of a fill on different days, then reject
    out-of-range times (those that are still the latest version of their fill)."""
    window = Window.now()
    chunks = plan("staging", _day(start), _day(end), only_missing)
    futures = stage_days.map([a for a, _ in chunks], [b for _, b in chunks], unmapped(window), run_id=flow_run.id)
    outcomes = gather(futures, "staging")
    outcomes.append(resolve_cross_day(window, flow_run.id))
    outcomes.append(reject_out_of_range(window, flow_run.id))
    summary_table("staging", outcomes)
    return outcomes


@flow(name="ledger-rebuild", task_runner=local_runner())
def ledger_rebuild(start: str | None = None, end: str | None = None, only_missing: bool = False) -> list[Outcome]:
    """Rebuild ledger and rejected rows day chunk by day chunk (and any stale day outside the range)."""
    window = Window.now()
    chunks = plan("ledger", _day(start), _day(end), only_missing)
    futures = build_ledger_days.map([a for a, _ in chunks], [b for _, b in chunks], unmapped(window),
                                    run_id=flow_run.id)
    outcomes = gather(futures, "ledger")
    summary_table("ledger", outcomes)
    return outcomes


@flow(name="fifo-backfill", task_runner=local_runner())
def fifo_backfill(shards: list[str] | None = None, shard_width: int | None = None, only_missing: bool = False,
                  max_pods_in_flight: int | None = None, fan_out: str = "auto", shard_groups: int = 16) -> list:
    """FIFO over wallet shards: threads here, or one fifo-shard deployment run (pod) per shard group."""
    width = shard_width or get_settings().pipeline.shard_width
    todo = plan("fifo", None, None, only_missing, shards or parse_shards(None, width))
    if fan_out == "deployments" or (fan_out == "auto" and deployment.id):
        outcomes = run_shard_groups(todo, flow_run.id, max_pods_in_flight or get_settings().pipeline.max_pods_in_flight,
                                    shard_groups)
    else:
        outcomes = gather(fifo_shard_task.map(todo, run_id=flow_run.id), "fifo")
        summary_table("fifo", outcomes)
    if not shards and not only_missing:  # every position is fresh: nightly runs start from these resolutions
        record_resolutions(flow_run.id)
    return outcomes


@flow(name="historical-backfill")
def full_backfill(start: str | None = None, end: str | None = None,
                  stages: list[str] = ["staging", "ledger", "fifo"],  # noqa: B006 (Prefect parameter schema)
                  shard_width: int = 1, max_pods_in_flight: int = 4, only_missing: bool = False,
                  publish: bool = True, shards: list[str] | None = None) -> dict:
    """staging -> ledger -> fifo -> validate and publish, each stage optional."""
    sweep_scratch_tables()
    done: dict[str, int] = {}
    if "staging" in stages:
        done["staging"] = len(staging_backfill(start, end, only_missing))
    if "ledger" in stages:
        done["ledger"] = len(ledger_rebuild(start, end, only_missing))
    if "fifo" in stages:
        done["fifo"] = len(fifo_backfill(shards, shard_width, only_missing, max_pods_in_flight))
    if publish:
        validate_and_publish()
    return done
