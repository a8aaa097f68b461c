"""The synthetic generator: deterministic per seed, realistic in shape, and its stats predict the pipeline's output."""

from __future__ import annotations

from datetime import date

import pytest

from tasks.generate import generate
from tasks.ledger import build_chunk
from tasks.partitions import Window, day_chunks
from tasks.staging import reject_out_of_range, stage_chunk

FILLS = 5_000
REASONS = {"invalid_wallet", "invalid_role", "invalid_side", "non_positive_amount", "negative_fee",
           "price_above_one", "fee_above_amount", "time_out_of_range", "unmapped_token"}


@pytest.fixture(scope="module")
def generated(make_db):
    """One database holding FILLS generated fills (seed 7) pushed through staging and the ledger."""
    db = make_db("gen")
    stats = generate(db, fills=FILLS, seed=7)
    window = Window.now()
    chunks = day_chunks(date.fromisoformat(stats["first_day"]), date.fromisoformat(stats["last_day"]), 1)
    for a, b in chunks:
        stage_chunk(db, a, b, window)
    reject_out_of_range(db, window)
    for a, b in chunks:
        build_chunk(db, a, b, window)
    return db, stats


def content_hash(db) -> tuple:
    """Order-independent hash of the three source tables."""
    return tuple(
        db.sql(f"SELECT count(), sum(cityHash64(*)), groupBitXor(cityHash64(*)) FROM {db.table(key)}")[0]
        for key in ("raw", "token_map", "resolutions")
    )


def one(db, sql: str, **params):
    return db.sql(sql, **params)[0][0]


def test_the_same_seed_generates_the_same_tables_and_another_seed_does_not(make_db, generated):
    first, stats = generated
    again, other = make_db("gen_again"), make_db("gen_other")
    same = generate(again, fills=FILLS, seed=7)
    assert {**same, "seconds": 0} == {**stats, "seconds": 0}
    generate(other, fills=FILLS, seed=8)
    assert content_hash(again) == content_hash(first)
    assert content_hash(other) != content_hash(first)
    assert one(first, f"SELECT count() FROM {first.table('raw')} "
               "WHERE insert_time BETWEEN now() - INTERVAL 1 DAY AND now() + INTERVAL 1 DAY") == 0  # no now() in data


def test_stats_describe_the_rows_written(generated):
    db, s = generated
    raw = db.table("raw")
    assert s["fills"] == FILLS
    assert one(db, f"SELECT count() FROM {raw}") == s["raw_rows"] == s["fill_rows"] + s["bad_rows_total"]
    assert one(db, f"SELECT uniqExact(event_id, trader_wallet, role) FROM {raw}") == FILLS + s["bad_rows_total"]
    assert one(db, f"SELECT uniqExact(event_id) FROM {raw}") == FILLS + s["bad_rows_total"]  # unique per fill
    assert one(db, f"SELECT countIf(is_deleted = 1) FROM {raw}") == s["deleted"] > 0
    assert s["duplicate_rows"] >= s["duplicated_fills"] > 0
    assert s["raw_rows"] == FILLS + s["duplicate_rows"] + s["deleted"] + s["bad_rows_total"]
    assert one(db, f"SELECT count() FROM {db.table('token_map')}") == s["tokens"] == 2 * s["markets"]
    assert one(db, f"SELECT count() FROM {db.table('resolutions')}") == s["conditions_resolved"]
    assert s["bad_rows"] == s["expected_rejected"] and set(s["bad_rows"]) == REASONS
    assert all(n > 0 for n in s["bad_rows"].values())


def test_valid_rows_follow_the_data_contract(generated):
    db, s = generated
    raw, tm = db.table("raw"), db.table("token_map")
    fills = f"(SELECT * FROM {raw} WHERE position(event_id, '_bad') = 0)"  # the invalid rows are marked _bad
    assert one(db, f"SELECT countIf(NOT match(trader_wallet, '^0x[0-9a-f]{{40}}$')) FROM {fills}") == 0
    assert one(db, f"SELECT countIf(role NOT IN ('maker', 'taker')) FROM {fills}") == 0
    assert one(db, f"SELECT groupUniqArray(side) FROM {fills}").__len__() == 6  # buy/BUY/Buy, sell/SELL/Sell
    assert one(db, f"SELECT countIf(NOT (0 < usdc_amount AND usdc_amount <= token_amount)) FROM {fills}") == 0
    assert one(db, f"SELECT countIf(fee_amount < 0) FROM {fills}") == 0
    assert 0 < one(db, f"SELECT countIf(fee_amount > 0) / count() FROM {fills}") < 0.2  # mostly zero
    assert one(db, f"SELECT countIf(insert_time <= trade_time) FROM {fills}") == 0
    assert one(db, f"SELECT countIf(token_id NOT IN (SELECT token_id FROM {tm})) FROM {fills}") == 0
    assert one(db, f"SELECT countIf(NOT match(condition_id, '^0x[0-9a-f]{{64}}$')) FROM {tm}") == 0
    assert one(db, f"SELECT countIf(NOT match(token_id, '^[1-9][0-9]*$')) FROM {tm}") == 0
    # one token per outcome: every condition has outcomes 0 and 1, once each
    assert one(db, f"SELECT countIf(o != [0, 1]) FROM (SELECT arraySort(groupArray(outcome_index)) AS o "
                   f"FROM {tm} GROUP BY condition_id)") == 0
    # trades happen inside the market's life: never after its resolution
    assert one(db, f"SELECT count() FROM {fills} AS f JOIN {tm} AS m USING (token_id) "
                   f"JOIN {db.table('resolutions')} AS r ON r.condition_id = m.condition_id "
                   f"WHERE f.trade_time >= r.resolved_at") == 0


def test_markets_have_binary_split_unresolved_and_neg_risk_outcomes(generated):
    db, s = generated
    payouts = dict(db.sql(f"SELECT payout_numerators, count() FROM {db.table('resolutions')} GROUP BY 1"))
    assert set(payouts) == {"[1,0]", "[0,1]", "[1,1]"}
    assert s["conditions_split"] == payouts["[1,1]"] > 0
    assert s["conditions_unresolved"] > 0 and s["multi_outcome_events"] > 0
    assert s["markets"] == s["conditions_resolved"] + s["conditions_unresolved"]
    assert s["markets"] > s["events"]  # neg-risk events hold several conditions


def test_activity_is_heavy_tailed_and_positions_buy_before_they_sell(generated):
    db, s = generated
    led = db.table("ledger")
    per_wallet = [n for (n,) in db.sql(f"SELECT count() AS n FROM {led} GROUP BY wallet ORDER BY n DESC")]
    raw_wallets = one(db, f"SELECT uniqExact(trader_wallet) FROM {db.table('raw')} WHERE position(event_id, '_bad') = 0")
    assert raw_wallets == s["wallets"] >= len(per_wallet) > 0.9 * s["wallets"]  # a few lose every fill to deletes
    top = per_wallet[: max(1, len(per_wallet) // 20)]
    assert sum(top) > 0.25 * sum(per_wallet)  # the top 5% of wallets trade over a quarter of the fills
    assert per_wallet[-1] < per_wallet[0] / 20
    share = one(db, f"""SELECT avg(b < sl) FROM (
        SELECT avgIf(toUnixTimestamp(trade_time), token_delta > 0) AS b,
               avgIf(toUnixTimestamp(trade_time), token_delta < 0) AS sl
        FROM {led} GROUP BY wallet, condition_id, outcome_index
        HAVING countIf(token_delta > 0) > 0 AND countIf(token_delta < 0) > 0)""")
    assert share > 0.7
    oversold = one(db, f"SELECT avg(sold > bought) FROM (SELECT sumIf(token_delta, token_delta > 0) AS bought, "
                       f"-sumIf(token_delta, token_delta < 0) AS sold FROM {led} "
                       f"GROUP BY wallet, condition_id, outcome_index)")
    assert 0 < oversold < 0.5  # some sells exceed holdings (outside inventory), most do not


def test_the_ledger_holds_exactly_the_expected_valid_fills(generated):
    db, s = generated
    assert one(db, f"SELECT count() FROM {db.table('ledger')}") == s["expected_ledger_rows"] == FILLS - s["deleted"]
    rejected = dict(db.sql(f"SELECT reason, toInt64(count()) FROM {db.table('rejected')} GROUP BY reason"))
    assert rejected == s["expected_rejected"]


def test_the_latest_version_of_a_conflicting_duplicate_wins(generated):
    db, s = generated
    raw, led = db.table("raw"), db.table("ledger")
    conflicts = db.sql(f"""
        SELECT event_id, trader_wallet, role, argMax(token_amount, insert_time), argMax(is_deleted, insert_time)
        FROM {raw} GROUP BY event_id, trader_wallet, role HAVING uniqExact(token_amount) > 1""")
    assert len(conflicts) == s["conflicting_fills"] > 0
    live = {(e, w, r): t for e, w, r, t, deleted in conflicts if not deleted}
    ledger = {(e, w, r): abs(t) for e, w, r, t in db.sql(
        f"SELECT event_id, wallet, role, token_delta FROM {led} WHERE (event_id, wallet, role) IN "
        f"(SELECT event_id, trader_wallet, role FROM {raw} GROUP BY 1, 2, 3 HAVING uniqExact(token_amount) > 1)")}
    assert ledger == live
