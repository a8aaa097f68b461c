"""Where one FIFO shard's time goes, ours against the seed's approximate SQL on the same wallets (not a test).

    python benchmarks/fifo_breakdown.py --sizes 20000000 --shard 3 --runs 5

Runs the FIFO insert of one shard with its outputs cut off step by step (no views; lots into a Null table; lots
into a scratch lots table; all three views, as tasks.fifo.compute runs it), and the seed's approximate SQL with the
shard's wallets as its IN-list, into a Null table and into its unpartitioned lots table. Each variant runs --runs
times in one process; min and median wall and CPU seconds are printed and written to results/. `--data DIR` reuses
a directory kept by `bench_fifo.py --keep` instead of generating one.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stages  # noqa: E402
from common import (Scratch, base_parser, cpu_timed, environment, execute, in_child, open_db,  # noqa: E402
                    parse_sizes, query, timed, write_results)

OURS_VIEWS = {"ours: compute only (no views)": (),
              "ours: + lots view into Null": ("lots_null",),
              "ours: + lots view into lots": ("lots",),
              "ours: all three views (as run_shard)": ("lots", "positions", "checks")}
APPROX_TARGETS = {"approx: compute only (into Null)": "seed/create_fifo_approx_null.sql",
                  "approx: into its lots table": "seed/create_fifo_approx.sql"}


def _ours_once(db, views: tuple[str, ...], prefix: str) -> tuple[float, float]:
    from tasks.fifo import FIFO_SETTINGS

    names = {k: db.scratch("bd_" + k) for k in ("state", "lots", "positions", "checks", "v_lots", "v_pos", "v_chk")}
    made = []
    try:
        db.run("create_fifo_state", idents={"state": names["state"]})
        made.append(names["state"])
        for key in ("lots", "positions"):
            db.run("create_scratch_like", idents={"scratch": names[key], "target": key})
            made.append(names[key])
        db.run("create_fifo_checks", idents={"checks": names["checks"]})
        made.append(names["checks"])
        targets = {k: names[k] for k in ("state", "lots", "positions", "checks")}
        if "lots_null" in views:  # the lots view's SELECT with nowhere to write
            execute(db, "seed/create_fifo_approx_null.sql", idents={"approx_lots": names["lots"] + "_null"})
            made.append(names["lots"] + "_null")
            targets["lots"] = names["lots"] + "_null"
        for key, view, sql in (("lots", "v_lots", "create_fifo_lots_view"), ("lots_null", "v_lots", "create_fifo_lots_view"),
                               ("positions", "v_pos", "create_fifo_positions_view"),
                               ("checks", "v_chk", "create_fifo_checks_view")):
            if key in views:
                db.run(sql, idents={"view": names[view], **targets})
                made.insert(0, names[view])
        (_, seconds), cpu = cpu_timed(lambda: timed(lambda: db.run(
            "insert_fifo_state", idents={"state": names["state"], "ledger_source": "ledger"}, settings=FIFO_SETTINGS,
            prefix="0x" + prefix, parts=1, part=0)))
        return seconds, cpu
    finally:
        for name in made:
            db.run("drop_scratch", idents={"scratch": name})


def _approx_once(db, create: str, wallets: list[str]) -> tuple[float, float]:
    idents = {"approx_lots": "bd_approx_lots"}
    execute(db, create, idents=idents)
    try:
        (_, seconds), cpu = cpu_timed(lambda: timed(lambda: execute(
            db, "seed/fifo_approx.sql", idents=idents, all_wallets=0, wallets=wallets)))
        return seconds, cpu
    finally:
        execute(db, "seed/drop_fifo_approx.sql", idents=idents)


def breakdown(path: str, prefix: str, runs: int) -> dict:
    db = open_db(path)
    wallets = [r["wallet"] for r in query(db, "sql/select_ledger_wallets.sql") if r["wallet"].startswith("0x" + prefix)]
    variants = {**{k: (lambda v=v: _ours_once(db, v, prefix)) for k, v in OURS_VIEWS.items()},
                **{k: (lambda c=c: _approx_once(db, c, wallets)) for k, c in APPROX_TARGETS.items()}}
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in variants}
    for _ in range(runs):  # interleaved, so drift on a shared machine hits every variant alike
        for name, fn in variants.items():
            samples[name].append(fn())
    db.close()
    out = {}
    for name, pairs in samples.items():
        wall, cpu = [p[0] for p in pairs], [p[1] for p in pairs]
        out[name] = {"min_seconds": min(wall), "median_seconds": round(statistics.median(wall), 3),
                     "min_cpu_seconds": min(cpu), "median_cpu_seconds": round(statistics.median(cpu), 2),
                     "seconds": wall, "cpu_seconds": cpu}
    return {"shard": prefix, "shard_wallets": len(wallets), "runs": runs, "variants": out}


def main(argv: list[str] | None = None) -> int:
    p = base_parser(__doc__, "20000000", "generated fills (one size)")
    p.add_argument("--shard", default="3", help="one hex character")
    p.add_argument("--runs", type=int, default=5, help="runs of each variant (interleaved)")
    p.add_argument("--data", default=None, help="reuse this chDB directory (kept by bench_fifo.py --keep)")
    args = p.parse_args(argv)
    fills = parse_sizes(args.sizes)[0]
    if args.data and not (Path(args.data) / "metadata").is_dir():
        p.error(f"--data {args.data}: not a chDB directory kept by bench_fifo.py --keep")
    payload = {"benchmark": "fifo-breakdown", "machine": args.machine, "seed": args.seed, **environment()}
    if args.data:
        result = in_child(breakdown, args.data, args.shard, args.runs)
    else:
        with Scratch(args.tmp, f"fifo-breakdown-{fills}", args.keep) as path:
            stats = in_child(stages.generate_data, path, fills, args.seed)["stats"]
            in_child(stages.build_ledger, path, stats)
            result = in_child(breakdown, path, args.shard, args.runs)
    result.update({"data": args.data} if args.data else {"fills": fills})
    payload["results"] = [result]
    print(f"shard {args.shard} ({result['shard_wallets']} wallets), {args.runs} runs each:")
    print(f"  {'variant':42s} {'min s':>7s} {'median s':>9s} {'min CPU s':>10s} {'median CPU s':>13s}")
    for name, v in result["variants"].items():
        print(f"  {name:42s} {v['min_seconds']:7.3f} {v['median_seconds']:9.3f} {v['min_cpu_seconds']:10.2f} "
              f"{v['median_cpu_seconds']:13.2f}")
    print(f"results: {write_results('fifo-breakdown', args.machine, payload)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
