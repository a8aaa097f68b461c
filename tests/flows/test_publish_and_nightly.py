"""The publication gate, rollback, and nightly runs that end where a full backfill ends."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from flowdata import START, fills, load, resolve, token, wallet
from flows.backfill import full_backfill
from flows.nightly import nightly_incremental
from flows.publish import validate_and_publish
from tasks.clickhouse import get_client
from tasks.errors import CheckFailed
from tasks.ingest import RAW_COLUMNS
from tasks.publish import rollback
from tasks.schema import init_schema
from tasks.settings import get_settings

DAYS = 6


def day(i: int) -> str:
    return (START + timedelta(days=i)).isoformat()


def published(db) -> tuple[list[tuple], list[tuple]]:
    lots = db.sql(f"SELECT * FROM {db.table('lots_view')} ORDER BY wallet, condition_id, outcome_index, lot_id")
    pos = db.sql(f"SELECT * FROM {db.table('positions_published')} ORDER BY wallet, condition_id, outcome_index")
    return lots, pos


def use_database(monkeypatch, chdb_dir, name: str):
    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_URL", f"chdb://{chdb_dir}")
    monkeypatch.setenv("POLYLEDGER_DATABASE", name)
    get_settings.cache_clear()
    db = get_client()
    init_schema(db)
    return db


def test_nightly_runs_after_a_partial_backfill_publish_what_a_full_backfill_publishes(prefect_api, chdb_dir,
                                                                                       monkeypatch):
    rows = fills(DAYS, seed=5, per_day=60)
    early = datetime.fromisoformat(day(1)) + timedelta(hours=23)
    during = datetime.fromisoformat(day(4)) + timedelta(hours=1)  # resolves during the nightly days
    full = use_database(monkeypatch, chdb_dir, f"full_{uuid.uuid4().hex[:6]}")
    load(full, rows)
    resolve(full, 0, "[1,0]", early)
    resolve(full, 1, "[1,1]", during)
    full_backfill(start=day(0), end=day(DAYS - 1))
    expected = published(full)
    full.close()
    assert expected[0] and expected[1]
    assert any(p[11] == "resolved" and p[10] == 0.5 for p in expected[1])  # the split payout made it in

    inc = use_database(monkeypatch, chdb_dir, f"inc_{uuid.uuid4().hex[:6]}")
    load(inc, rows)
    resolve(inc, 0, "[1,0]", early)
    full_backfill(start=day(0), end=day(2))
    before = published(inc)
    assert before != expected
    for i in range(3, DAYS):
        if i == 4:
            resolve(inc, 1, "[1,1]", during)
        nightly_incremental(lookback_days=1, end=day(i))
    assert published(inc) == expected
    inc.close()


def test_a_late_version_moving_an_old_fill_into_a_nightly_window_publishes_what_a_full_backfill_publishes(
        prefect_api, chdb_dir, monkeypatch):
    """Late corrections of fills dated before the nightly window (bug 4): a later version re-dated into the window, a
    deletion dated in the window, and a later out-of-range version of a fill whose wallet trades nowhere else. The
    nightlies must rebuild the old days they leave stale and recompute those wallets."""
    days = 5
    rows = fills(days, seed=8, per_day=30)
    lone = wallet(99)  # trades only on day 0: only the stale day 0 can bring it into a nightly recompute
    rows.append(("lone", lone, "taker", "buy", token(0, 1), 200_000, 500_000, 0,
                 datetime.fromisoformat(day(0)) + timedelta(hours=3), "0xtx", 1, 0, datetime.fromisoformat(day(0))))
    later = datetime.fromisoformat(day(days)) + timedelta(days=1)  # inserted after every other version
    first = {r[0]: r for r in reversed(rows)}  # each fill's first version
    late = [
        first["f0-1"][:5] + (300_000, 600_000, 0, datetime.fromisoformat(day(3)) + timedelta(hours=5))
        + first["f0-1"][9:12] + (later,),
        first["f1-2"][:8] + (datetime.fromisoformat(day(4)) + timedelta(hours=6),) + first["f1-2"][9:11] + (1, later),
        first["lone"][:8] + (datetime(2019, 6, 1),) + first["lone"][9:12] + (later,),
    ]
    full = use_database(monkeypatch, chdb_dir, f"full_{uuid.uuid4().hex[:6]}")
    load(full, rows + late)
    full_backfill(start=day(0), end=day(days - 1))
    expected = published(full), tables(full)
    full.close()
    assert ("lone", "time_out_of_range") in [(r[0], r[-1]) for r in expected[1][1]]

    inc = use_database(monkeypatch, chdb_dir, f"inc_{uuid.uuid4().hex[:6]}")
    load(inc, rows)
    full_backfill(start=day(0), end=day(2))
    assert any(p[0] == lone for p in published(inc)[1])
    inc.insert("raw", late, RAW_COLUMNS)  # the corrections arrive
    for i in range(3, days):
        nightly_incremental(lookback_days=1, end=day(i))
    assert (published(inc), tables(inc)) == expected
    assert not any(p[0] == lone for p in expected[0][1])
    inc.close()


def tables(db) -> tuple[list[tuple], list[tuple]]:
    """The ledger and the rejected rows (insert_time aside, as in the kill-resume snapshot)."""
    ledger = db.sql(f"SELECT * FROM {db.table('ledger')} ORDER BY wallet, event_id, role")
    rejected = db.sql(f"SELECT event_id, trader_wallet, role, day, reason FROM {db.table('rejected')} ORDER BY ALL")
    return ledger, rejected


def test_a_tampered_ledger_fails_the_gate_and_readers_keep_what_they_saw(pipeline_db):
    load(pipeline_db, fills(3, seed=11))
    resolve(pipeline_db, 2, "[0,1]", datetime.fromisoformat(day(2)))
    full_backfill(start=day(0), end=day(2))
    before = published(pipeline_db)
    leaderboard = pipeline_db.rows("select_leaderboard", limit=100)
    assert before[1] and leaderboard

    pipeline_db.client.command(f"ALTER TABLE {pipeline_db.table('ledger')} UPDATE usdc_delta = usdc_delta - 7 "
                               "WHERE event_id = 'f1-3' SETTINGS mutations_sync = 2")
    with pytest.raises(CheckFailed) as err:
        validate_and_publish()
    assert "parity" in str(err.value) and "| parity | FAIL |" in err.value.report
    assert published(pipeline_db) == before
    assert pipeline_db.rows("select_leaderboard", limit=100) == leaderboard


def test_rollback_restores_the_previous_publication_and_a_second_rollback_undoes_it(pipeline_db):
    load(pipeline_db, fills(2, seed=12))
    full_backfill(start=day(0), end=day(1))
    v1 = published(pipeline_db)
    load(pipeline_db, fills(3, seed=13)[-50:], n_conditions=4)  # day 3 fills arrive
    full_backfill(start=day(0), end=day(2))
    v2 = published(pipeline_db)
    assert v1 != v2
    rollback(pipeline_db)
    assert published(pipeline_db) == v1
    rollback(pipeline_db)
    assert published(pipeline_db) == v2
