"""Nightly incremental FIFO: recompute only the positions of wallets that traded and conditions that resolved."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date, datetime, timedelta, timezone

from tasks.clickhouse import Db
from tasks.errors import CheckFailed, InputError
from tasks.fifo import compute
from tasks.partitions import day_bounds, scratch_like, swap_in
from tasks.registry import Outcome, read


def watermark(db: Db) -> date:
    """The last day whose ledger partition is done: nightly runs continue from there."""
    days = [r["partition"] for r in read(db, "ledger") if r["status"] == "done"]
    if not days:
        raise InputError("no ledger partition is done yet: run `polyledger backfill` first")
    return date.fromisoformat(max(days))


def window(db: Db, lookback_days: int | None, end: date | None) -> tuple[date, date]:
    """Days to restage: the days after the watermark, plus `lookback_days` before it for late fills, up to `end`
    (default today, UTC)."""
    lookback = db.settings.pipeline.lookback_days if lookback_days is None else lookback_days
    stop = end or datetime.now(timezone.utc).date()
    start = watermark(db) + timedelta(days=1 - lookback)
    return min(start, stop), stop


def record_resolutions(db: Db, run_id: str = "") -> None:
    """Remember each condition's resolution as FIFO saw it."""
    db.run("insert_resolution_states", purpose="record resolution states", run_id=str(run_id))



def recompute(db: Db, start: date, end_inclusive: date, run_id: str = "", *,
              also_days: Sequence[date] = ()) -> Outcome:
    """Recompute every position of wallets with fills in [start, end] or on `also_days` (days before the window
    whose ledger was rebuilt because a later version moved a fill away) and every position in newly resolved
    conditions; rewrite only the storage partitions they live in."""
    ranges = [(start, end_inclusive + timedelta(days=1))]
    ranges += [(d, d + timedelta(days=1)) for d in sorted(set(also_days)) if not start <= d <= end_inclusive]
    with ExitStack() as stack:
        wallets, conditions = db.scratch("wallets"), db.scratch("conditions")
        for name in (wallets, conditions):
            stack.callback(db.run, "drop_scratch", idents={"scratch": name})
        db.run("create_affected_wallets", idents={"scratch": wallets})
        db.run("create_changed_conditions", idents={"scratch": conditions})
        for a, b in ranges:
            db.run("insert_affected_wallets", purpose=f"find affected wallets {a}", idents={"scratch": wallets},
                   **day_bounds(a, b))
        db.run("insert_changed_conditions", purpose="find newly resolved conditions", idents={"scratch": conditions})
        sel = {"wallets": wallets, "conditions": conditions}
        src = stack.enter_context(scratch_like(db, "ledger", "affected_ledger"))
        db.run("insert_affected_ledger", purpose="copy affected ledger", idents={"scratch": src, **sel})
        rows = int(db.scalar("select_count", idents={"scratch": src}))
        touched = [r["partition"] for r in db.rows("select_touched_partitions", idents={"affected_ledger": src, **sel})]
        out = {key: stack.enter_context(scratch_like(db, key, f"nightly_{key}")) for key in ("lots", "positions")}
        for key, scratch in out.items():
            db.run("insert_kept_rows", purpose=f"keep unaffected {key}", idents={"scratch": scratch, "target": key, **sel},
                   partitions=touched)
        violations = compute(db, lots=out["lots"], positions=out["positions"], ledger_source=src, prefix="",
                             rows=rows).violations
        if any(violations.values()):
            raise CheckFailed(f"nightly recompute: check violations { {k: v for k, v in violations.items() if v} }")
        for key, scratch in out.items():
            swap_in(db, key, scratch, touched)
        n_wallets = int(db.scalar("select_count", idents={"scratch": wallets}))
        n_conditions = int(db.scalar("select_count", idents={"scratch": conditions}))
    record_resolutions(db, run_id)
    return Outcome("fifo", f"nightly {start}..{end_inclusive}", rows_in=rows, rows_out=len(touched),
                   counts={"wallets": n_wallets, "conditions": n_conditions}, violations=violations)
