"""One partition of one stage, recorded in the registry: the unit every flow maps over."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

from tasks import fifo, ledger, staging
from tasks.clickhouse import Db
from tasks.errors import CheckFailed
from tasks.partitions import Window, all_shards, day_chunks, days_in
from tasks.registry import Outcome, now, read, record

STAGES = ("staging", "ledger", "fifo")


def _tracked(db: Db, stage: str, partitions: list[str], run_id: str, work: Callable[[], Outcome]) -> Outcome:
    started = now()
    record(db, stage, partitions, "running", run_id=run_id, started=started)
    try:
        out = work()
    except Exception as exc:
        record(db, stage, partitions, "failed", run_id=run_id, started=started, error=db.redact(str(exc)))
        raise
    record(db, stage, partitions, "done", run_id=run_id, started=started, rows_in=out.rows_in, rows_out=out.rows_out,
           rows_rejected=out.rows_rejected, fingerprint=out.fingerprint)
    return out


def staging_step(db: Db, a: date, b: date, window: Window, run_id: str = "") -> Outcome:
    """Stage days [a, b)."""
    return _tracked(db, "staging", [d.isoformat() for d in days_in(a, b)], run_id,
                    lambda: staging.stage_chunk(db, a, b, window))


def ledger_step(db: Db, a: date, b: date, window: Window, run_id: str = "") -> Outcome:
    """Rebuild ledger and rejected rows of days [a, b)."""
    return _tracked(db, "ledger", [d.isoformat() for d in days_in(a, b)], run_id,
                    lambda: ledger.build_chunk(db, a, b, window))


def fifo_step(db: Db, prefix: str, run_id: str = "") -> Outcome:
    """Recompute one wallet shard; a conservation or sanity violation fails the shard."""
    def work() -> Outcome:
        out = fifo.run_shard(db, prefix)
        bad = {k: v for k, v in out.violations.items() if v}
        if bad:
            raise CheckFailed(f"fifo shard {prefix}: check violations {bad}")
        return out
    return _tracked(db, "fifo", [prefix], run_id, work)


def out_of_range_step(db: Db, window: Window, run_id: str = "") -> Outcome:
    return _tracked(db, "staging", ["out-of-range"], run_id, lambda: staging.reject_out_of_range(db, window))


def cross_day_step(db: Db, window: Window, run_id: str = "") -> Outcome:
    """Resolve versions of a fill on different days (after the day chunks, before the out-of-range rejects)."""
    def work() -> Outcome:
        changed = staging.resolve_cross_day(db, window)
        rows = int(db.scalar("select_count", purpose="count supersessions", idents={"scratch": "supersessions"}))
        return Outcome("staging", "cross-day", rows_out=rows, counts={"changed_days": len(changed)})
    return _tracked(db, "staging", ["cross-day"], run_id, work)


# -- planning --------------------------------------------------------------------------------------
def plan_chunks(db: Db, stage: str, start: date, end: date, *, only_missing: bool) -> list[tuple[date, date]]:
    """Day chunks of [start, end] to run; with only_missing, those with a day not 'done' in the registry. The ledger
    also rebuilds the stale days outside the range (a later version moved one of their fills to another day)."""
    chunks = day_chunks(start, end, db.settings.pipeline.chunk_days)
    if stage == "ledger":
        chunks = sorted(chunks + [(d, d + timedelta(days=1)) for d in stale_days(db, stage) if not start <= d <= end])
    if not only_missing:
        return chunks
    done = {r["partition"] for r in read(db, stage) if r["status"] == "done"}
    return [(a, b) for a, b in chunks if any(d.isoformat() not in done for d in days_in(a, b))]


def stale_days(db: Db, stage: str = "ledger") -> list[date]:
    """Days whose built partition is out of date (tasks.registry.mark_stale)."""
    return sorted(date.fromisoformat(r["partition"]) for r in read(db, stage) if r["status"] == "stale")


def plan_shards(db: Db, shards: list[str] | None, *, only_missing: bool) -> list[str]:
    shards = shards or all_shards(db.settings.pipeline.shard_width)
    if not only_missing:
        return shards
    done = {r["partition"] for r in read(db, "fifo") if r["status"] == "done"}
    return [s for s in shards if s not in done]


def data_range(db: Db, window: Window) -> tuple[date, date] | None:
    """First and last day of raw fills inside the valid window (what a full backfill covers)."""
    r = db.rows("select_raw_range", purpose="raw date range", **window.params())[0]
    if not r["n"]:
        return None
    return r["first_day"], r["last_day"]

