"""Hand-worked FIFO cases (SPEC 4): every expected figure is derived in the comments, not read off the output.

Units in the comments: shares and USD; the ledger holds micro-units (x 1e6). S(n) = n shares, U(x) = x USDC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tasks.fifo import run_shard

T = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
RESOLVED_AT = datetime(2024, 6, 1, tzinfo=timezone.utc)
LEDGER_COLUMNS = ("wallet", "event_id", "role", "side", "condition_id", "outcome_index", "token_id", "token_delta",
                  "usdc_delta", "fee_amount", "trade_time", "transaction_hash", "source")


def S(n: float) -> int:
    return round(n * 1_000_000)


U = S


def wallet(first: str, n: int = 1) -> str:
    return f"0x{first}{n:039x}"


def cond(n: int) -> str:
    return f"0x{n:064x}"


W_A, W_B, W_C, W_D, W_D2, W_E = wallet("a"), wallet("b"), wallet("3"), wallet("d"), wallet("d", 2), wallet("0")
WON, OPEN, LOST_0, WON_0, SPLIT, THREE_WAY = cond(1), cond(2), cond(3), cond(4), cond(5), cond(6)
RESOLUTIONS = [(WON, "[1,0]"), (LOST_0, "[0,1]"), (WON_0, "[1,0]"), (SPLIT, "[1,1]"), (THREE_WAY, "[1,2,1]")]


def buy(w, c, o, event_id, shares, usdc, fee=0.0, *, role="taker", at=0):
    """A buy of `shares` for `usdc` plus `fee` (usdc_delta = -(usdc + fee))."""
    return (w, event_id, role, "buy", c, o, f"{int(c, 16)}{o}", S(shares), -(U(usdc) + U(fee)), U(fee),
            T + timedelta(minutes=at), f"0x{event_id.encode().hex():0>64}", "clob")


def sell(w, c, o, event_id, shares, usdc, fee=0.0, *, role="taker", at=0):
    """A sell of `shares` for `usdc` less `fee` (usdc_delta = usdc - fee)."""
    return (w, event_id, role, "sell", c, o, f"{int(c, 16)}{o}", -S(shares), U(usdc) - U(fee), U(fee),
            T + timedelta(minutes=at), f"0x{event_id.encode().hex():0>64}", "clob")


LEDGER = [
    # A: two buys, then one sell spanning both lots; the same fills on a won market and on an open one
    *[row for c in (WON, OPEN) for row in (
        buy(W_A, c, 0, "a1", 10, 4.00, at=1),             # lot a1: S(10) for U(4.00)
        buy(W_A, c, 0, "a2", 10, 6.00, 0.10, at=2),       # lot a2: S(10) for U(6.10) with the fee
        sell(W_A, c, 0, "a3", 15, 12.00, 0.20, at=3),     # S(15) for net U(11.80): p = 11.8 / 15
    )],
    # B: a sell before any buy (uncovered short), then a buy and a partial sell; lost (r=0) and won (r=1)
    *[row for c in (LOST_0, WON_0) for row in (
        sell(W_B, c, 0, "b1", 4, 1.20, at=1),             # nothing to match: uncovered S(4) for U(1.20)
        buy(W_B, c, 0, "b2", 10, 5.00, at=2),             # lot b2: S(10) for U(5.00); b1 never matches it
        sell(W_B, c, 0, "b3", 6, 4.20, 0.10, at=3),       # S(6) from lot b2 for net U(4.10)
    )],
    # C: one timestamp; order is event_id as text ("10" < "9"), then role (maker < taker); inserted shuffled
    sell(W_C, OPEN, 1, "9", 10, 5.00, role="taker"),      # third: S(10) at p = 0.5
    buy(W_C, OPEN, 1, "9", 10, 2.00, role="maker"),       # second: lot "9" S(10) for U(2.00)
    buy(W_C, OPEN, 1, "10", 4, 2.40, role="taker"),       # first: lot "10" S(4) for U(2.40)
    # D: split payout [1,1] (r = 0.5): a partly sold lot, and another wallet's uncovered sell of outcome 1
    buy(W_D, SPLIT, 0, "d1", 10, 4.00, at=1),
    sell(W_D, SPLIT, 0, "d2", 4, 2.80, at=2),
    sell(W_D2, SPLIT, 1, "d3", 2, 1.00, at=1),
    # E: fully sold on an open market (closed), maker with fees; and a held lot on a three-way market [1,2,1]
    buy(W_E, OPEN, 0, "e1", 5, 2.50, 0.05, role="maker", at=1),
    sell(W_E, OPEN, 0, "e2", 5, 3.00, 0.03, role="maker", at=2),
    buy(W_E, THREE_WAY, 0, "e3", 8, 0.80, at=1),
]

LOT_COLUMNS = ("lot_id", "is_maker", "tokens", "cost_usd", "tokens_sold", "sell_proceeds_usd", "tokens_held",
               "exit_value_usd", "pnl_usd", "roi", "status")
POSITION_COLUMNS = ("bought_tokens", "cost_usd", "sold_tokens", "proceeds_usd", "uncovered_sell_tokens",
                    "uncovered_sell_proceeds_usd", "held_tokens", "payout", "status", "fifo_pnl_usd",
                    "avg_cost_pnl_usd", "n_buys", "n_sells", "is_short")


@pytest.fixture(scope="module")
def db(make_db):
    """All cases loaded once; every shard with a wallet computed, with no conservation or sanity violation."""
    db = make_db("fifo_cases")
    db.insert("ledger", LEDGER, LEDGER_COLUMNS)
    db.insert("resolutions", [(c, nums, RESOLVED_AT) for c, nums in RESOLUTIONS],
              ("condition_id", "payout_numerators", "resolved_at"))
    for prefix in sorted({row[0][2] for row in LEDGER}):
        violations = run_shard(db, prefix).violations
        assert {k: v for k, v in violations.items() if v} == {}, f"shard {prefix}: {violations}"
    return db


def lots(db, w: str, c: str, o: int) -> list[dict]:
    rows = db.sql(f"SELECT {', '.join(LOT_COLUMNS)} FROM {db.table('lots')} WHERE wallet = {{w:String}} AND "
                  f"condition_id = {{c:String}} AND outcome_index = {{o:UInt8}} ORDER BY entry_time, lot_id, is_maker DESC",
                  w=w, c=c, o=o)
    return [dict(zip(LOT_COLUMNS, r)) for r in rows]


def position(db, w: str, c: str, o: int) -> dict:
    rows = db.sql(f"SELECT {', '.join(POSITION_COLUMNS)} FROM {db.table('positions')} WHERE wallet = {{w:String}} "
                  f"AND condition_id = {{c:String}} AND outcome_index = {{o:UInt8}}", w=w, c=c, o=o)
    assert len(rows) == 1
    return dict(zip(POSITION_COLUMNS, rows[0]))


def check(got: dict, want: dict) -> None:
    """Integers and text exactly, money (floats) to 1e-9 USD."""
    assert set(want) <= set(got)
    for k, v in want.items():
        assert got[k] == (pytest.approx(v, abs=1e-9) if isinstance(v, float) else v), k


def test_a_sell_spanning_two_lots_on_a_won_market_settles_the_rest_at_one(db):
    # p = 11.8/15. Lot a1: sold 10 -> 10 x 11.8/15 = 7.8666..; held 0; exit 7.8666..; pnl 7.8666.. - 4 = 3.8666..
    # Lot a2: sold 5 -> 5 x 11.8/15 = 3.9333..; held 5; exit 3.9333.. + 5 x 1 = 8.9333..; pnl 8.9333.. - 6.1 = 2.8333..
    got = lots(db, W_A, WON, 0)
    check(got[0], dict(lot_id="a1", tokens=S(10), cost_usd=4.0, tokens_sold=S(10), sell_proceeds_usd=118 / 15,
                       tokens_held=0, exit_value_usd=118 / 15, pnl_usd=118 / 15 - 4, roi=(118 / 15 - 4) / 4,
                       status="resolved", is_maker=0))
    check(got[1], dict(lot_id="a2", tokens=S(10), cost_usd=6.1, tokens_sold=S(5), sell_proceeds_usd=59 / 15,
                       tokens_held=S(5), exit_value_usd=59 / 15 + 5, pnl_usd=59 / 15 + 5 - 6.1,
                       roi=(59 / 15 + 5 - 6.1) / 6.1, status="resolved"))
    assert len(got) == 2
    # fifo = 3.8666.. + 2.8333.. = 6.7 = cash (-4 - 6.1 + 11.8 = 1.7) + held 5 x 1.
    # Average cost, fees ignored: avg (4 + 6) / 20 = 0.5; sell 15 at 12/15 = 0.8 realizes 15 x 0.3 = 4.5;
    # resolution realizes the remaining 5 x (1 - 0.5) = 2.5; total 7.0.
    check(position(db, W_A, WON, 0), dict(
        bought_tokens=S(20), cost_usd=10.1, sold_tokens=S(15), proceeds_usd=11.8, uncovered_sell_tokens=0,
        uncovered_sell_proceeds_usd=0.0, held_tokens=S(5), payout=1.0, status="resolved", fifo_pnl_usd=6.7,
        avg_cost_pnl_usd=7.0, n_buys=2, n_sells=1, is_short=0))


def test_a_partial_sell_on_an_open_market_leaves_an_open_lot_with_its_realized_part(db):
    # Same fills, no resolution. Lot a1 fully sold: 'closed', pnl 7.8666.. - 4 = 3.8666...
    # Lot a2: 'open'; realized part = 3.9333.. - 5 x 6.1/10 = 3.9333.. - 3.05 = 0.8833..; exit so far = proceeds.
    got = lots(db, W_A, OPEN, 0)
    check(got[0], dict(lot_id="a1", tokens_held=0, pnl_usd=118 / 15 - 4, status="closed"))
    check(got[1], dict(lot_id="a2", tokens_sold=S(5), sell_proceeds_usd=59 / 15, tokens_held=S(5),
                       exit_value_usd=59 / 15, pnl_usd=59 / 15 - 3.05, roi=(59 / 15 - 3.05) / 6.1, status="open"))
    # fifo = 3.8666.. + 0.8833.. = 4.75; average cost realizes only the sell: 4.5
    check(position(db, W_A, OPEN, 0), dict(
        bought_tokens=S(20), sold_tokens=S(15), held_tokens=S(5), payout=0.0, status="open", fifo_pnl_usd=4.75,
        avg_cost_pnl_usd=4.5, is_short=0))


def test_a_sell_before_any_buy_is_an_uncovered_short_settled_at_resolution(db):
    # b1 matches nothing: uncovered S(4), U(1.20). b3 takes S(6) of lot b2 for U(4.10); lot b2 holds S(4).
    # Lost (r = 0): lot exit 4.10, pnl 4.10 - 5 = -0.90, roi -0.18; short term 1.20 - 4 x 0 = +1.20;
    # fifo = 0.30 = cash (1.20 - 5 + 4.10) + (held 4 - uncovered 4) x 0.
    # Average cost: b1 sells from amount 0 (adj 0, nothing); buy avg 0.5; b3 at 4.2/6 = 0.7 realizes 6 x 0.2 = 1.2;
    # resolution: 4 x (0 - 0.5) = -2; total -0.8.
    got = lots(db, W_B, LOST_0, 0)
    assert len(got) == 1
    check(got[0], dict(lot_id="b2", tokens=S(10), cost_usd=5.0, tokens_sold=S(6), sell_proceeds_usd=4.1,
                       tokens_held=S(4), exit_value_usd=4.1, pnl_usd=-0.9, roi=-0.18, status="resolved"))
    check(position(db, W_B, LOST_0, 0), dict(
        bought_tokens=S(10), cost_usd=5.0, sold_tokens=S(10), proceeds_usd=5.3, uncovered_sell_tokens=S(4),
        uncovered_sell_proceeds_usd=1.2, held_tokens=S(4), payout=0.0, status="resolved", fifo_pnl_usd=0.3,
        avg_cost_pnl_usd=-0.8, n_buys=1, n_sells=2, is_short=1))


def test_an_uncovered_short_on_a_won_outcome_pays_one_per_share(db):
    # Won (r = 1): lot exit 4.10 + 4 = 8.10, pnl 3.10, roi 0.62; short term 1.20 - 4 x 1 = -2.80;
    # fifo = 3.10 - 2.80 = 0.30 = cash 0.30 + (4 - 4) x 1. Average cost: 1.2 + 4 x (1 - 0.5) = 3.2.
    check(lots(db, W_B, WON_0, 0)[0], dict(lot_id="b2", exit_value_usd=8.1, pnl_usd=3.1, roi=0.62, status="resolved"))
    check(position(db, W_B, WON_0, 0), dict(
        uncovered_sell_tokens=S(4), uncovered_sell_proceeds_usd=1.2, payout=1.0, status="resolved",
        fifo_pnl_usd=0.3, avg_cost_pnl_usd=3.2, is_short=1))


def test_equal_timestamps_are_ordered_by_event_id_as_text_then_maker_before_taker(db):
    # Order: ("10", taker) buy S(4) for 2.40; ("9", maker) buy S(10) for 2.00; ("9", taker) sell S(10) at 0.5.
    # The sell empties lot "10" (4 x 0.5 = 2.00, pnl 2.00 - 2.40 = -0.40, closed) and takes S(6) of lot "9"
    # (6 x 0.5 = 3.00; realized 3.00 - 6 x 2.00/10 = 1.80, open with S(4) held). Numeric id order would
    # close lot "9" instead; taker-first would leave S(6) uncovered.
    got = lots(db, W_C, OPEN, 1)
    check(got[0], dict(lot_id="10", is_maker=0, tokens=S(4), cost_usd=2.4, tokens_sold=S(4), sell_proceeds_usd=2.0,
                       tokens_held=0, pnl_usd=-0.4, status="closed"))
    check(got[1], dict(lot_id="9", is_maker=1, tokens=S(10), cost_usd=2.0, tokens_sold=S(6), sell_proceeds_usd=3.0,
                       tokens_held=S(4), pnl_usd=1.8, roi=0.9, status="open"))
    # fifo = -0.40 + 1.80 = 1.40. Average cost: avg (2.40 + 2.00) / 14 = 4.4/14; sell realizes 10 x (0.5 - 4.4/14)
    # = 5 - 44/14 = 13/7.
    check(position(db, W_C, OPEN, 1), dict(
        bought_tokens=S(14), cost_usd=4.4, sold_tokens=S(10), proceeds_usd=5.0, uncovered_sell_tokens=0,
        held_tokens=S(4), status="open", fifo_pnl_usd=1.4, avg_cost_pnl_usd=13 / 7, n_buys=2, n_sells=1))


def test_a_split_payout_settles_held_and_short_shares_at_half(db):
    # [1,1]: r = 1/2 for both outcomes. Lot d1: S(4) sold for 2.80, S(6) held: exit 2.80 + 6 x 0.5 = 5.80,
    # pnl 1.80, roi 0.45. Average cost: 4 x (0.7 - 0.4) + 6 x (0.5 - 0.4) = 1.2 + 0.6 = 1.8.
    check(lots(db, W_D, SPLIT, 0)[0], dict(lot_id="d1", tokens_held=S(6), exit_value_usd=5.8, pnl_usd=1.8,
                                           roi=0.45, status="resolved"))
    check(position(db, W_D, SPLIT, 0), dict(payout=0.5, status="resolved", fifo_pnl_usd=1.8, avg_cost_pnl_usd=1.8))
    # The other wallet only sold outcome 1, S(2) for 1.00: no lots; short term 1.00 - 2 x 0.5 = 0.
    assert lots(db, W_D2, SPLIT, 1) == []
    check(position(db, W_D2, SPLIT, 1), dict(
        bought_tokens=0, cost_usd=0.0, sold_tokens=S(2), proceeds_usd=1.0, uncovered_sell_tokens=S(2),
        uncovered_sell_proceeds_usd=1.0, held_tokens=0, payout=0.5, status="resolved", fifo_pnl_usd=0.0,
        avg_cost_pnl_usd=0.0, n_buys=0, n_sells=1, is_short=1))


def test_a_fully_sold_position_on_an_open_market_is_closed_and_fees_count(db):
    # Cost 2.50 + 0.05 = 2.55; net proceeds 3.00 - 0.03 = 2.97; pnl 0.42, roi 0.42 / 2.55.
    # Average cost ignores fees: 5 x (0.6 - 0.5) = 0.5.
    check(lots(db, W_E, OPEN, 0)[0], dict(lot_id="e1", is_maker=1, cost_usd=2.55, sell_proceeds_usd=2.97,
                                          tokens_held=0, exit_value_usd=2.97, pnl_usd=0.42, roi=0.42 / 2.55,
                                          status="closed"))
    check(position(db, W_E, OPEN, 0), dict(status="closed", held_tokens=0, fifo_pnl_usd=0.42,
                                           avg_cost_pnl_usd=0.5, is_short=0))


def test_a_three_way_split_pays_each_outcome_its_share_of_the_numerators(db):
    # [1,2,1]: outcome 0 pays 1/4. Lot e3: S(8) for 0.80, held: exit 8 x 0.25 = 2.00, pnl 1.20, roi 1.5.
    check(lots(db, W_E, THREE_WAY, 0)[0], dict(tokens_held=S(8), exit_value_usd=2.0, pnl_usd=1.2, roi=1.5,
                                               status="resolved"))
    check(position(db, W_E, THREE_WAY, 0), dict(payout=0.25, status="resolved", fifo_pnl_usd=1.2,
                                                avg_cost_pnl_usd=1.2))


# -- the in-query checks: each broken identity is counted, and a failing shard is not swapped in ---------------
CHECK_POSITION = {"A won": (W_A, WON), "E closed": (W_E, OPEN)}


@pytest.fixture(scope="module")
def state(db):
    """The real FIFO result of every case, kept in a Memory table (the pipeline streams it through a Null one)."""
    null, kept = db.scratch("null_state"), db.scratch("kept_state")
    db.run("create_fifo_state", idents={"state": null})
    db.client.command(f"CREATE TABLE {db.table(kept)} AS {db.table(null)} ENGINE = Memory")
    db.run("insert_fifo_state", idents={"state": kept, "ledger_source": "ledger"}, prefix="0x", parts=1, part=0)
    return kept


def counted(db, state: str, case: str, replace: str = "") -> dict:
    """Nonzero check counts over one position of the FIFO result, with some of its columns replaced."""
    w, c = CHECK_POSITION[case]
    broken = db.scratch("broken_state")
    db.client.command(f"CREATE TABLE {db.table(broken)} AS {db.table(state)} ENGINE = Memory")
    db.client.command(f"INSERT INTO {db.table(broken)} SELECT * {replace} FROM {db.table(state)} "
                      f"WHERE wallet = {{w:String}} AND condition_id = {{c:String}} AND outcome_index = 0",
                      parameters={"w": w, "c": c})
    out = db.rows("select_fifo_checks", idents={"state": broken})[0]
    assert out["positions"] == 1
    return {k: v for k, v in out.items() if v and k not in ("positions", "lots", "ledger_rows")}


@pytest.mark.parametrize("case, replace, expected", [
    # untouched: every identity holds
    ("A won", "", {}),
    ("E closed", "", {}),
    # one more share sold from lot a2 than the sells matched: matched and held both disagree
    ("A won", "REPLACE ([lot_sold[1], lot_sold[2] + 1] AS lot_sold)",
     {"matched_ne_lots_sold": 1, "held_ne_lots_held": 1}),
    # a lot bought one share more than the ledger's buys: bought and held disagree
    ("A won", "REPLACE ([lot_tokens[1] + 1, lot_tokens[2]] AS lot_tokens)",
     {"bought_ne_lots_tokens": 1, "held_ne_lots_held": 1}),
    # 2 micro-USDC of proceeds from nowhere, over the 1 + 1e-9 x 21.9 USDC gross tolerance
    ("A won", "REPLACE ([lot_proceeds[1], lot_proceeds[2] + 2] AS lot_proceeds)", {"proceeds_ne_lots_proceeds": 1}),
    # resolved: fifo pnl no longer cash flow + held x r; closed: no longer cash flow
    ("A won", "REPLACE (fifo_pnl + 2 AS fifo_pnl)", {"resolved_pnl_mismatch": 1}),
    ("E closed", "REPLACE (fifo_pnl + 2 AS fifo_pnl)", {"closed_pnl_mismatch": 1}),
    # sanity: a lot losing more than its cost, a NaN, a resolved lot earning more than 1 USDC a share
    ("A won", "REPLACE ([-lot_cost[1] * 1.01, lot_pnl[2]] AS lot_pnl)", {"roi_below_minus_one": 1}),
    ("A won", "REPLACE (nan AS avg_cost_pnl)", {"not_finite": 1}),
    ("A won", "REPLACE ([lot_pnl[1], lot_tokens[2] - lot_cost[2] + 2.] AS lot_pnl)", {"resolved_pnl_above_max": 1}),
    ("A won", "REPLACE ([lot_sold[1], lot_tokens[2] + 1] AS lot_sold)",
     {"bad_lot_quantities": 1, "matched_ne_lots_sold": 1, "held_ne_lots_held": 1}),
])
def test_each_broken_identity_is_counted(db, state, case, replace, expected):
    assert counted(db, state, case, replace) == expected


def test_a_shard_failing_its_checks_keeps_its_previous_lots_and_positions(db, monkeypatch):
    import tasks.clickhouse as ch

    before = (lots(db, W_A, WON, 0), position(db, W_A, WON, 0))
    render = ch.render_text

    def one_more_dollar_per_lot(name: str, idents: dict) -> str:
        # a fault in the FIFO arithmetic: every lot's proceeds inflated by 1 USDC (mapped by position on insert)
        sql = render(name, idents)
        return sql.replace("    lot_proceeds,\n    lot_pnl\n", "    arrayMap(x -> x + 1e6, lot_proceeds),\n    lot_pnl\n") \
            if name == "insert_fifo_state" else sql

    monkeypatch.setattr(ch, "render_text", one_more_dollar_per_lot)
    out = run_shard(db, W_A[2])
    monkeypatch.undo()
    # shard a holds W_A's two positions (case A, won and open); both have lots, so both fail the proceeds identity
    assert {k: v for k, v in out.violations.items() if v} == {"proceeds_ne_lots_proceeds": 2}
    assert (lots(db, W_A, WON, 0), position(db, W_A, WON, 0)) == before
