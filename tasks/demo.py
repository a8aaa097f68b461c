"""`polyledger demo`: generate data, run the whole pipeline through the flows, print a summary."""

from __future__ import annotations

import time
from datetime import date, timedelta

from tasks.clickhouse import get_client
from tasks.errors import InputError
from tasks.schema import init_schema


def run_demo(*, fills: int, seed: int, days: int, start: date = date(2025, 9, 1)) -> int:
    from tasks.generate import generate

    if fills < 100:
        raise InputError("--fills must be at least 100")
    t0 = time.perf_counter()
    with get_client() as db:
        if db.target.kind == "chdb":  # the embedded demo directory is ours: start clean every time
            db.run("drop_database", purpose="reset demo database")
        init_schema(db)
        if db.target.kind != "chdb" and db.scalar("select_raw_count"):
            raise InputError(f"database {db.database} on {db.target.describe()} already has raw fills; "
                             "the demo needs an empty database (set POLYLEDGER_DATABASE)")
        print(f"generating {fills:,} fills over {days} days into {db.target.describe()} ...", flush=True)
        stats = generate(db, fills=fills, seed=seed, start=start, days=days)
    print("generated: " + ", ".join(f"{k} {v}" for k, v in stats.items() if not isinstance(v, dict)), flush=True)

    from flows.backfill import full_backfill

    full_backfill(start=start.isoformat(), end=(start + timedelta(days=days - 1)).isoformat())

    from tasks.status import status_rows

    with get_client() as db:
        lines, _ = status_rows(db)
        top = db.rows("select_leaderboard", limit=10)
        totals = db.rows("select_published_totals")[0]
    print("\n== summary ==")
    for line in lines:
        print(line)
    print(f"published: {totals['positions']:,} positions, {totals['lots']:,} lots; total FIFO PnL "
          f"{totals['fifo_pnl']:,.2f} USD, total average-cost PnL {totals['avg_cost_pnl']:,.2f} USD")
    print(f"finished in {time.perf_counter() - t0:.1f} s\n\n== leaderboard (top 10 by FIFO PnL, USD) ==")
    from flows.cli import _print_rows

    _print_rows(top)
    return 0
