"""Transient ClickHouse faults in every stage of a full backfill, fail-fast on real errors, and kill-and-resume.

Faults come from tests/faults.py: the real chDB client, with chosen statements failing before they reach it.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("POLYLEDGER_RETRY_DELAY_SECONDS", "0.2")  # read when tasks.runs is imported

import pytest  # noqa: E402
from clickhouse_connect.driver.exceptions import DatabaseError  # noqa: E402

import faults  # noqa: E402
from flowdata import START, fills, load, open_database, resolve  # noqa: E402
from tasks import ledger, staging  # noqa: E402
from tasks.errors import QueryError  # noqa: E402
from tasks.partitions import Window  # noqa: E402
from tasks.registry import read  # noqa: E402
from tasks.settings import get_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DAYS = 3
END = (START + timedelta(days=DAYS - 1)).isoformat()
DAY2 = START + timedelta(days=1)


# How each stage's statement is recognised (tasks/sql/*.sql and the parameters bound to it): the staging insert, the
# ledger insert, the FIFO computation of a shard slice, the swap.
def is_staging_insert(sql: str, p: dict) -> bool:
    return "INSERT INTO" in sql and {"start", "end", "min_time"} <= set(p)


def is_ledger_insert(sql: str, p: dict) -> bool:
    return "INSERT INTO" in sql and "reason = ''" in sql


def is_fifo_compute(sql: str, p: dict) -> bool:
    return "INSERT INTO" in sql and {"prefix", "parts", "part"} <= set(p)


SWAP = "REPLACE PARTITION"
TRANSIENT = (faults.connection_drop, faults.timeout, faults.memory_limit)


def unknown_table() -> Exception:
    return DatabaseError("Code: 60. DB::Exception: Unknown table expression identifier 'polymarket.x'. "
                         "(UNKNOWN_TABLE)")


# -- fixtures ---------------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    """Keep the configured number of retries, but back off in milliseconds (whatever imported tasks.runs first)."""
    from tasks import runs

    for t in (runs.stage_days, runs.build_ledger_days, runs.fifo_shard_task, runs.reject_out_of_range,
              runs.stage_next):
        monkeypatch.setattr(t, "retry_delay_seconds", [0.05, 0.1, 0.2])
    yield


def load_data(db) -> None:
    load(db, fills(DAYS, seed=3, per_day=40))
    resolve(db, 0, "[1,0]", datetime_at(1, 12))  # one market resolved: resolved lots and payouts are compared too


def datetime_at(day: int, hour: int):
    from datetime import datetime

    return datetime.combine(START + timedelta(days=day), datetime.min.time()) + timedelta(hours=hour)


def published(db) -> tuple[list[tuple], list[tuple]]:
    lots = db.sql(f"SELECT * FROM {db.table('lots_view')} "
                  "ORDER BY wallet, condition_id, outcome_index, lot_id, is_maker, entry_time")
    pos = db.sql(f"SELECT * FROM {db.table('positions_published')} ORDER BY wallet, condition_id, outcome_index")
    return lots, pos


def load_kill_resume():
    """benchmarks/kill_resume.py as a module (it has no package): its snapshot() and chain() are used here."""
    name = "kill_resume_bench"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "kill_resume.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


@pytest.fixture(scope="module")
def clean_run(prefect_api, chdb_dir):
    """An uninterrupted full backfill of the same data on its own database: published lots and positions, and
    kill_resume.snapshot() of it (hashes of every output table, integrity counts)."""
    from flows.backfill import full_backfill

    with pytest.MonkeyPatch.context() as mp:
        db = open_database(mp, chdb_dir, "clean")
        load_data(db)
        full_backfill(start=START.isoformat(), end=END)
        result = published(db), load_kill_resume().snapshot(db)
        db.close()
    get_settings.cache_clear()
    (lots, positions), snap = result
    assert lots and positions and any(p[11] == "resolved" for p in positions)
    assert not any(snap["integrity"].values()), snap["integrity"]
    return result


# -- several fault budgets at once ----------------------------------------------------------------------------
class Cycling(faults.Budget):
    """A budget that raises the given errors in turn: one statement can see a drop, then a timeout, then OOM."""

    def __init__(self, needle, errors, times: int):
        super().__init__(needle, errors[0](), times)
        self._errors = itertools.cycle(errors)
        self.kinds: dict[str, int] = {}

    def check(self, sql: str, params: dict | None) -> None:
        with self._lock:
            if not (self.left and self.match(sql, params or {})):
                return
            self.left -= 1
            self.injected += 1
            make = next(self._errors)
            self.kinds[make.__name__] = self.kinds.get(make.__name__, 0) + 1
            raise make()


def install_many(monkeypatch, budgets: list[faults.Budget]) -> None:
    """Like faults.install, with several budgets: every client a task opens passes each of them in turn."""
    import tasks.clickhouse as ch

    real = ch.get_client

    def faulty(settings=None):
        db = real(settings)
        for b in budgets:
            db.client = faults.FaultyClient(db.client, b)
        return db

    monkeypatch.setattr("tasks.runs.get_client", faulty)


# -- 1. transient faults: retried, and the result is exactly the clean one ------------------------------------
# Each stage's statement fails 3 times, cycling through a dropped connection, a timeout and a memory-limit error;
# the swap (REPLACE PARTITION, in every staging, ledger, out-of-range and FIFO task) fails 3 more times.
FAULT_PLAN = [
    ("staging insert", is_staging_insert, TRANSIENT, 3),
    ("ledger insert", is_ledger_insert, TRANSIENT[1:] + TRANSIENT[:1], 3),
    ("fifo state insert", is_fifo_compute, TRANSIENT[2:] + TRANSIENT[:2], 3),
    ("swap", SWAP, TRANSIENT, 3),
]


def test_transient_faults_in_every_stage_are_retried_and_publish_exactly_the_clean_result(pipeline_db, monkeypatch,
                                                                                         clean_run):
    from flows.backfill import full_backfill
    from tasks import runs

    # One task can meet its stage's 3 faults and the swap's 3: allow 6 retries (POLYLEDGER_RETRIES=6).
    for t in (runs.stage_days, runs.build_ledger_days, runs.fifo_shard_task, runs.reject_out_of_range):
        monkeypatch.setattr(t, "retries", 6)
    load_data(pipeline_db)
    budgets = [Cycling(needle, errors, times) for _, needle, errors, times in FAULT_PLAN]
    install_many(monkeypatch, budgets)
    state = full_backfill(start=START.isoformat(), end=END, return_state=True)
    assert state.is_completed(), state.message
    for (what, _, errors, times), b in zip(FAULT_PLAN, budgets):
        assert b.injected == times, what  # every fault was really injected ...
        assert sorted(b.kinds) == sorted(e.__name__ for e in errors), what  # ... of every transient kind
    assert published(pipeline_db) == clean_run[0]  # ... and the outcome is bit-for-bit the clean run's
    assert load_kill_resume().snapshot(pipeline_db) == clean_run[1]  # every intermediate table too
    assert {r["status"] for r in read(pipeline_db)} == {"done"}


def test_with_the_configured_retries_a_task_that_keeps_failing_transiently_fails_after_its_last_retry(
        pipeline_db, monkeypatch):
    from flows.backfill import staging_backfill

    load_data(pipeline_db)
    retries = get_settings().pipeline.retries
    budget = faults.install(monkeypatch, lambda sql, p: is_staging_insert(sql, p) and p["start"].date() == DAY2,
                            faults.memory_limit(), times=100)
    state = staging_backfill(START.isoformat(), END, return_state=True)
    assert state.is_failed() and budget.injected == retries + 1
    with pytest.raises(QueryError, match=f"^stage {DAY2}: Code: 241"):
        state.result()
    status = {r["partition"]: r["status"] for r in read(pipeline_db, "staging")}
    assert status.pop(DAY2.isoformat()) == "failed" and set(status.values()) == {"done"}


# -- non-transient errors: one attempt, purpose and partition in the message ----------------------------------
def test_a_syntax_error_while_staging_fails_fast_naming_the_day(pipeline_db, monkeypatch):
    from flows.backfill import full_backfill

    load_data(pipeline_db)
    budget = faults.install(monkeypatch, lambda sql, p: is_staging_insert(sql, p) and p["start"].date() == DAY2,
                            faults.syntax_error(), times=5)
    state = full_backfill(start=START.isoformat(), end=END, return_state=True)
    assert state.is_failed()
    assert budget.injected == 1  # not retried
    with pytest.raises(QueryError, match=f"^stage {DAY2}: Code: 62") as err:
        state.result()
    assert err.value.transient is False and err.value.code == 62
    status = {r["partition"]: r for r in read(pipeline_db, "staging")}
    assert status[DAY2.isoformat()]["status"] == "failed" and "Syntax error" in status[DAY2.isoformat()]["error"]
    assert read(pipeline_db, "ledger") == []  # the backfill stopped at the failed stage
    assert published(pipeline_db) == ([], [])


def test_an_unknown_table_in_one_fifo_shard_fails_fast_naming_the_shard_and_publishes_nothing(pipeline_db, monkeypatch):
    from flows.backfill import full_backfill

    load_data(pipeline_db)
    window = Window.now()
    for i in range(DAYS):  # staging and ledger without Prefect: this test is about the FIFO stage
        a = START + timedelta(days=i)
        staging.stage_chunk(pipeline_db, a, a + timedelta(days=1), window)
        ledger.build_chunk(pipeline_db, a, a + timedelta(days=1), window)
    budget = faults.install(monkeypatch, lambda sql, p: is_fifo_compute(sql, p) and p["prefix"] == "0x3",
                            unknown_table(), times=5)
    state = full_backfill(start=START.isoformat(), end=END, stages=["fifo"], return_state=True)
    assert state.is_failed()
    assert budget.injected == 1
    with pytest.raises(QueryError, match=r"^fifo 3 (\w+ )?slice 0/1: Code: 60") as err:
        state.result()
    assert err.value.transient is False
    fifo = {r["partition"]: r["status"] for r in read(pipeline_db, "fifo")}
    assert fifo.pop("3") == "failed" and set(fifo.values()) == {"done"} and len(fifo) == 15  # siblings finished
    assert published(pipeline_db) == ([], [])  # validate-and-publish never ran


# -- the publication swap -------------------------------------------------------------------------------------
def build_directly(db) -> None:
    """Staging, ledger and FIFO of every day and shard through tasks.steps (registry rows too), no Prefect."""
    from tasks import steps
    from tasks.partitions import all_shards

    window = Window.now()
    for i in range(DAYS):
        a = START + timedelta(days=i)
        steps.staging_step(db, a, a + timedelta(days=1), window)
    steps.out_of_range_step(db, window)
    for i in range(DAYS):
        a = START + timedelta(days=i)
        steps.ledger_step(db, a, a + timedelta(days=1), window)
    for prefix in all_shards(1):
        steps.fifo_step(db, prefix)


def test_a_connection_drop_during_the_publication_swap_never_mixes_two_versions(pipeline_db, monkeypatch):
    """SPEC 5: the published view is switched atomically. Readers must see the old lots and positions or the new
    ones, never new lots beside old positions."""
    from flows.publish import validate_and_publish
    from tasks.ingest import RAW_COLUMNS
    from tasks.publish import stage_next, swap_next_in

    load_data(pipeline_db)
    build_directly(pipeline_db)
    stage_next(pipeline_db)
    swap_next_in(pipeline_db)
    old = published(pipeline_db)
    late = [(f"late-{i}",) + r[1:] for i, r in enumerate(fills(1, seed=77)[:6])]  # new fills on day 1
    pipeline_db.insert("raw", late, RAW_COLUMNS)
    build_directly(pipeline_db)
    budget = faults.install(monkeypatch, lambda sql, p: sql.lstrip().startswith(("EXCHANGE", "-- Atomically"))
                            and "positions_published" in sql, faults.connection_drop(), times=1)
    state = validate_and_publish(return_state=True)
    assert budget.injected == 1
    lots, positions = published(pipeline_db)
    changed = {"lots": lots != old[0], "positions": positions != old[1]}
    assert len(set(changed.values())) == 1, f"publication {state.type.value}; changed: {changed}"


# -- resume trusts the cache only for outputs that exist ----------------------------------------------------------
def test_a_rerun_after_the_database_was_recreated_recomputes_instead_of_trusting_the_cache(pipeline_db):
    """`polyledger demo` drops and recreates its database and regenerates the same data; a backfill on a second
    directory with the same data and database name looks the same to the cache key. The shard must be recomputed:
    its output is gone."""
    from flows.backfill import fifo_backfill

    def ledger_only() -> None:
        load_data(pipeline_db)
        window = Window.now()
        for i in range(DAYS):
            a = START + timedelta(days=i)
            staging.stage_chunk(pipeline_db, a, a + timedelta(days=1), window)
            ledger.build_chunk(pipeline_db, a, a + timedelta(days=1), window)

    def positions() -> int:
        return pipeline_db.sql(f"SELECT count() FROM {pipeline_db.table('positions')} WHERE startsWith(wallet, '0x3')")[0][0]

    ledger_only()
    fifo_backfill(shards=["3"])
    assert positions() > 0
    pipeline_db.run("drop_database")
    from tasks.schema import init_schema
    init_schema(pipeline_db)
    ledger_only()
    fifo_backfill(shards=["3"])
    assert positions() > 0, "shard 3 was served from the cache of the dropped database: no positions"


# -- 2. kill and resume (the small version of benchmarks/kill_resume.py) -----------------------------------------
def test_a_backfill_killed_in_the_ledger_stage_and_again_in_fifo_resumes_to_the_uninterrupted_result(
        local_prefect_server, clean_run, tmp_path):
    """The CLI in subprocesses on their own directory and Prefect home: SIGKILL (process group) during the ledger
    stage, rerun, SIGKILL during FIFO, rerun to the end. Every table equals the uninterrupted run's."""
    kr = load_kill_resume()
    spec = kr.data_spec("flowdata", 0, DAYS, 3, "")
    assert (spec["start"], spec["end"]) == (START.isoformat(), END)
    # workers=1: one task at a time (PREFECT_TASKS_RUNNER_THREAD_POOL_MAX_WORKERS), see docs/reliability.md
    out = kr.chain(tmp_path / "killed", local_prefect_server.api_url, spec, ["ledger:1+0.3", "fifo:4+0.3"],
                   workers=1, log=print)
    assert [k["killed"] for k in out["kills"]] == [True, True], out["kills"]
    assert "ledger-rebuild" in out["kills"][0]["running"] and "fifo-backfill" in out["kills"][1]["running"]
    assert out["resume_rc"] == 0, out["resume_tail"]
    reference = clean_run[1]
    got = out["snapshot"]
    assert got["integrity"] == {k: 0 for k in reference["integrity"]}
    assert got["hashes"] == reference["hashes"]

