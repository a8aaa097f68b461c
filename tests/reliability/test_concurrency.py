"""Load: partitions computed from concurrent threads against one embedded directory equal a serial run, and the
one-process-per-directory limit is a clear error for a second process, never for threads of the same process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from flowdata import START, fills, load, resolve
from tasks import fifo, ledger, staging
from tasks.partitions import Window, all_shards

ROOT = Path(__file__).resolve().parents[2]
DAYS = 3


def outputs(db) -> dict[str, list[tuple]]:
    return {key: db.sql(f"SELECT * FROM {db.table(key)} ORDER BY {order}") for key, order in (
        ("staging", "day, event_id, trader_wallet, role, version"),
        ("ledger", "wallet, event_id, role"),
        ("rejected", "day, event_id, trader_wallet, role"),
        ("lots", "wallet, condition_id, outcome_index, lot_id, is_maker"),
        ("positions", "wallet, condition_id, outcome_index"))}


def loaded(make_db, prefix: str):
    from datetime import datetime

    db = make_db(prefix)
    load(db, fills(DAYS, seed=21, per_day=60))
    resolve(db, 1, "[0,1]", datetime.combine(START + timedelta(days=1), datetime.min.time()))
    return db


def test_concurrent_threads_with_a_client_each_give_the_serial_result(make_db):
    """Staging and ledger days, then FIFO shards (with two shards rebuilt twice at the same time), each from a thread
    with its own client on the same database, equal the serial run on another database."""
    from tasks.clickhouse import get_client

    window = Window.now()
    days = [START + timedelta(days=i) for i in range(DAYS)]

    serial = loaded(make_db, "serial")
    for d in days:
        staging.stage_chunk(serial, d, d + timedelta(days=1), window)
        ledger.build_chunk(serial, d, d + timedelta(days=1), window)
    for p in all_shards(1):
        fifo.run_shard(serial, p)
    expected = outputs(serial)
    assert expected["lots"] and expected["positions"] and expected["rejected"] == []

    threaded = loaded(make_db, "threads")

    def own_client(work):
        def run(arg):
            with get_client(threaded.settings) as db:  # one client per thread, like each Prefect task
                return work(db, arg)
        return run

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(own_client(lambda db, d: staging.stage_chunk(db, d, d + timedelta(days=1), window)), days))
        list(pool.map(own_client(lambda db, d: ledger.build_chunk(db, d, d + timedelta(days=1), window)), days))
        shards = all_shards(1) + ["3", "a"]  # shards 3 and a twice: two threads swap the same partitions
        outs = list(pool.map(own_client(fifo.run_shard), shards))
    assert all(not any(o.violations.values()) for o in outs)
    assert outputs(threaded) == expected


# -- the one-process-per-directory limit ------------------------------------------------------------------------------
HOLDER = r"""
import json, os, sys, threading
from tasks.clickhouse import get_client
from tasks.schema import init_schema
from tasks.partitions import all_shards
from tasks import fifo
held = get_client()                 # this process owns the directory from here on
init_schema(held)
print("ready", flush=True)
sys.stdin.readline()                # the test runs its second process now
errors = []
def shard(prefix):
    try:
        with get_client() as db:    # and threads open clients of their own, as Prefect tasks do
            fifo.run_shard(db, prefix)
    except Exception as exc:
        errors.append(f"{prefix}: {exc}")
threads = [threading.Thread(target=shard, args=(p,)) for p in all_shards(1)]
[t.start() for t in threads]; [t.join() for t in threads]
held.close()
print(json.dumps({"pid": os.getpid(), "errors": errors}), flush=True)
"""


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLYLEDGER_", "PREFECT_"))}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def test_a_second_process_gets_one_clear_error_while_the_owners_threads_keep_working(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], cwd=tmp_path, env=cli_env(), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready", holder.stderr.read()
        second = subprocess.run([sys.executable, "-m", "flows.cli", "status"], cwd=tmp_path, capture_output=True,
                                text=True, timeout=120, env=cli_env(POLYLEDGER_CHDB_LOCK_WAIT_SECONDS="1"))
        holder.stdin.write("go\n")
        holder.stdin.flush()
        out, err = holder.communicate(timeout=120)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert second.returncode == 1 and len(lines) == 1 and "Traceback" not in second.stderr, second.stderr
    assert f"is in use by process {holder.pid}" in lines[0] and "one process per directory" in lines[0]
    result = json.loads(out.strip().splitlines()[-1])
    assert result == {"pid": holder.pid, "errors": []}, err[-2000:]


# Threads of one process that each open and close their own client, with no client held in between: what every
# CLI flow run does (each Prefect task opens one). None of them is "another process".
THREADS = r"""
import json, os, threading
from tasks.clickhouse import get_client
errors, opened = [], [0]
def work():
    for _ in range(50):
        if errors:
            return
        try:
            with get_client() as db:
                db.sql("SELECT count() FROM system.one")
            opened[0] += 1
        except Exception as exc:
            errors.append(str(exc))
threads = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
print(json.dumps({"pid": os.getpid(), "opened": opened[0], "errors": errors[:1]}), flush=True)
"""


def test_threads_of_one_process_opening_their_own_clients_never_see_the_directory_as_in_use(tmp_path):
    p = subprocess.run([sys.executable, "-c", THREADS], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                       env=cli_env(POLYLEDGER_CHDB_LOCK_WAIT_SECONDS="2"))
    assert p.returncode == 0, p.stderr[-2000:]
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert result["errors"] == [] and result["opened"] == 200, result


def test_scratch_tables_a_killed_task_left_behind_are_swept_and_nothing_else(make_db):
    """A SIGKILL skips a task's cleanup: its scratch tables (and a FIFO run's views) stay. init and every backfill
    or nightly run drop those older than POLYLEDGER_SCRATCH_TTL_HOURS, views first."""
    from tasks.schema import sweep_scratch

    db = make_db("sweep")
    state, positions, view = db.scratch("fifo_state"), db.scratch("positions"), db.scratch("fifo_view")
    db.run("create_fifo_state", idents={"state": state})
    db.run("create_scratch_like", idents={"scratch": positions, "target": "positions"})
    db.run("create_fifo_positions_view", idents={"view": view, "state": state, "positions": positions})
    tables = lambda: {r[0] for r in db.sql("SELECT name FROM system.tables WHERE database = {d:String}",  # noqa: E731
                                           d=db.database)}
    before = tables()
    assert {state, positions, view} <= before

    assert sweep_scratch(db) == []  # younger than the 24 h default: a running task may still use them
    assert tables() == before
    db.settings.pipeline.scratch_ttl_hours = 0
    swept = sweep_scratch(db)
    assert swept[0] == view and set(swept) == {state, positions, view}
    assert tables() == before - {state, positions, view}  # every configured table and view is still there
