"""Staging dedupe, validation and the ledger on chDB: real SQL, hand-built raw rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tasks import ledger, staging
from tasks.checks import parity
from tasks.ingest import RAW_COLUMNS
from tasks.partitions import Window

DAY = date(2025, 3, 10)
T0 = datetime(2025, 3, 10, 12, 0)
TOKEN, OTHER_TOKEN = "111", "222"
COND = "0x" + "c" * 64


def wallet(i: int) -> str:
    return "0x" + f"{i:040x}"


def raw(event_id: str, w: str, *, role="taker", side="buy", token=TOKEN, usdc=400_000, tokens=1_000_000, fee=0,
        t=T0, deleted=0, inserted=T0) -> tuple:
    return (event_id, w, role, side, token, usdc, tokens, fee, t, "0xtx", 1, deleted, inserted)


@pytest.fixture
def db(make_db):
    db = make_db("stage")
    db.insert("token_map", [(TOKEN, COND, 0), (OTHER_TOKEN, COND, 1)], ["token_id", "condition_id", "outcome_index"])
    return db


def run_day(db, d: date = DAY, window: Window | None = None):
    window = window or Window.now()
    s = staging.stage_chunk(db, d, d + timedelta(days=1), window)
    led = ledger.build_chunk(db, d, d + timedelta(days=1), window)
    return s, led


def ledger_rows(db) -> list[tuple]:
    return db.sql(f"SELECT wallet, event_id, role, side, token_delta, usdc_delta, fee_amount FROM {db.table('ledger')} "
                  "ORDER BY event_id, role")


def rejected(db) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for reason, eid in db.sql(f"SELECT reason, event_id FROM {db.table('rejected')} ORDER BY event_id"):
        out.setdefault(reason, []).append(eid)
    return out


def test_each_rejection_reason_is_recorded_with_its_row_and_valid_rows_reach_the_ledger(db):
    w = wallet(1)
    rows = [
        raw("ok-buy", w),
        raw("ok-sell-upper", w.upper().replace("0X", "0x"), side="SELL", role="maker", usdc=300_000, tokens=500_000,
            fee=1_000),
        raw("bad-wallet", "0x123"),
        raw("bad-role", w, role="Taker"),
        raw("bad-side", w, side="hold"),
        raw("zero-tokens", w, tokens=0),
        raw("neg-usdc", w, usdc=-5),
        raw("neg-fee", w, fee=-1),
        raw("above-one", w, usdc=1_000_001, tokens=1_000_000),
        raw("fee-above", w, side="sell", usdc=1_000, fee=1_001),
        raw("unmapped", w, token="999"),
    ]
    db.insert("raw", rows, RAW_COLUMNS)
    s, led = run_day(db)
    assert s.rows_in == 11 and s.rows_out == 11
    assert led.rows_out == 2 and led.rows_rejected == 9
    assert rejected(db) == {
        "invalid_wallet": ["bad-wallet"], "invalid_role": ["bad-role"], "invalid_side": ["bad-side"],
        "non_positive_amount": ["neg-usdc", "zero-tokens"], "negative_fee": ["neg-fee"],
        "price_above_one": ["above-one"], "fee_above_amount": ["fee-above"], "unmapped_token": ["unmapped"],
    }
    # buy: -(usdc + fee); sell: usdc - fee; wallets and sides lowercased
    assert ledger_rows(db) == [
        (w, "ok-buy", "taker", "buy", 1_000_000, -400_000, 0),
        (w, "ok-sell-upper", "maker", "sell", -500_000, 299_000, 1_000),
    ]


def test_times_outside_the_window_are_rejected_once_in_the_sentinel_partition(db):
    w = wallet(2)
    future = datetime.utcnow() + timedelta(days=3)
    db.insert("raw", [raw("old", w, t=datetime(2019, 12, 31, 23, 59)), raw("old", w, t=datetime(2019, 12, 31, 23, 59)),
                      raw("future", w, t=future), raw("fine", w)], RAW_COLUMNS)
    window = Window.now()
    run_day(db, window=window)
    out = staging.reject_out_of_range(db, window)
    assert out.rows_rejected == 2
    staging.reject_out_of_range(db, window)  # rerun: still exactly once
    assert rejected(db) == {"time_out_of_range": ["future", "old"]}
    assert [r[1] for r in ledger_rows(db)] == ["fine"]


def test_conflicting_duplicates_resolve_to_the_latest_insert_and_deleted_winners_vanish(db):
    w = wallet(3)
    later = T0 + timedelta(hours=5)
    db.insert("raw", [
        raw("dup", w, usdc=100_000),
        raw("dup", w, usdc=200_000, inserted=later),           # latest wins
        raw("dup", w, usdc=150_000, inserted=T0 + timedelta(hours=1)),
        raw("gone", w), raw("gone", w, deleted=1, inserted=later),   # deleted after
        raw("back", w, deleted=1), raw("back", w, usdc=50_000, inserted=later),  # undeleted later
        raw("same", w, role="maker"), raw("same", w, role="taker"),  # two roles: two fills
    ], RAW_COLUMNS)
    run_day(db)
    got = {(r[1], r[2]): r[5] for r in ledger_rows(db)}
    assert got == {("dup", "taker"): -200_000, ("back", "taker"): -50_000,
                   ("same", "maker"): -400_000, ("same", "taker"): -400_000}
    assert rejected(db) == {}


def test_rerunning_a_day_or_recovering_from_a_crash_leaves_exactly_one_copy(db):
    w = wallet(4)
    db.insert("raw", [raw(f"e{i}", w, t=T0 + timedelta(minutes=i)) for i in range(50)]
              + [raw("bad", "nope")], RAW_COLUMNS)
    run_day(db)
    first = (ledger_rows(db), rejected(db))
    run_day(db)
    run_day(db)
    assert (ledger_rows(db), rejected(db)) == first and len(first[0]) == 50
    # a crash after the ledger scratch was filled but before the swap: a rerun must converge to one copy
    window = Window.now()
    scratch = db.scratch("crashed")
    db.run("create_scratch_like", idents={"scratch": scratch, "target": "ledger"})
    db.run("insert_ledger_chunk", idents={"scratch": scratch}, start_day=DAY, end_day=DAY + timedelta(days=1),
           **window.params())
    db.run("attach_partition_from", idents={"target": "ledger", "source": scratch}, partition=DAY.isoformat())
    assert len(ledger_rows(db)) == 100  # the half-done write duplicated rows ...
    run_day(db)
    assert (ledger_rows(db), rejected(db)) == first  # ... and the rerun of the day repairs it


def test_a_day_whose_raw_rows_disappear_is_emptied_and_a_later_mapping_is_picked_up(db):
    w = wallet(5)
    db.insert("raw", [raw("late-map", w, token="333")], RAW_COLUMNS)
    run_day(db)
    assert rejected(db) == {"unmapped_token": ["late-map"]}
    db.insert("token_map", [("333", COND, 1)], ["token_id", "condition_id", "outcome_index"])
    run_day(db)
    assert rejected(db) == {} and [r[1] for r in ledger_rows(db)] == ["late-map"]
    db.client.command(f"TRUNCATE TABLE {db.table('raw')}")
    run_day(db)
    assert ledger_rows(db) == [] and db.sql(f"SELECT count() FROM {db.table('staging')}")[0][0] == 0


def test_parity_passes_on_the_built_ledger_and_fails_when_the_ledger_is_tampered_with(db):
    rows = []
    for i in range(30):
        w = wallet(100 + i % 7)
        rows.append(raw(f"p{i}", w, side="buy" if i % 3 else "sell", usdc=100_000 + i, fee=i % 2,
                        t=T0 + timedelta(minutes=i)))
        if i % 4 == 0:
            rows.append(raw(f"p{i}", w, side="buy", usdc=90_000, inserted=T0 + timedelta(hours=2),
                            t=T0 + timedelta(minutes=i)))
    rows.append(raw("bad", "0xnothex"))
    db.insert("raw", rows, RAW_COLUMNS)
    window = Window.now()
    run_day(db, window=window)
    ok = parity(db, DAY, DAY + timedelta(days=1), window)
    assert ok.passed, ok.detail
    assert "7 wallets" in ok.detail
    db.client.command(f"ALTER TABLE {db.table('ledger')} UPDATE usdc_delta = usdc_delta + 1 "
                      f"WHERE event_id = 'p5' SETTINGS mutations_sync = 2")
    bad = parity(db, DAY, DAY + timedelta(days=1), window)
    assert not bad.passed and wallet(100 + 5 % 7) in bad.detail
    db.client.command(f"ALTER TABLE {db.table('ledger')} DELETE WHERE event_id = 'p6' SETTINGS mutations_sync = 2")
    assert "event diff 1" in parity(db, DAY, DAY + timedelta(days=1), window).detail


def test_a_late_version_moving_a_fill_off_a_built_day_marks_it_stale_for_the_next_nightly(db):
    """The nightly steps without Prefect. Day 1 is built; then a later version moves one of its fills to day 2 and
    another later version dates a second fill out of range. Restaging day 2 alone (the nightly window) marks day 1's
    ledger stale, the ledger plan of day 2 rebuilds day 1 too, and the recompute covers the wallet whose only change
    is on day 1: the positions equal a full FIFO recompute."""
    from tasks import incremental, steps
    from tasks.status import status_rows

    d1, d2 = DAY, DAY + timedelta(days=1)
    window = Window.now()
    mover, other = wallet(6), wallet(7)
    db.insert("raw", [raw("a", mover), raw("b", other, side="buy")], RAW_COLUMNS)
    steps.staging_step(db, d1, d2, window)
    steps.cross_day_step(db, window)
    steps.out_of_range_step(db, window)
    steps.ledger_step(db, d1, d2, window)
    steps.fifo_step(db, "0")
    assert steps.stale_days(db) == []

    db.insert("raw", [raw("a", mover, usdc=300_000, t=T0 + timedelta(days=1), inserted=T0 + timedelta(hours=1)),
                      raw("b", other, t=datetime(2019, 6, 1), inserted=T0 + timedelta(hours=1))], RAW_COLUMNS)
    steps.staging_step(db, d2, d2 + timedelta(days=1), window)
    out = steps.cross_day_step(db, window)
    steps.out_of_range_step(db, window)
    assert out.rows_out == 2 and out.counts == {"changed_days": 1}
    assert steps.stale_days(db) == [d1]
    assert any(f"stale (rebuilt by the next run): {d1}" in line for line in status_rows(db)[0])
    chunks = steps.plan_chunks(db, "ledger", d2, d2, only_missing=False)
    assert chunks == [(d1, d2), (d2, d2 + timedelta(days=1))]
    for a, b in chunks:
        steps.ledger_step(db, a, b, window)
    assert steps.stale_days(db) == []
    assert [(r[1], r[5]) for r in ledger_rows(db)] == [("a", -300_000)]
    assert rejected(db) == {"time_out_of_range": ["b"]}

    recomputed = incremental.recompute(db, d2, d2, also_days=[d1])
    assert recomputed.counts["wallets"] == 2  # `other` has no fill in the window: only day 1 brings it in
    positions = f"SELECT * FROM {db.table('positions')} ORDER BY wallet, condition_id, outcome_index"
    incremental_positions = db.sql(positions)
    steps.fifo_step(db, "0")
    assert db.sql(positions) == incremental_positions and [p[0] for p in incremental_positions] == [mover]
