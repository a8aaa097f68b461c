"""Every ingest format on chDB, the real Nobel sample end to end, and malformed files."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tasks import fifo, ledger, staging
from tasks.errors import InputError
from tasks.ingest import ingest
from tasks.partitions import Window

NOBEL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "nobel-2025"
EXCHANGE = "0x4bfb41d5b3570defd03c39a9a4d8de6bd8b8982e"
W1, W2 = "0x" + "1" * 40, "0x" + "2" * 40
COND = "0x" + "a" * 64


def count(db, key: str) -> int:
    return db.sql(f"SELECT count() FROM {db.table(key)}")[0][0]


def build(db, first: date, last: date) -> None:
    window = Window.now()
    d = first
    while d <= last:
        staging.stage_chunk(db, d, d + timedelta(days=1), window)
        ledger.build_chunk(db, d, d + timedelta(days=1), window)
        d += timedelta(days=1)
    for prefix in "0123456789abcdef":
        out = fifo.run_shard(db, prefix)
        assert not any(out.violations.values()), out.violations


def reference_totals(db) -> tuple[float, float]:
    """Total FIFO and average-cost PnL (USD) from tests/reference.py over the ledger."""
    import json
    from collections import defaultdict

    from reference import Event, fifo as ref_fifo, payout_for

    events = defaultdict(list)
    for w, c, o, t, e, r, td, ud, fee in db.sql(
            f"SELECT wallet, condition_id, outcome_index, trade_time, event_id, role, token_delta, usdc_delta, "
            f"fee_amount FROM {db.table('ledger')}"):
        events[(w, c, o)].append(Event(t, e, r, td, ud, fee))
    payouts = {c: json.loads(p) for c, p in db.sql(f"SELECT condition_id, payout_numerators FROM "
                                                 f"{db.table('resolutions')} FINAL")}
    total_fifo = total_avg = 0
    for (w, c, o), evs in events.items():
        pos, _ = ref_fifo(evs, payout_for(payouts.get(c), o))
        total_fifo += pos.fifo_pnl
        total_avg += pos.avg_cost_pnl
    return float(total_fifo) / 1e6, float(total_avg) / 1e6


def test_the_real_nobel_sample_ends_as_1500_fills_and_932_positions(make_db):
    db = make_db("nobel")
    assert ingest(db, "token-map", NOBEL / "token_map.csv").loaded == {"pm_token_to_condition_map": 37}
    assert ingest(db, "resolutions", NOBEL / "resolutions.csv").rows_read == 20
    result = ingest(db, "trades", NOBEL / "trades.csv")
    assert result.rows_read == 5000 and result.loaded["pm_trader_events_v2"] == 5000
    build(db, date(2025, 10, 10), date(2025, 10, 10))
    assert count(db, "staging") == 1500
    assert count(db, "ledger") == 1500 and count(db, "rejected") == 0
    assert count(db, "positions") == 932
    wallets = db.sql(f"SELECT uniqExact(wallet) FROM {db.table('ledger')}")[0][0]
    assert wallets == 665
    # the SQL totals agree with the plain-Python reference of SPEC 4 run over the same ledger, position by position
    ref_fifo, ref_avg = reference_totals(db)
    sql_fifo, sql_avg = db.sql(f"SELECT sum(fifo_pnl_usd), sum(avg_cost_pnl_usd) FROM {db.table('positions')}")[0]
    assert abs(sql_fifo - ref_fifo) < 1e-6 and abs(sql_avg - ref_avg) < 1e-6
    # the figures the README quotes, to the cent
    assert (round(sql_fifo, 2), round(sql_avg, 2)) == (round(float(ref_fifo), 2), round(float(ref_avg), 2))
    # ingesting the same file again changes nothing downstream: exact repeats collapse
    ingest(db, "trades", NOBEL / "trades.csv")
    build(db, date(2025, 10, 10), date(2025, 10, 10))
    assert count(db, "ledger") == 1500 and count(db, "positions") == 932


def test_trades_json_and_csv_give_the_same_event_ids_and_exact_micro_amounts(make_db, tmp_path):
    db = make_db("trades")
    rows = [
        {"proxyWallet": W1, "side": "BUY", "asset": "5", "conditionId": COND, "size": "10.5", "price": "0.333",
         "timestamp": 1760098160, "outcomeIndex": 0, "transactionHash": "0xaa", "title": "ignored"},
        {"proxyWallet": W1, "side": "BUY", "asset": "5", "conditionId": COND, "size": "10.5", "price": "0.333",
         "timestamp": 1760098160, "outcomeIndex": 0, "transactionHash": "0xaa", "title": "ignored"},  # repeat
        {"proxyWallet": W1, "side": "SELL", "asset": "5", "conditionId": COND, "size": "0.0000015",
         "price": "0.5", "timestamp": 1760098161, "outcomeIndex": 0, "transactionHash": "0xbb"},
    ]
    (tmp_path / "t.json").write_text(json.dumps(rows))
    cols = list(rows[0])
    csv_lines = [",".join(cols)] + [",".join(str(r.get(c, "")) for c in cols) for r in rows]
    (tmp_path / "t.csv").write_text("\n".join(csv_lines) + "\n")
    ingest(db, "trades", tmp_path / "t.json")
    ingest(db, "trades", tmp_path / "t.csv")
    got = db.sql(f"SELECT event_id, role, side, token_amount, usdc_amount, fee_amount FROM {db.table('raw')} "
                 "ORDER BY token_amount DESC, event_id")
    # 10.5 shares = 10,500,000 micro; 10.5 x 0.333 = 3.4965 USDC; 0.0000015 shares rounds half up to 2 micro
    assert {r[1:] for r in got} == {("taker", "BUY", 10_500_000, 3_496_500, 0), ("taker", "SELL", 2, 1, 0)}
    assert len({r[0] for r in got}) == 2 and len(got) == 6
    # the trades carry their condition: the token map learns token 5
    assert db.sql(f"SELECT condition_id, outcome_index FROM {db.table('token_map')} WHERE token_id = '5'") == [(COND, 0)]


def test_orderfilled_events_map_buys_sells_roles_and_fees(make_db, tmp_path):
    db = make_db("orderfilled")
    header = "transactionHash,orderHash,timestamp,maker,taker,makerAssetId,takerAssetId,makerAmountFilled," \
             "takerAmountFilled,fee"
    lines = [
        header,
        f"0x01,0xo1,1760098160,{W1},{EXCHANGE},0,777,400000,1000000,10000",     # buy 777, taker = exchange
        f"0x02,0xo2,1760098161,{W2},{W1},777,0,500000,300000,2000",               # sell 777 to a wallet: maker
    ]
    (tmp_path / "of.csv").write_text("\n".join(lines) + "\n")
    res = ingest(db, "orderfilled", tmp_path / "of.csv", exchanges={EXCHANGE})
    assert res.loaded == {"pm_trader_events_v2": 2}
    got = db.sql(f"SELECT event_id, trader_wallet, role, side, token_id, token_amount, usdc_amount, fee_amount "
                 f"FROM {db.table('raw')} ORDER BY event_id")
    assert got == [("0x01:0xo1", W1, "taker", "buy", "777", 990_000, 400_000, 0),
                   ("0x02:0xo2", W2, "maker", "sell", "777", 500_000, 300_000, 2_000)]
    (tmp_path / "of.json").write_text(json.dumps([{"transactionHash": "0x03", "logIndex": 7, "timestamp": "1760098162",
        "maker": W1, "taker": EXCHANGE, "makerAssetId": "888", "takerAssetId": "0", "makerAmountFilled": "10",
        "takerAmountFilled": "5", "fee": "0"}]))
    ingest(db, "orderfilled", tmp_path / "of.json", exchanges={EXCHANGE})
    assert db.sql(f"SELECT event_id, side, role FROM {db.table('raw')} WHERE event_id = '0x03:7'") == \
        [("0x03:7", "sell", "taker")]


def test_markets_json_maps_tokens_and_resolves_only_resolved_markets(make_db, tmp_path):
    db = make_db("markets")
    c2 = "0x" + "b" * 64
    markets = [
        {"conditionId": COND, "clobTokenIds": json.dumps(["11", "12"]), "outcomes": '["Yes","No"]',
         "outcomePrices": json.dumps(["0", "1"]), "umaResolutionStatus": "resolved",
         "closedTime": "2025-10-10 12:00:00+00"},
        {"conditionId": c2, "clobTokenIds": json.dumps(["21", "22"]), "outcomes": '["Yes","No"]',
         "outcomePrices": json.dumps(["0.5", "0.5"]), "umaResolutionStatus": "proposed", "closedTime": None},
        {"conditionId": "0x" + "d" * 64, "clobTokenIds": ["31", "32"], "outcomePrices": ["0.5", "0.5"],
         "umaResolutionStatus": "resolved", "closedTime": "2025-10-11T00:00:00Z"},
    ]
    (tmp_path / "m.json").write_text(json.dumps(markets))
    res = ingest(db, "markets", tmp_path / "m.json")
    assert res.loaded == {"pm_token_to_condition_map": 6, "pm_condition_resolutions": 2}
    assert db.sql(f"SELECT condition_id, payout_numerators, toString(resolved_at) FROM {db.table('resolutions')} "
                  "ORDER BY condition_id") == [(COND, "[0,1]", "2025-10-10 12:00:00"),
                                              ("0x" + "d" * 64, "[1,1]", "2025-10-11 00:00:00")]


def test_token_map_and_resolutions_csv_round_trip(make_db, tmp_path):
    db = make_db("csv")
    (tmp_path / "map.csv").write_text(f"token_id,condition_id,outcome_index\n1,{COND},0\n2,{COND},1\n")
    (tmp_path / "res.csv").write_text(f'condition_id,payout_numerators,resolved_at\n{COND},"[1,2,1]",2025-10-11 00:00:00\n')
    ingest(db, "token-map", tmp_path / "map.csv")
    ingest(db, "resolutions", tmp_path / "res.csv")
    assert count(db, "token_map") == 2
    assert db.sql(f"SELECT payout_numerators FROM {db.table('resolutions')}") == [("[1,2,1]",)]


@pytest.mark.parametrize("kind,content,message", [
    ("trades", "", "the file is empty"),
    ("trades", "   \n", "the file is empty"),
    ("trades", "proxyWallet,side\n0x1,BUY\n", "missing columns: asset, size, price, timestamp, transactionHash"),
    ("trades", "proxyWallet,side,asset,size,price,timestamp,transactionHash\n"
               "0x1,BUY,5,ten,0.5,1760098160,0xa\n", "line 2: size is not a number"),
    ("trades", "proxyWallet,side,asset,size,price,timestamp,transactionHash\n"
               "0x1,BUY,5,1,0.5,1760098160,0xa\n0x1,BUY,5,1,0.5\n", "line 3: expected 7 fields"),
    ("trades", '[{"proxyWallet": "0x1", ', "broken JSON"),
    ("trades", '{"a": 1} {"b"', "broken JSON"),
    ("trades", '[1, 2]', "JSON must be an array of objects"),
    ("trades", "proxyWallet,side,asset,size,price,timestamp,transactionHash\n"
               "0x1,BUY,notatoken,1,0.5,1760098160,0xa\n", "asset is not a decimal token id"),
    ("orderfilled", "transactionHash,timestamp,maker,taker,makerAssetId,takerAssetId,makerAmountFilled,"
                    "takerAmountFilled,fee\n0x1,1,0xm,0xt,0,5,1.5,1,0\n", "needs orderHash or logIndex"),
    ("orderfilled", "transactionHash,orderHash,timestamp,maker,taker,makerAssetId,takerAssetId,makerAmountFilled,"
                    "takerAmountFilled,fee\n0x1,0xo,1,0xm,0xt,0,5,1.5,1,0\n", "makerAmountFilled is not an integer"),
    ("resolutions", "condition_id,payout_numerators,resolved_at\n" + COND + ",[0;1],2025-01-01\n",
     "payout_numerators is not a JSON array"),
    ("resolutions", "condition_id,payout_numerators,resolved_at\n" + COND + ',"[0,0]",2025-01-01\n',
     "not all zero"),
    ("token-map", "token_id,condition_id,outcome_index\n1,0xshort,0\n", "condition_id is not 0x + 64 hex"),
])
def test_malformed_files_fail_with_one_line_and_load_nothing(make_db, tmp_path, kind, content, message):
    db = make_db("bad")
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        ingest(db, kind, path)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert count(db, "raw") == count(db, "token_map") == count(db, "resolutions") == 0


def test_missing_and_non_utf8_files_are_input_errors(make_db, tmp_path):
    db = make_db("missing")
    with pytest.raises(InputError, match="no such file"):
        ingest(db, "trades", tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not UTF-8"):
        ingest(db, "trades", tmp_path / "bin.csv")
    with pytest.raises(InputError, match="unknown ingest kind"):
        ingest(db, "fills", tmp_path / "bin.csv")
