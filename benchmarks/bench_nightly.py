"""Nightly incremental vs a full run on the same data, when ~1% of wallets trade on the new day.

Both runs execute the same step functions the flows call (tasks.steps, tasks.incremental, tasks.checks,
tasks.publish) in this process, without Prefect, so the ratio compares the data work only:

  full:    stage every day, resolve cross-day versions, ledger every day, FIFO every shard, validate, publish
  nightly: stage the new day and the lookback, resolve cross-day versions, ledger those days (and stale ones),
           recompute the affected positions, validate, publish

  python benchmarks/bench_nightly.py --fills 2000000 --days 30
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta

from common import Scratch, environment, execute, human, machine_name, open_db, peak_rss_mb, timed, write_results

START = date(2025, 1, 1)


def pipeline_full(db, first: date, last: date) -> None:
    from tasks import checks, incremental, publish, steps
    from tasks.partitions import Window, all_shards

    window = Window.now()
    for a, b in steps.plan_chunks(db, "staging", first, last, only_missing=False):
        steps.staging_step(db, a, b, window)
    steps.cross_day_step(db, window)
    steps.out_of_range_step(db, window)
    for a, b in steps.plan_chunks(db, "ledger", first, last, only_missing=False):
        steps.ledger_step(db, a, b, window)
    for prefix in all_shards(1):
        steps.fifo_step(db, prefix)
    incremental.record_resolutions(db)
    _publish(db, checks, publish)


def pipeline_nightly(db, lookback: int, last: date) -> dict:
    from tasks import checks, incremental, publish, steps
    from tasks.partitions import Window

    window = Window.now()
    start, stop = incremental.window(db, lookback, last)
    for a, b in steps.plan_chunks(db, "staging", start, stop, only_missing=False):
        steps.staging_step(db, a, b, window)
    steps.cross_day_step(db, window)
    steps.out_of_range_step(db, window)
    stale = steps.stale_days(db)  # older days a later version of a fill moved away from (flows/nightly.py)
    for a, b in steps.plan_chunks(db, "ledger", start, stop, only_missing=False):
        steps.ledger_step(db, a, b, window)
    out = incremental.recompute(db, start, stop, also_days=stale)
    assert not any(out.violations.values()), out.violations
    _publish(db, checks, publish)
    return {"wallets_recomputed": out.counts["wallets"], "ledger_rows_recomputed": out.rows_in,
            "partitions_rewritten": out.rows_out}


def _publish(db, checks, publish) -> None:
    publish.stage_next(db)
    report = checks.validate(db, source="next")
    assert report.passed, report.failures()
    publish.swap_next_in(db)


def published(db) -> str:
    return str(db.sql(f"SELECT count(), sum(cityHash64(*)) FROM {db.table('positions_published')}")[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fills", type=int, default=2_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--percent", type=int, default=1, help="share of wallets active on the new day")
    ap.add_argument("--lookback", type=int, default=0, help="nightly lookback days (0: just the new day)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--machine", default=machine_name())
    args = ap.parse_args()
    from tasks.generate import generate

    last = START + timedelta(days=args.days - 1)
    new_day = last + timedelta(days=1)
    with Scratch(args.tmp, "nightly", keep=False) as path:
        db = open_db(path, "nightly")
        generate(db, fills=args.fills, seed=args.seed, start=START, days=args.days)
        last = db.sql(f"SELECT toDate(max(trade_time)) FROM {db.table('raw')} "
                      "WHERE trade_time < now()")[0][0]
        new_day = last + timedelta(days=1)
        _, base_s = timed(lambda: pipeline_full(db, START, last))
        execute(db, "sql/insert_nightly_day.sql", last_day=last, percent=args.percent)
        new_rows = db.sql(f"SELECT count(), uniqExact(lower(trader_wallet)) FROM {db.table('raw')} "
                          f"WHERE toDate(trade_time) = {{d:Date}}", d=new_day)[0]
        total_wallets = db.sql(f"SELECT uniqExact(wallet) FROM {db.table('ledger')}")[0][0]
        nightly, nightly_s = timed(lambda: pipeline_nightly(db, args.lookback, new_day))
        after_nightly = published(db)
        _, full_s = timed(lambda: pipeline_full(db, START, new_day))
        after_full = published(db)
        db.close()
    result = {
        "benchmark": "nightly", "machine": args.machine, **environment(),
        "fills": args.fills, "days": args.days, "percent_wallets_active": args.percent,
        "new_day_rows": new_rows[0], "new_day_wallets": new_rows[1], "wallets_total": total_wallets,
        "initial_full_seconds": base_s, "nightly_seconds": nightly_s, "full_seconds": full_s,
        "nightly_over_full": round(nightly_s / full_s, 4), "nightly": nightly,
        "same_publication": after_nightly == after_full, "peak_rss_mb": peak_rss_mb(),
    }
    out = write_results("nightly", args.machine, result)
    print(f"{human(args.fills)} fills, {args.days} days; new day: {new_rows[0]} raw rows from {new_rows[1]} of "
          f"{total_wallets} wallets ({args.percent}%)")
    print(f"nightly {nightly_s:.2f} s vs full {full_s:.2f} s on the same data: ratio {nightly_s / full_s:.3f}; "
          f"same publication: {after_nightly == after_full}; peak RSS {peak_rss_mb()} MB")
    print(f"wrote {out}")
    return 0 if after_nightly == after_full else 1


if __name__ == "__main__":
    sys.exit(main())
