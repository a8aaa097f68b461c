"""Synthetic Polymarket data for the three source tables, generated in SQL from hashes of (seed, n).

The model (each step one .sql file, run inside ClickHouse: 20M fills take one to two minutes on 2 cores):
- markets (insert_generated_markets): events with a start day and a heavy-tailed life inside the range; a quarter
  are neg-risk groups of 3-6 conditions of which exactly one resolves [1,0], the rest binary [1,0]/[0,1], a few
  split [1,1]; ~12% still open (no resolution). One token per outcome, token ids as decimal strings.
- positions (insert_generated_positions): runs of 1-149 fills of one wallet in one token, wallets drawn
  heavy-tailed (a few whales, many small wallets), inside the market's life.
- fills (insert_generated_fills): buys first then sells (some sells exceed holdings), prices drifting to the
  payout, mostly zero fees, maker and taker rows, mixed-case sides; some re-ingested 2-3 times with later
  insert_times (a quarter of those with changed amounts in the latest copy), some deleted by a last copy.
- invalid rows (insert_generated_bad_rows): a few per rejection reason of SPEC 3.2.
Everything, insert_time included, derives from the seed, so a seed always gives the same tables. The stats are
computed from the generator's own plan, so they describe this call even when the tables already held data.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime, timezone
from typing import Any

from tasks.clickhouse import Db
from tasks.errors import InputError
from tasks.partitions import EARLIEST

# Fill fates, per mille / percent of fills (bound into insert_generated_fills.sql and select_generated_stats.sql).
DUP_PER_MILLE = 60        # re-ingested: 2 or 3 copies with later insert_times
CONFLICT_PERCENT = 25     # of the re-ingested: the latest copy has changed amounts (it must win)
DELETE_PER_MILLE = 8      # the latest version is an is_deleted = 1 copy (the fill is gone)

# Row i of insert_generated_bad_rows.sql breaks rule i % 10; the reasons as pm_rejected_events names them.
BAD_RULES = ("invalid_wallet", "invalid_role", "invalid_side", "non_positive_amount", "negative_fee",
             "price_above_one", "time_out_of_range", "time_out_of_range", "unmapped_token", "fee_above_amount")


def plan_sizes(fills: int, bad_rows: bool) -> dict[str, int]:
    """Dimension sizes for `fills` fills: ~200 fills per wallet, ~800 per condition, ~30 per position."""
    return {
        "wallets": max(100, fills // 200),
        "events": max(60, fills // 1500),
        # sizes average ~30 fills, so fills // 10 positions cover `fills` with a wide margin; the rest is cut off
        "positions": fills // 10 + 64,
        "per_reason": max(3, min(1000, fills // 20_000)) if bad_rows else 0,
    }


def generate(db: Db, *, fills: int, seed: int = 7, start: date = date(2025, 1, 1), days: int = 30,
             bad_rows: bool = True) -> dict[str, Any]:
    """Append a deterministic synthetic data set to raw fills, token map and resolutions; return what it holds."""
    if fills < 1 or days < 1 or seed < 0:
        raise InputError("generate: fills and days must be positive and seed non-negative")
    start_at = datetime.combine(start, datetime.min.time(), timezone.utc)
    if start_at < EARLIEST:
        raise InputError(f"generate: start {start} is before {EARLIEST.date()}, so every fill would be rejected")
    sizes = plan_sizes(fills, bad_rows)
    fates = {"dup_per_mille": DUP_PER_MILLE, "conflict_percent": CONFLICT_PERCENT,
             "delete_per_mille": DELETE_PER_MILLE}
    began = time.monotonic()
    markets, positions = db.scratch("gen_markets"), db.scratch("gen_positions")
    plan = {"gen_markets": markets, "gen_positions": positions}
    try:
        db.run("create_generated_markets", purpose="create generator markets", idents={"scratch": markets})
        db.run("create_generated_positions", purpose="create generator positions", idents={"scratch": positions})
        db.run("insert_generated_markets", purpose="generate markets", idents={"scratch": markets},
               seed=seed, start=start_at, days=days, events=sizes["events"])
        db.run("insert_generated_positions", purpose="generate positions", idents={"scratch": positions, **plan},
               seed=seed, start=start_at, fills=fills, wallets=sizes["wallets"], positions=sizes["positions"])
        stats = db.rows("select_generated_stats", purpose="count generated data", idents=plan,
                        seed=seed, fills=fills, **fates)[0]
        if int(stats["fills"]) != fills:  # would need sizes far below their mean; never seen, but be loud
            raise InputError(f"generate: positions cover {stats['fills']} fills, not {fills}")
        db.run("insert_generated_token_map", purpose="generate token map", idents=plan)
        db.run("insert_generated_resolutions", purpose="generate resolutions", idents=plan)
        db.run("insert_generated_fills", purpose="generate fills", idents=plan, seed=seed, **fates)
        if sizes["per_reason"]:
            db.run("insert_generated_bad_rows", purpose="generate invalid rows", idents=plan,
                   seed=seed, start=start_at, per_reason=sizes["per_reason"])
    finally:
        for name in (markets, positions):
            db.run("drop_scratch", purpose="drop generator scratch", idents={"scratch": name})
    per_reason = sizes["per_reason"]
    bad = {reason: n * per_reason for reason, n in Counter(BAD_RULES).items()} if per_reason else {}
    out = {k: int(v) for k, v in stats.items()}
    out.update(
        seed=seed, first_day=start.isoformat(), days=days,
        last_day=date.fromordinal(start.toordinal() + days - 1).isoformat(),
        tokens=2 * out["markets"],
        bad_rows=bad, bad_rows_total=sum(bad.values()),
        raw_rows=out["fill_rows"] + sum(bad.values()),
        # every generated fill is valid by construction; a deleted one leaves the ledger
        expected_ledger_rows=fills - out["deleted"],
        expected_rejected=dict(bad),
        seconds=round(time.monotonic() - began, 3),
    )
    return out
