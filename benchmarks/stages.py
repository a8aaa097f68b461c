"""The timed stages of both benchmarks; each runs in its own process (see common.in_child) and returns a dict."""

from __future__ import annotations

import queue
import random
import statistics
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from common import cpu_timed, execute, open_db, query, timed



class Profile:
    """Time every db.run/db.rows by SQL file name (wraps the instance's methods; tasks/ is untouched)."""

    def __init__(self, db) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        db.run, db.rows = self._wrap(db.run), self._wrap(db.rows)

    def _wrap(self, method):
        def wrapper(name, *args, **kwargs):
            t = time.perf_counter()
            try:
                return method(name, *args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t
                self.calls[name] += 1
        return wrapper

    def report(self) -> dict:
        order = sorted(self.seconds.items(), key=lambda kv: -kv[1])
        return {"per_statement_seconds": {k: round(v, 3) for k, v in order},
                "per_statement_calls": {k: self.calls[k] for k, _ in order}}


# ---------------------------------------------------------------------------------------------------------- data


def generate_data(path: str, fills: int, seed: int) -> dict:
    """Generate `fills` fills into a fresh database (timed)."""
    from tasks.generate import generate

    db = open_db(path)
    stats, seconds = timed(lambda: generate(db, fills=fills, seed=seed))
    version = db.sql("SELECT version()")[0][0]
    db.close()
    return {"seconds": seconds, "stats": stats, "clickhouse": version,
            "raw_rows_per_second": round(stats["raw_rows"] / seconds)}


def _days(stats: dict) -> list[tuple[date, date]]:
    from tasks.partitions import day_chunks

    return day_chunks(date.fromisoformat(stats["first_day"]), date.fromisoformat(stats["last_day"]), 1)


# ------------------------------------------------------------------------------------------------------ pipeline


def ours_staging(path: str, stats: dict) -> dict:
    """Our staging as staging_backfill runs it: every day chunk through tasks.staging.stage_chunk, then the
    cross-day resolution of a fill's versions, then the out-of-range rejects."""
    from tasks.partitions import Window
    from tasks.staging import reject_out_of_range, resolve_cross_day, stage_chunk

    db, window = open_db(path), Window.now()
    profile = Profile(db)

    def run() -> int:
        staged = sum(stage_chunk(db, a, b, window).rows_out for a, b in _days(stats))
        resolve_cross_day(db, window)
        reject_out_of_range(db, window)
        return staged

    staged, seconds = timed(run)
    db.close()
    return {"seconds": seconds, "rows_out": staged, **profile.report()}


def ours_ledger(path: str, stats: dict) -> dict:
    """Our ledger: every day chunk through tasks.ledger.build_chunk."""
    from tasks.ledger import build_chunk
    from tasks.partitions import Window

    db, window = open_db(path), Window.now()
    profile = Profile(db)

    def run() -> tuple[int, dict]:
        rows, reasons = 0, defaultdict(int)
        for a, b in _days(stats):
            out = build_chunk(db, a, b, window)
            rows += out.rows_out
            for k, v in out.rejected_by_reason.items():
                reasons[k] += v
        return rows, dict(reasons)

    (rows, reasons), seconds = timed(run)
    db.close()
    return {"seconds": seconds, "rows_out": rows, "rejected_by_reason": reasons, **profile.report()}


def seed_staging(path: str, stats: dict) -> dict:
    """The seed's staging: one INSERT ... SELECT * FROM raw WHERE day per calendar day into a ReplacingMergeTree."""
    db = open_db(path)
    first, last = date.fromisoformat(stats["first_day"]), date.fromisoformat(stats["last_day"])

    def run() -> None:
        execute(db, "seed/create_seed_staging.sql", idents={"seed_staging": "seed_staging"})
        day = first
        while day <= last:
            execute(db, "seed/insert_seed_staging_day.sql", idents={"seed_staging": "seed_staging"}, day=day)
            day += timedelta(days=1)

    _, seconds = timed(run)
    rows = query(db, "sql/select_table_rows.sql", idents={"table": "seed_staging"})[0]["n"]
    db.close()
    return {"seconds": seconds, "rows_out": int(rows)}


def seed_ledger(path: str, stats: dict) -> dict:
    """The seed's ledger: one independent GROUP BY (argMax) dedupe of its staging table, validated like ours."""
    from tasks.partitions import Window

    db, window = open_db(path), Window.now()

    def run() -> None:
        execute(db, "seed/create_seed_ledger.sql", idents={"seed_ledger": "seed_ledger"})
        execute(db, "seed/insert_seed_ledger.sql", idents={"seed_ledger": "seed_ledger", "seed_staging": "seed_staging"},
                **window.params())

    _, seconds = timed(run)
    agree = query(db, "sql/select_ledger_agreement.sql", idents={"seed_ledger": "seed_ledger"})[0]
    db.close()
    return {"seconds": seconds, "rows_out": int(agree["seed_rows"]),
            "agreement": {k: int(v) for k, v in agree.items()}}


# ---------------------------------------------------------------------------------------------------------- fifo


def build_ledger(path: str, stats: dict) -> dict:
    """Setup for the FIFO benchmark: staging and ledger, our way (timed, for the record)."""
    staged = ours_staging(path, stats)
    built = ours_ledger(path, stats)
    return {"staging_seconds": staged["seconds"], "ledger_seconds": built["seconds"], "ledger_rows": built["rows_out"]}


def ours_fifo(path: str, concurrency: int) -> dict:
    """Our exact FIFO as fifo_backfill runs it locally: tasks.fifo.run_shard over the 16 one-character shards,
    `concurrency` at a time, each running shard on its own client; every statement timed (summed over threads).
    The clients are opened before the clock starts, as approx_fifo's is (the first one in a process starts the
    embedded engine, which is not FIFO work; that time is recorded as client_open_seconds). Then, timed apart,
    the table-level check the publication gate runs over every written lot and position."""
    from tasks.fifo import check_tables, run_shard
    from tasks.partitions import all_shards

    per_shard: dict[str, float] = {}
    opened, open_seconds = timed(lambda: [open_db(path) for _ in range(concurrency)])
    profiles = [Profile(db) for db in opened]
    free: queue.SimpleQueue = queue.SimpleQueue()
    for db in opened:
        free.put(db)

    def shard(prefix: str):
        db = free.get()  # never empty: at most `concurrency` shards run at once
        try:
            out, per_shard[prefix] = timed(lambda: run_shard(db, prefix))
        finally:
            free.put(db)
        return out

    def run() -> list:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(shard, all_shards(1)))

    (outs, seconds), cpu = cpu_timed(lambda: timed(run))
    for db in opened:
        db.close()
    violations: dict[str, int] = defaultdict(int)
    for out in outs:
        for k, v in out.violations.items():
            violations[k] += v
    db = open_db(path)
    gate, gate_seconds = timed(lambda: check_tables(db, ""))
    db.close()
    report: dict = {"per_statement_seconds": defaultdict(float), "per_statement_calls": defaultdict(int)}
    for p in profiles:
        for key, values in p.report().items():
            for name, v in values.items():
                report[key][name] += v
    order = sorted(report["per_statement_seconds"], key=lambda k: -report["per_statement_seconds"][k])
    return {"seconds": seconds, "cpu_seconds": cpu, "concurrency": concurrency, "client_open_seconds": open_seconds,
            "ledger_rows": sum(o.rows_in for o in outs), "lots": sum(o.counts.get("lots", 0) for o in outs),
            "positions": sum(o.rows_out for o in outs), "violations": {k: v for k, v in violations.items() if v},
            "gate_check_seconds": gate_seconds, "gate_check_violations": {k: v for k, v in gate.items() if v},
            "per_statement_seconds": {k: round(report["per_statement_seconds"][k], 3) for k in order},
            "per_statement_calls": {k: report["per_statement_calls"][k] for k in order},
            "per_shard_seconds": per_shard}


def approx_fifo(path: str) -> dict:
    """The seed's approximate SQL over every wallet in one statement, into a scratch table."""
    db = open_db(path)
    idents = {"approx_lots": "approx_lots"}
    execute(db, "seed/create_fifo_approx.sql", idents=idents)
    (_, seconds), cpu = cpu_timed(lambda: timed(
        lambda: execute(db, "seed/fifo_approx.sql", idents=idents, all_wallets=1, wallets=[])))
    agree = query(db, "sql/select_fifo_agreement.sql", idents=idents)[0]
    execute(db, "seed/drop_fifo_approx.sql", idents=idents)
    db.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "lots": int(agree["approx_lots"]),
            "agreement_with_exact": {k: round(float(v), 2) for k, v in agree.items()}}


def batch_fifo(path: str, batches: int, batch_size: int, sample_seed: int) -> dict:
    """The seed's 100-wallet batches: the approximate SQL with an IN-list, on a random sample of batches."""
    db = open_db(path)
    idents = {"approx_lots": "approx_batches"}
    execute(db, "seed/create_fifo_approx.sql", idents=idents)
    wallets = query(db, "sql/select_ledger_wallets.sql")
    rng = random.Random(sample_seed)
    order = rng.sample(range(len(wallets)), len(wallets))
    sample = [order[i * batch_size:(i + 1) * batch_size] for i in range(batches)]
    sample = [b for b in sample if b]
    times, fills = [], []
    for batch in sample:
        names = [wallets[i]["wallet"] for i in batch]
        _, seconds = timed(lambda: execute(db, "seed/fifo_approx.sql", idents=idents, all_wallets=0, wallets=names))
        times.append(seconds)
        fills.append(sum(int(wallets[i]["fills"]) for i in batch))
    execute(db, "seed/drop_fifo_approx.sql", idents=idents)
    db.close()
    total_wallets, total_fills = len(wallets), sum(int(w["fills"]) for w in wallets)
    n_batches = -(-total_wallets // batch_size)
    rate = sum(fills) / sum(times)
    return {"sampled_batches": len(sample), "batch_size": batch_size, "wallets": total_wallets,
            "batches_for_all_wallets": n_batches, "batch_seconds": times, "batch_fills": fills,
            "median_batch_seconds": round(statistics.median(times), 3),
            "fills_per_second": round(rate),
            # two extrapolations: per batch (what a wallet-batched backfill pays) and per fill
            "extrapolated_seconds": round(statistics.mean(times) * n_batches, 1),
            "extrapolated_seconds_by_fills": round(total_fills / rate, 1)}


def leaderboard(path: str, runs: int) -> dict:
    """Publish (stage_next + swap_next_in), then the leaderboard top-100 query `runs` times."""
    from tasks.publish import stage_next, swap_next_in

    db = open_db(path)
    _, publish_seconds = timed(lambda: (stage_next(db), swap_next_in(db)))
    latencies, top = [], []
    for _ in range(runs):
        top, seconds = timed(lambda: query(db, "sql/select_leaderboard_top100.sql"))
        latencies.append(round(seconds * 1000, 1))
    db.close()
    return {"publish_seconds": publish_seconds, "latencies_ms": latencies,
            "median_ms": statistics.median(latencies), "rows": len(top),
            "top_wallet": {k: (round(v, 2) if isinstance(v, float) else v) for k, v in top[0].items()} if top else {}}
