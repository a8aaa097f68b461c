"""The partition registry (pm_pipeline_partitions): what ran, with which inputs, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from tasks.clickhouse import Db

COLUMNS = ("stage", "partition", "status", "rows_in", "rows_out", "rows_rejected", "fingerprint", "run_id",
           "started_at", "finished_at", "duration_ms", "error", "updated_at")


@dataclass
class Outcome:
    """What one partition task did; returned by every stage function."""

    stage: str
    partition: str
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    fingerprint: str = ""
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    violations: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # stage-specific tallies (lots, wallets, conditions)


def now() -> datetime:
    return datetime.now(timezone.utc)


def record(db: Db, stage: str, partitions: list[str], status: str, *, run_id: str = "", started: datetime | None = None,
           rows_in: int = 0, rows_out: int = 0, rows_rejected: int = 0, fingerprint: str = "", error: str = "") -> None:
    """Upsert one registry row per partition (ReplacingMergeTree on updated_at)."""
    t = now()
    started = started or t
    rows = [(stage, p, status, rows_in, rows_out, rows_rejected, fingerprint, run_id, started, t,
             int((t - started).total_seconds() * 1000), error[:2000], t) for p in partitions]
    db.insert("partitions", rows, COLUMNS, purpose=f"record {stage} {status}")


def mark_stale(db: Db, stage: str, partitions: list[str]) -> None:
    """Mark the done partitions among `partitions` 'stale': their inputs changed after they were built, so the
    next rebuild of that stage plans them."""
    done = {r["partition"] for r in read(db, stage) if r["status"] == "done"}
    stale = [p for p in partitions if p in done]
    if stale:
        record(db, stage, stale, "stale")


def read(db: Db, stage: str | None = None) -> list[dict]:
    return db.rows("select_partitions", stage=stage or "")
