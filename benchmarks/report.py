"""Print the markdown tables of benchmarks/README.md from results JSON files (so the README copies exact numbers).

    python benchmarks/report.py benchmarks/results/20261121/2cpu-24gb-pipeline.json benchmarks/results/20261121/2cpu-24gb-fifo.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _n(x: float) -> str:
    return f"{x:,.0f}"


def pipeline(d: dict) -> list[str]:
    out = ["| raw rows | stage | ours s | seed s | ours/seed | ours raw rows/s | seed raw rows/s | ours peak RSS MB "
           "| seed peak RSS MB |", "|---|---|---|---|---|---|---|---|---|"]
    for r in d["results"]:
        s = r["stages"]
        for stage in ("staging", "ledger"):
            o, e = s[f"ours_{stage}"], s[f"seed_{stage}"]
            out.append(f"| {_n(r['raw_rows'])} | {stage} | {o['seconds']} | {e['seconds']} | "
                       f"{r['ratios_ours_over_seed'][stage]} | {_n(o['raw_rows_per_second'])} | "
                       f"{_n(e['raw_rows_per_second'])} | {o['peak_rss_mb']:.0f} | {e['peak_rss_mb']:.0f} |")
        total_o = round(s["ours_staging"]["seconds"] + s["ours_ledger"]["seconds"], 3)
        total_e = round(s["seed_staging"]["seconds"] + s["seed_ledger"]["seconds"], 3)
        out.append(f"| {_n(r['raw_rows'])} | **total** | {total_o} | {total_e} | {r['ratios_ours_over_seed']['total']} "
                   f"| {_n(r['raw_rows'] / total_o)} | {_n(r['raw_rows'] / total_e)} | | |")
    out += ["", "| raw rows | fills | generate s | ledger rows = expected | seed ledger identical |", "|---|---|---|---|---|"]
    for r in d["results"]:
        out.append(f"| {_n(r['raw_rows'])} | {_n(r['fills'])} | {r['generate']['seconds']} | "
                   f"{r['checks']['ledger_rows_as_expected']} | {r['checks']['seed_ledger_same_content']} |")
    out += ["", "Where our time goes (seconds per SQL file, summed over the day chunks):", ""]
    for r in d["results"]:
        for stage in ("ours_staging", "ours_ledger"):
            parts = ", ".join(f"{k} {v}" for k, v in list(r["stages"][stage]["per_statement_seconds"].items())[:6])
            out.append(f"- {_n(r['raw_rows'])} raw rows, {stage}: {parts}")
    return out


def fifo(d: dict) -> list[str]:
    out = ["| fills (ledger rows) | ours s | approx s | ours/approx | ours CPU s | approx CPU s | ours/approx CPU "
           "| ours fills/s | approx fills/s | batch fills/s "
           "| ours/batch fills/s | batch extrapolated s | ours peak RSS MB | approx peak RSS MB | leaderboard median ms |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in d["results"]:
        o, a, b, q = r["ours"], r["approx"], r["batches"], r["ratios"]
        out.append(f"| {_n(r['ledger_rows'])} | {o['seconds']} | {a['seconds']} | {q['ours_over_approx_time']} | "
                   f"{o['cpu_seconds']} | {a['cpu_seconds']} | {q['ours_over_approx_cpu']} | "
                   f"{_n(o['fills_per_second'])} | {_n(a['fills_per_second'])} | {_n(b['fills_per_second'])} | "
                   f"{q['ours_over_batch_fills_per_second']} | {b['extrapolated_seconds']} | {o['peak_rss_mb']:.0f} | "
                   f"{a['peak_rss_mb']:.0f} | {r['leaderboard']['median_ms']} |")
    out += ["", "| fills | wallets | positions | lots | batches sampled | median s/batch | in-run check violations "
            "| gate table check s | gate check violations |", "|---|---|---|---|---|---|---|---|---|"]
    for r in d["results"]:
        o, b = r["ours"], r["batches"]
        out.append(f"| {_n(r['ledger_rows'])} | {_n(b['wallets'])} | {_n(o['positions'])} | {_n(o['lots'])} | "
                   f"{b['sampled_batches']} x {b['batch_size']} | {b['median_batch_seconds']} | {o['violations'] or 0} "
                   f"| {o['gate_check_seconds']} | {o['gate_check_violations'] or 0} |")
    out += ["", "Where our FIFO time goes (seconds per SQL file over the 16 shards, summed over the "
            f"{d['results'][0]['ours']['concurrency']} threads):", ""]
    for r in d["results"]:
        parts = ", ".join(f"{k} {v}" for k, v in r["ours"]["per_statement_seconds"].items() if v >= 0.1)
        out.append(f"- {_n(r['ledger_rows'])} fills: {parts}")
    return out


def main(paths: list[str]) -> int:
    for p in paths:
        d = json.loads(Path(p).read_text())
        print(f"### {d['benchmark']} ({d['machine']}, chDB {d['chdb']}, started {d['started_at']}, "
              f"load average at start {d['load_average_at_start']})\n")
        print("\n".join(pipeline(d) if d["benchmark"] == "pipeline" else fifo(d)))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
