"""Staging + ledger throughput, ours vs the seed's method, on generated raw fills (ClickBench style, not a test).

    python benchmarks/bench_pipeline.py --sizes 1000000,10000000
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stages  # noqa: E402
from common import base_parser, environment, human, in_child, load_now, run_sizes, Scratch  # noqa: E402

# Raw rows per generated fill with the generator's default fates (duplicates, deletes): ~1.099.
RAW_PER_FILL = 1.099


def bench_size(raw_rows: int, seed: int, base: str | None, keep: bool) -> dict:
    fills = max(1000, round(raw_rows / RAW_PER_FILL))
    with Scratch(base, f"pipeline-{raw_rows}", keep) as path:
        gen = in_child(stages.generate_data, path, fills, seed)
        stats = gen["stats"]
        print(f"  generated {human(stats['raw_rows'])} raw rows ({human(fills)} fills) in {gen['seconds']} s", flush=True)
        result = {"target_raw_rows": raw_rows, "raw_rows": stats["raw_rows"], "fills": fills,
                  "expected_ledger_rows": stats["expected_ledger_rows"], "generate": gen, "stages": {}}
        # ours first, then the seed's, stage by stage, each in a fresh process
        for name, fn in (("ours_staging", stages.ours_staging), ("seed_staging", stages.seed_staging),
                         ("ours_ledger", stages.ours_ledger), ("seed_ledger", stages.seed_ledger)):
            load = load_now()
            out = in_child(fn, path, stats)
            out.update(raw_rows_per_second=round(stats["raw_rows"] / out["seconds"]), load_average_before=load)
            result["stages"][name] = out
            print(f"  {name:13s} {out['seconds']:8.2f} s  {human(out['raw_rows_per_second'])} raw rows/s  "
                  f"peak RSS {out['peak_rss_mb']:.0f} MB", flush=True)
    s = result["stages"]
    ours = s["ours_staging"]["seconds"] + s["ours_ledger"]["seconds"]
    seed = s["seed_staging"]["seconds"] + s["seed_ledger"]["seconds"]
    result["ratios_ours_over_seed"] = {
        "staging": round(s["ours_staging"]["seconds"] / s["seed_staging"]["seconds"], 3),
        "ledger": round(s["ours_ledger"]["seconds"] / s["seed_ledger"]["seconds"], 3),
        "total": round(ours / seed, 3),
    }
    result["checks"] = {
        "ledger_rows_as_expected": s["ours_ledger"]["rows_out"] == stats["expected_ledger_rows"],
        "seed_ledger_same_content": bool(s["seed_ledger"]["agreement"]["same_content"]),
    }
    print(f"  ours/seed time: {result['ratios_ours_over_seed']}  checks: {result['checks']}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    p = base_parser(__doc__, "1000000,10000000", "raw row counts, comma-separated")
    args = p.parse_args(argv)
    payload = {"benchmark": "pipeline", "machine": args.machine, "seed": args.seed, **environment(),
               "method": {
                   "ours_staging": "tasks.staging.stage_chunk per day (scratch ReplacingMergeTree, OPTIMIZE FINAL, "
                                   "REPLACE PARTITION) + resolve_cross_day + reject_out_of_range, serial",
                   "ours_ledger": "tasks.ledger.build_chunk per day (ledger + rejected from staging FINAL), serial",
                   "seed_staging": "INSERT INTO ReplacingMergeTree(insert_time) SELECT * FROM raw WHERE "
                                   "toDate(trade_time) = day, per calendar day",
                   "seed_ledger": "one GROUP BY event_id, trader_wallet, role with argMax(..., insert_time) over the "
                                  "seed staging table, same validation rules",
                   "peak_rss_mb": "peak RSS of the stage's own process (each stage runs in a fresh process)",
               },
               "results": []}
    return run_sizes("pipeline", args, payload, "raw rows",
                     lambda size: bench_size(size, args.seed, args.tmp, args.keep))

if __name__ == "__main__":
    sys.exit(main())
