"""Prefect tasks: each wraps one partition step from tasks/steps.py with caching, retries and a run name."""

from __future__ import annotations

import hashlib
import inspect
from datetime import date
from typing import Any

from prefect import task
from prefect.tasks import exponential_backoff

from tasks import checks, fifo, incremental, ledger, publish, schema, staging, steps
from tasks.clickhouse import SQL_DIR, get_client
from tasks.errors import CheckFailed, QueryError
from tasks.log import get_logger
from tasks.partitions import Window
from tasks.registry import Outcome
from tasks.settings import get_settings

log = get_logger()
_pipe = get_settings().pipeline


def _code_hash(*objs: Any) -> str:
    """Hash of the Python and SQL that compute a partition: a change to either invalidates the cache."""
    h = hashlib.sha256()
    for o in objs:
        h.update(inspect.getsource(o).encode())
    for f in sorted(SQL_DIR.glob("*.sql")):
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


CODE = _code_hash(steps, staging, ledger, fifo)


def retry_transient(task, task_run, state) -> bool:
    """Retry only ClickHouse failures a retry can pass (network, timeouts, memory, too many parts)."""
    try:
        state.result()
    except QueryError as exc:
        return exc.transient
    except Exception:
        return False
    return False


def _fingerprint_key(stage: str):
    def key(context, params: dict) -> str | None:
        with get_client() as db:
            if stage == "staging":
                part, fp = params["a"].isoformat(), staging.raw_fingerprint(db, params["a"], params["b"])[1]
            elif stage == "ledger":
                part, fp = params["a"].isoformat(), ledger.staging_fingerprint(db, params["a"], params["b"])
            else:
                part, fp = params["prefix"], fifo.shard_fingerprint(db, params["prefix"])
            # the database's UUID changes when it is dropped and recreated (demo, tests): outputs gone, cache stale
            where = f"{db.target.describe()}|{db.database}|{db.scalar('select_database_uuid', database=db.database)}"
        ident = f"{where}|{stage}|{part}|{params.get('b', '')}|{fp}|{CODE}"
        return f"{stage}-{part}-" + hashlib.sha256(ident.encode()).hexdigest()[:24]
    return key


_common = dict(
    retries=_pipe.retries,
    retry_delay_seconds=exponential_backoff(backoff_factor=_pipe.retry_delay_seconds),
    retry_jitter_factor=0.5,
    retry_condition_fn=retry_transient,
    tags=["clickhouse"],
    persist_result=True,
)


@task(task_run_name="stage {a}", cache_key_fn=_fingerprint_key("staging"), **_common)
def stage_days(a: date, b: date, window: Window, run_id: str = "") -> Outcome:
    """Stage raw fills of days [a, b)."""
    with get_client() as db:
        out = steps.staging_step(db, a, b, window, run_id)
    log.info("partition_done", stage="staging", partition=str(a), rows_in=out.rows_in, rows_out=out.rows_out)
    return out


@task(task_run_name="ledger {a}", cache_key_fn=_fingerprint_key("ledger"), **_common)
def build_ledger_days(a: date, b: date, window: Window, run_id: str = "") -> Outcome:
    """Rebuild ledger and rejected rows of days [a, b)."""
    with get_client() as db:
        out = steps.ledger_step(db, a, b, window, run_id)
    log.info("partition_done", stage="ledger", partition=str(a), rows=out.rows_out, rejected=out.rows_rejected)
    return out


@task(task_run_name="fifo shard {prefix}", cache_key_fn=_fingerprint_key("fifo"), **_common)
def fifo_shard_task(prefix: str, run_id: str = "") -> Outcome:
    """Recompute FIFO lots and positions of one wallet shard."""
    with get_client() as db:
        out = steps.fifo_step(db, prefix, run_id)
    log.info("partition_done", stage="fifo", partition=prefix, positions=out.rows_out)
    return out


@task(task_run_name="resolve cross-day versions", **{k: v for k, v in _common.items() if k != "persist_result"})
def resolve_cross_day(window: Window, run_id: str = "") -> Outcome:
    """Find the versions of a fill that lost to a later version on another day (whole staging table, not cached)."""
    with get_client() as db:
        out = steps.cross_day_step(db, window, run_id)
    log.info("cross_day_resolved", superseded=out.rows_out, changed_days=out.counts.get("changed_days"))
    return out


@task(task_run_name="reject out-of-range times", **{k: v for k, v in _common.items() if k != "persist_result"})
def reject_out_of_range(window: Window, run_id: str = "") -> Outcome:
    with get_client() as db:
        return steps.out_of_range_step(db, window, run_id)


@task(task_run_name="sweep leftover scratch tables")
def sweep_scratch_tables() -> list[str]:
    """Drop scratch tables a killed task left behind."""
    with get_client() as db:
        return schema.sweep_scratch(db)


@task(task_run_name="stale ledger days")
def stale_ledger_days() -> list[date]:
    """Built ledger days that a later version of one of their fills, on another day, made stale."""
    with get_client() as db:
        return steps.stale_days(db, "ledger")


@task(task_run_name="plan {stage}")
def plan(stage: str, start: date | None, end: date | None, only_missing: bool,
         shards: list[str] | None = None) -> list:
    """The partitions a stage will run (day chunks or shards)."""
    with get_client() as db:
        if stage == "fifo":
            return steps.plan_shards(db, shards, only_missing=only_missing)
        if start is None or end is None:
            rng = steps.data_range(db, Window.now())
            if rng is None:
                return []
            start, end = start or rng[0], end or rng[1]
        return steps.plan_chunks(db, stage, start, end, only_missing=only_missing)


@task(task_run_name="validate")
def validate(source: str = "next") -> checks.Report:
    with get_client() as db:
        return checks.validate(db, source=source)


@task(task_run_name="stage next publication", **{k: v for k, v in _common.items() if k != "persist_result"})
def stage_next() -> str:
    with get_client() as db:
        return publish.stage_next(db)


@task(task_run_name="swap publication", **{k: v for k, v in _common.items() if k != "persist_result"})
def swap_next_in(marker: str) -> None:
    """Retry-safe: each EXCHANGE runs only if the publication markers show it has not happened yet."""
    with get_client() as db:
        publish.swap_next_in(db, marker)


@task(task_run_name="top wallets")
def top_wallets(limit: int = 20) -> list[dict]:
    with get_client() as db:
        return db.rows("select_leaderboard", limit=limit)


@task(task_run_name="nightly window")
def nightly_window(lookback_days: int | None, end: date | None) -> tuple[date, date]:
    with get_client() as db:
        return incremental.window(db, lookback_days, end)


@task(task_run_name="recompute positions {start}..{end}", **{k: v for k, v in _common.items() if k != "persist_result"})
def recompute_positions(start: date, end: date, run_id: str = "", also_days: list[date] | None = None) -> Outcome:
    """Recompute positions of wallets that traded in [start, end] or on `also_days`, and of newly resolved
    conditions."""
    with get_client() as db:
        out = incremental.recompute(db, start, end, run_id, also_days=also_days or [])
    bad = {k: v for k, v in out.violations.items() if v}
    if bad:
        raise CheckFailed(f"nightly recompute: check violations {bad}")
    log.info("nightly_recomputed", wallets=out.counts.get("wallets"),
             conditions=out.counts.get("conditions"), ledger_rows=out.rows_in)
    return out


@task(task_run_name="record resolutions")
def record_resolutions(run_id: str = "") -> None:
    with get_client() as db:
        incremental.record_resolutions(db, run_id)
