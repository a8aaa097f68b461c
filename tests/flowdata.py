"""Small deterministic raw data for flow tests: a few wallets trading a few markets over N days."""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta

from tasks.ingest import RAW_COLUMNS

START = date(2025, 6, 1)


def open_database(monkeypatch, chdb_dir, prefix: str):
    """Point the flows (which read settings from the environment) at a fresh database on the session chDB."""
    import uuid

    from tasks.clickhouse import get_client
    from tasks.schema import init_schema
    from tasks.settings import get_settings

    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_URL", f"chdb://{chdb_dir}")
    monkeypatch.setenv("POLYLEDGER_DATABASE", f"{prefix}_{uuid.uuid4().hex[:8]}")
    get_settings.cache_clear()
    db = get_client()
    init_schema(db)
    return db


def condition(i: int) -> str:
    return "0x" + f"{i:064x}"


def wallet(i: int) -> str:
    """Wallets spread over every hex shard."""
    return "0x" + hashlib.sha1(f"wallet-{i}".encode()).hexdigest()


def token(cond: int, outcome: int) -> str:
    return str(1000 + cond * 2 + outcome)


def token_map(n_conditions: int) -> list[tuple]:
    return [(token(c, o), condition(c), o) for c in range(n_conditions) for o in (0, 1)]


def fills(days: int, *, seed: int = 1, per_day: int = 40, n_wallets: int = 25, n_conditions: int = 4) -> list[tuple]:
    """Raw rows: buys and sells at prices in (0, 1), some re-ingested duplicates, some deleted."""
    rng = random.Random(seed)
    rows = []
    for d in range(days):
        day = START + timedelta(days=d)
        for i in range(per_day):
            w, c, o = wallet(rng.randrange(n_wallets)), rng.randrange(n_conditions), rng.randrange(2)
            tokens = rng.randrange(1, 50) * 100_000
            usdc = tokens * rng.randrange(5, 95) // 100
            t = datetime.combine(day, datetime.min.time()) + timedelta(seconds=rng.randrange(86_400))
            side = "buy" if rng.random() < 0.6 else "sell"
            row = (f"f{d}-{i}", w, rng.choice(["maker", "taker"]), side, token(c, o), usdc, tokens,
                   rng.choice([0, 0, 0, 1_000]), t, "0xtx", 1, 0, t)
            rows.append(row)
            if rng.random() < 0.2:  # re-ingested later
                rows.append(row[:-1] + (t + timedelta(hours=1),))
            if rng.random() < 0.03:  # deleted later
                rows.append(row[:11] + (1, t + timedelta(hours=2)))
    return rows


def load(db, rows: list[tuple], n_conditions: int = 4) -> None:
    db.insert("token_map", token_map(n_conditions), ["token_id", "condition_id", "outcome_index"])
    db.insert("raw", rows, RAW_COLUMNS)


def resolve(db, cond: int, payout: str, when: datetime) -> None:
    db.insert("resolutions", [(condition(cond), payout, when)], ["condition_id", "payout_numerators", "resolved_at"])


def task_runs(flow_run_id) -> dict[str, list[str]]:
    """Task run name -> state names, for every task run under a flow run (subflows included)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId, TaskRunFilter, \
        TaskRunFilterFlowRunId
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def fetch():
        async with get_client() as client:
            ids = [flow_run_id]
            frontier = [flow_run_id]
            while frontier:
                children = await client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=frontier)))
                frontier = [c.id for c in children]
                ids += frontier
            runs = await client.read_task_runs(task_run_filter=TaskRunFilter(
                flow_run_id=TaskRunFilterFlowRunId(any_=ids)), limit=200)
            out: dict[str, list[str]] = {}
            for r in runs:
                out.setdefault(r.name, []).append(r.state.name if r.state else "?")
            return out

    return run_coro_as_sync(fetch())
