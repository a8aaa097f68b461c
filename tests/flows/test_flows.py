"""Prefect flows on a real Prefect server and real chDB: caching, change detection, retries, resume."""

from __future__ import annotations

from datetime import timedelta

import pytest

import faults
from flowdata import START, fills, load, task_runs, wallet
from flows.backfill import ledger_rebuild, staging_backfill
from tasks.ingest import RAW_COLUMNS
from tasks.registry import read

DAYS = 4
END = (START + timedelta(days=DAYS - 1)).isoformat()
DAY_NAMES = [f"stage {START + timedelta(days=i)}" for i in range(DAYS)]


def live_fills(rows: list[tuple]) -> int:
    """Identities whose latest version (by insert_time) is not deleted."""
    latest: dict[tuple, tuple] = {}
    for r in rows:
        key = (r[0], r[1], r[2])
        if key not in latest or r[12] > latest[key][12]:
            latest[key] = r
    return sum(1 for r in latest.values() if not r[11])


def runs_of(state) -> dict[str, list[str]]:
    return task_runs(state.state_details.flow_run_id)


def staged(runs: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: v for k, v in runs.items() if k.startswith("stage 2")}


def test_a_rerun_after_success_does_no_work_and_a_changed_day_is_recomputed(pipeline_db):
    load(pipeline_db, fills(DAYS))
    first = staging_backfill(START.isoformat(), END, return_state=True)
    assert first.is_completed()
    assert staged(runs_of(first)) == {n: ["Completed"] for n in DAY_NAMES}
    ledger_rebuild(START.isoformat(), END)

    again = staging_backfill(START.isoformat(), END, return_state=True)
    assert staged(runs_of(again)) == {n: ["Cached"] for n in DAY_NAMES}

    # a late fill on day 3 changes that day's raw fingerprint: only day 3 recomputes
    late = fills(1, seed=99)[0]
    day3 = START + timedelta(days=2)
    late = (late[0] + "-late", wallet(3)) + late[2:8] + (late[8].replace(day=day3.day),) + late[9:]
    pipeline_db.insert("raw", [late], RAW_COLUMNS)
    third = staging_backfill(START.isoformat(), END, return_state=True)
    got = staged(runs_of(third))
    assert got.pop(f"stage {day3}") == ["Completed"]
    assert got == {n: ["Cached"] for n in DAY_NAMES if n != f"stage {day3}"}


@pytest.mark.parametrize("error", [faults.connection_drop, faults.timeout, faults.memory_limit])
def test_transient_clickhouse_errors_are_retried_and_the_run_completes(pipeline_db, monkeypatch, error):
    load(pipeline_db, fills(2))
    budget = faults.install(monkeypatch, "INSERT INTO", error(), times=2)
    state = staging_backfill(START.isoformat(), (START + timedelta(days=1)).isoformat(), return_state=True)
    assert state.is_completed() and budget.injected == 2
    rows = {r["partition"]: r["status"] for r in read(pipeline_db, "staging")}
    assert rows[START.isoformat()] == rows[(START + timedelta(days=1)).isoformat()] == "done"
    staged_rows = pipeline_db.sql(f"SELECT count() FROM {pipeline_db.table('staging')} FINAL")[0][0]
    assert staged_rows == live_fills(fills(2))


def test_sql_errors_are_not_retried_and_fail_with_the_partition_in_the_message(pipeline_db, monkeypatch):
    load(pipeline_db, fills(1))
    budget = faults.install(monkeypatch, "INSERT INTO", faults.syntax_error(), times=5)
    state = staging_backfill(START.isoformat(), START.isoformat(), return_state=True)
    assert state.is_failed() and budget.injected == 1  # one attempt, no retry
    with pytest.raises(Exception, match=f"stage {START}: Code: 62"):
        state.result()
    failed = [r for r in read(pipeline_db, "staging") if r["status"] == "failed"]
    assert [r["partition"] for r in failed] == [START.isoformat()] and "Syntax error" in failed[0]["error"]


def test_only_missing_after_an_injected_failure_runs_exactly_the_failed_partitions(pipeline_db, monkeypatch):
    load(pipeline_db, fills(DAYS))
    bad_day = START + timedelta(days=1)
    staging_backfill(START.isoformat(), END)
    # the ledger statement of bad_day fails for good (not transient): that partition fails, the others finish
    budget = faults.install(monkeypatch, lambda sql, p: "WHERE reason = ''" in sql and p.get("start_day") == bad_day,
                            faults.syntax_error(), times=100)
    state = ledger_rebuild(START.isoformat(), END, return_state=True)
    assert state.is_failed()
    status = {r["partition"]: r["status"] for r in read(pipeline_db, "ledger")}
    assert status[bad_day.isoformat()] == "failed" and list(status.values()).count("done") == DAYS - 1
    budget.left = 0
    resumed = ledger_rebuild(START.isoformat(), END, only_missing=True, return_state=True)
    assert resumed.is_completed()
    ran = {k: v for k, v in runs_of(resumed).items() if k.startswith("ledger 2")}
    assert ran == {f"ledger {bad_day}": ["Completed"]}
    assert all(r["status"] == "done" for r in read(pipeline_db, "ledger"))
