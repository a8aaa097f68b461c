"""Exact FIFO and average-cost PnL for one wallet shard, set-based (SPEC 4)."""

from __future__ import annotations

from tasks.clickhouse import Db
from tasks.partitions import scratch_like, storage_partitions, sub_shards, swap_in
from tasks.registry import Outcome


def shard_fingerprint(db: Db, prefix: str) -> str:
    """Fingerprint of the shard's ledger rows plus the resolutions: the FIFO cache key."""
    return db.scalar("select_shard_fingerprint", purpose=f"fingerprint fifo shard {prefix}", prefix="0x" + prefix)


def shard_rows(db: Db, prefix: str) -> int:
    """Ledger rows of the shard (sizes the memory slices; reads only the wallet column)."""
    return int(db.scalar("select_shard_rows", purpose=f"size fifo shard {prefix}", prefix="0x" + prefix))


def compute_state(db: Db, state: str, *, ledger_source: str, prefix: str, rows: int) -> None:
    """Fill a FIFO state table from a ledger (or a subset of it), in slices sized to the memory cap."""
    s = db.settings
    parts = sub_shards(rows, s.pipeline.fifo_bytes_per_row, s.clickhouse.max_memory_usage)
    db.run("create_fifo_state", purpose="create fifo state", idents={"scratch": state})
    for part in range(parts):  # each slice is one set-based query
        db.run("insert_fifo_state", purpose=f"fifo {prefix or 'incremental'} slice {part}/{parts}",
               idents={"scratch": state, "ledger_source": ledger_source}, prefix="0x" + prefix, parts=parts,
               part=part)


def run_shard(db: Db, prefix: str) -> Outcome:
    """Recompute lots and positions of every wallet starting 0x<prefix>, then swap them in and check them."""
    rows = shard_rows(db, prefix)
    state = db.scratch("fifo_state")
    try:
        compute_state(db, state, ledger_source="ledger", prefix=prefix, rows=rows)
        with scratch_like(db, "lots", "lots") as lots, scratch_like(db, "positions", "positions") as pos:
            db.run("insert_lots_from_state", purpose=f"fifo lots {prefix}", idents={"scratch": lots, "state": state})
            db.run("insert_positions_from_state", purpose=f"fifo positions {prefix}",
                   idents={"scratch": pos, "state": state})
            n_lots = int(db.scalar("select_count", idents={"scratch": lots}))
            n_pos = int(db.scalar("select_count", idents={"scratch": pos}))
            swap_in(db, "lots", lots, storage_partitions(prefix))
            swap_in(db, "positions", pos, storage_partitions(prefix))
    finally:
        db.run("drop_scratch", purpose="drop fifo state", idents={"scratch": state})
    violations = check_shard(db, prefix)
    return Outcome("fifo", prefix, rows_in=rows, rows_out=n_pos,
                   violations=violations, counts={"lots": n_lots})


def check_shard(db: Db, prefix: str, *, tables: dict[str, str] | None = None) -> dict[str, int]:
    """Conservation identities and sanity bounds for a shard ('' = all wallets); nonzero values are violations."""
    src = tables or {"positions_source": "positions", "lots_source": "lots"}
    cons = db.rows("select_conservation_violations", purpose=f"conservation check {prefix or 'all'}",
                   idents=src, prefix="0x" + prefix)[0]
    sane = db.rows("select_sanity_violations", purpose=f"sanity check {prefix or 'all'}",
                   idents={"lots_source": src["lots_source"]}, prefix="0x" + prefix)[0]
    out = {k: int(v) for k, v in {**cons, **sane}.items() if k not in ("positions", "lots")}
    return out
