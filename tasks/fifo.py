"""Exact FIFO and average-cost PnL for one wallet shard, set-based (SPEC 4)."""

from __future__ import annotations

from contextlib import ExitStack
from typing import NamedTuple

from tasks.clickhouse import Db
from tasks.partitions import scratch_like, storage_partitions, sub_shards, swap_in
from tasks.registry import Outcome

# max_partitions_per_insert_block: a nightly run may touch all 256 wallet partitions; the three views run side by
# side; the GROUP BY is the ledger's sort-key prefix, so it streams the parts in order instead of hashing two
# string keys
FIFO_SETTINGS = {"max_partitions_per_insert_block": 0, "parallel_view_processing": 1,
                 "optimize_aggregation_in_order": 1}
# the FIFO query writes its result into a Null table; these views cut each block into the outputs as it passes
VIEWS = ("create_fifo_lots_view", "create_fifo_positions_view", "create_fifo_checks_view")


class Computed(NamedTuple):
    violations: dict[str, int]  # conservation and sanity check counts, all zero when right
    positions: int
    lots: int
    ledger_rows: int  # ledger rows the positions were built from


def shard_fingerprint(db: Db, prefix: str) -> str:
    """Fingerprint of the shard's ledger rows plus the resolutions: the FIFO cache key."""
    return db.scalar("select_shard_fingerprint", purpose=f"fingerprint fifo shard {prefix}", prefix="0x" + prefix)


def shard_rows(db: Db, prefix: str) -> int:
    """Ledger rows of the shard as the primary index estimates them (sizes the memory slices; reads no data)."""
    rows = db.rows("select_shard_rows", purpose=f"size fifo shard {prefix}", prefix="0x" + prefix)
    return sum(int(r["rows"]) for r in rows)


def compute(db: Db, *, lots: str, positions: str, ledger_source: str, prefix: str, rows: int) -> Computed:
    """Append the FIFO lots and positions of a ledger (or a subset of it) to two tables, in slices sized to the
    memory cap, each slice one set-based query; returns the conservation and sanity violations it counted."""
    s = db.settings
    parts = sub_shards(rows, s.pipeline.fifo_bytes_per_row, s.clickhouse.max_memory_usage)
    with ExitStack() as stack:
        state, checks = db.scratch("fifo_state"), db.scratch("fifo_checks")
        views = [db.scratch("fifo_view") for _ in VIEWS]
        for name in (state, checks, *views):  # callbacks run in reverse: views first
            stack.callback(db.run, "drop_scratch", purpose="drop fifo scratch", idents={"scratch": name})
        db.run("create_fifo_state", purpose="create fifo state", idents={"state": state})
        db.run("create_fifo_checks", purpose="create fifo checks", idents={"checks": checks})
        targets = {"state": state, "lots": lots, "positions": positions, "checks": checks}
        for view, sql in zip(views, VIEWS):
            db.run(sql, purpose="create fifo view", idents={"view": view, **targets})
        for part in range(parts):
            db.run("insert_fifo_state", purpose=f"fifo {prefix or 'incremental'} slice {part}/{parts}",
                   idents={"state": state, "ledger_source": ledger_source}, settings=FIFO_SETTINGS,
                   prefix="0x" + prefix, parts=parts, part=part)
        totals = db.rows("select_fifo_check_totals", purpose="sum fifo checks", idents={"checks": checks})[0]
    totals = {k: int(v or 0) for k, v in totals.items()}
    return Computed(totals, totals.pop("positions"), totals.pop("lots"), totals.pop("ledger_rows"))


def run_shard(db: Db, prefix: str) -> Outcome:
    """Recompute lots and positions of every wallet starting 0x<prefix>; swap them in only if they pass the
    checks (a failing shard leaves the previous result in place)."""
    with scratch_like(db, "lots", "lots") as lots, scratch_like(db, "positions", "positions") as pos:
        out = compute(db, lots=lots, positions=pos, ledger_source="ledger", prefix=prefix,
                      rows=shard_rows(db, prefix))
        if not any(out.violations.values()):
            swap_in(db, "lots", lots, storage_partitions(prefix))
            swap_in(db, "positions", pos, storage_partitions(prefix))
    return Outcome("fifo", prefix, rows_in=out.ledger_rows, rows_out=out.positions, violations=out.violations,
                   counts={"lots": out.lots})


def check_tables(db: Db, prefix: str, *, tables: dict[str, str] | None = None) -> dict[str, int]:
    """Conservation identities and sanity bounds of written lots and positions against the ledger, for a shard
    ('' = all wallets); nonzero values are violations. The publication gate runs it over everything."""
    src = tables or {"positions_source": "positions", "lots_source": "lots"}
    cons = db.rows("select_conservation_violations", purpose=f"conservation check {prefix or 'all'}",
                   idents=src, prefix="0x" + prefix)[0]
    sane = db.rows("select_sanity_violations", purpose=f"sanity check {prefix or 'all'}",
                   idents={"lots_source": src["lots_source"]}, prefix="0x" + prefix)[0]
    return {k: int(v) for k, v in {**cons, **sane}.items() if k not in ("positions", "lots")}
