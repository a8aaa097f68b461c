"""Property test: the set-based FIFO SQL agrees with the Python reference (SPEC 4) on every lot and position."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference import Event, fifo, payout_for
from tasks.fifo import run_shard

HEX = "0123456789abcdef"
T0 = datetime(2024, 3, 1, tzinfo=timezone.utc)
RESOLVED_AT = datetime(2024, 4, 1, tzinfo=timezone.utc)
LEDGER_COLUMNS = ("wallet", "event_id", "role", "side", "condition_id", "outcome_index", "token_id", "token_delta",
                  "usdc_delta", "fee_amount", "trade_time", "transaction_hash", "source")
# (outcomes, payout numerators or None): binary and three-way markets, won, lost, split; about half unresolved
MARKETS = [(2, None), (2, None), (3, None), (2, None), (2, None), (3, None),
           (2, [1, 0]), (2, [0, 1]), (2, [1, 1]), (3, [1, 2, 1]), (3, [0, 0, 1]), (2, [3, 1])]
# Small and round quantities make sells end exactly on lot boundaries; large ones reach 1e6 shares
QUANTITY = st.one_of(st.sampled_from([1, 2, 3, 1_000_000, 2_000_000, 5_000_000]), st.integers(1, 10**12))


@st.composite
def fill(draw) -> dict:
    """One fill of a position: side, size, price, fee, one of a few timestamps, a short event id, a role."""
    q = draw(QUANTITY)
    usdc = max(1, q * draw(st.integers(0, 10**6)) // 10**6)  # 0 < usdc_amount <= token_amount (SPEC 3.2)
    fee = draw(st.one_of(st.just(0), st.integers(0, usdc // 10 + 1)))  # fee <= usdc: net proceeds stay >= 0
    buy = draw(st.booleans())
    return {
        "event_id": draw(st.text(alphabet=HEX, min_size=1, max_size=2)),  # lexicographic, often tied on time
        "role": draw(st.sampled_from(["maker", "taker"])),
        "side": "buy" if buy else "sell",
        "token_delta": q if buy else -q,
        "usdc_delta": -(usdc + fee) if buy else usdc - fee,
        "fee_amount": fee,
        "trade_time": T0 + timedelta(hours=draw(st.integers(0, 3))),
    }


@st.composite
def histories(draw) -> tuple[list[tuple], list[tuple], list[str]]:
    """Ledger rows and resolutions for a few wallets over a few shards and markets; returns (ledger, resolutions, prefixes)."""
    prefixes = draw(st.lists(st.sampled_from(HEX), min_size=1, max_size=3, unique=True))
    wallets = [f"0x{c}{i:039x}" for c in prefixes for i in range(draw(st.integers(1, 2)))]
    markets = draw(st.lists(st.sampled_from(MARKETS), min_size=1, max_size=3))
    keys = draw(st.lists(st.tuples(st.sampled_from(wallets), st.integers(0, len(markets) - 1), st.integers(0, 2)),
                         min_size=1, max_size=6))
    ledger, seen = [], set()
    for wallet, m, o in keys:
        o %= markets[m][0]
        if (wallet, m, o) in seen:
            continue
        seen.add((wallet, m, o))
        fills = draw(st.lists(fill(), min_size=1, max_size=12, unique_by=lambda f: (f["event_id"], f["role"])))
        if draw(st.integers(0, 2)) == 0:  # sell out what is held last, so positions also end 'closed'
            held = fifo([Event(f["trade_time"], f["event_id"], f["role"], f["token_delta"], f["usdc_delta"],
                               f["fee_amount"]) for f in fills], None)[0].held
            if held:
                usdc = max(1, held * draw(st.integers(0, 10**6)) // 10**6)
                fills.append({"event_id": "zz", "role": "taker", "side": "sell", "token_delta": -held,
                              "usdc_delta": usdc, "fee_amount": 0, "trade_time": T0 + timedelta(hours=4)})
        for f in fills:
            ledger.append(ledger_row(wallet, condition_id(m), o, **f))
    resolutions = [(condition_id(m), json.dumps(nums), RESOLVED_AT) for m, (_, nums) in enumerate(markets) if nums]
    return ledger, resolutions, prefixes


def condition_id(m: int) -> str:
    return f"0x{m + 1:064x}"


def ledger_row(wallet, condition, outcome, *, event_id, role, side, token_delta, usdc_delta, fee_amount,
               trade_time) -> tuple:
    return (wallet, event_id, role, side, condition, outcome, f"{int(condition, 16)}{outcome}", token_delta,
            usdc_delta, fee_amount, trade_time, "0x" + event_id.encode().hex().rjust(64, "0"), "clob")


# -- the harness: load, run every shard, compare with the reference ------------------------------------------------

def reset(db) -> None:
    for key in ("ledger", "resolutions", "lots", "positions"):
        db.client.command(f"TRUNCATE TABLE {db.table(key)}")


def run_fifo(db, ledger: list[tuple], resolutions: list[tuple], prefixes) -> None:
    """Load a ledger and resolutions into empty tables and run the FIFO of each shard; conservation must hold.

    One shard without wallets runs last: it must produce nothing and leave the other shards' rows alone.
    """
    reset(db)
    db.insert("ledger", ledger, LEDGER_COLUMNS)
    db.insert("resolutions", resolutions, ("condition_id", "payout_numerators", "resolved_at"))
    for prefix in [*prefixes, next(c for c in HEX if c not in prefixes)]:
        outcome = run_shard(db, prefix)
        assert {k: v for k, v in outcome.violations.items() if v} == {}, f"shard {prefix}: {outcome.violations}"


def utc(t: datetime | None) -> datetime | None:
    return None if t is None else t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def expected(ledger: list[tuple], resolutions: list[tuple]) -> dict[tuple, tuple]:
    """Reference results per position key: (position, lots, events, resolved_at, payout)."""
    events = defaultdict(list)
    for row in ledger:
        r = dict(zip(LEDGER_COLUMNS, row))
        events[(r["wallet"], r["condition_id"], r["outcome_index"])].append(
            Event(utc(r["trade_time"]), r["event_id"], r["role"], r["token_delta"], r["usdc_delta"], r["fee_amount"]))
    res = {c: (json.loads(nums), at) for c, nums, at in resolutions}
    out = {}
    for key, evs in events.items():
        nums, at = res.get(key[1], (None, None))
        pos, lots = fifo(evs, payout_for(nums, key[2]))
        out[key] = (pos, lots, evs, utc(at), payout_for(nums, key[2]))
    return out


def close(actual: float, micro: Fraction, scale: float) -> bool:
    """A USD figure against an exact micro-USDC one: within 1e-6 USD plus 1e-9 of the position's scale."""
    return abs(actual - micro / 1_000_000) <= 1e-6 + 1e-9 * scale


def compare(db, ledger: list[tuple], resolutions: list[tuple]) -> None:
    """Every lot and every position in ClickHouse equals the reference: quantities exact, money to a micro-USDC."""
    want = expected(ledger, resolutions)
    lots = defaultdict(list)
    for r in db.sql(f"SELECT wallet, condition_id, outcome_index, lot_id, entry_time, is_maker, tokens, cost_usd, "
                    f"tokens_sold, sell_proceeds_usd, tokens_held, exit_value_usd, pnl_usd, roi, status, resolved_at "
                    f"FROM {db.table('lots')} ORDER BY wallet, condition_id, outcome_index, entry_time, lot_id, is_maker DESC"):
        lots[r[:3]].append(r[3:])
    positions = {r[:3]: r[3:] for r in db.sql(
        f"SELECT wallet, condition_id, outcome_index, bought_tokens, cost_usd, sold_tokens, proceeds_usd, "
        f"uncovered_sell_tokens, uncovered_sell_proceeds_usd, held_tokens, payout, status, fifo_pnl_usd, "
        f"avg_cost_pnl_usd, n_buys, n_sells, first_trade, last_trade, resolved_at, is_short, cash_flow "
        f"FROM {db.table('positions')}")}
    assert set(positions) == set(want), "positions differ"
    assert set(lots) == {k for k, (_, ls, *_) in want.items() if ls}, "positions with lots differ"
    for key, (pos, ref_lots, evs, res_at, r) in want.items():
        scale = sum(abs(e.usdc_delta) + abs(e.token_delta) for e in evs) / 1e6
        ctx = f"position {key} events {sorted(evs, key=lambda e: (e.trade_time, e.event_id, e.role))} payout {r}"
        (bought, cost, sold, proceeds, unc, unc_proceeds, held, payout, status, fifo_pnl, avg_pnl, n_buys,
         n_sells, first, last, resolved_at, is_short, cash_flow) = positions[key]
        assert (bought, sold, unc, held, n_buys, n_sells, cash_flow) == (
            pos.bought, pos.sold, pos.uncovered_tokens, pos.held, pos.n_buys, pos.n_sells, pos.cash_flow), ctx
        assert (status, is_short, utc(resolved_at)) == (pos.status, int(pos.uncovered_tokens > 0), res_at), ctx
        assert (utc(first), utc(last)) == (min(e.trade_time for e in evs), max(e.trade_time for e in evs)), ctx
        assert abs(payout - float(r or 0)) < 1e-12, ctx
        for name, got, ref in (("cost", cost, pos.cost), ("proceeds", proceeds, pos.proceeds),
                               ("uncovered_proceeds", unc_proceeds, pos.uncovered_proceeds),
                               ("fifo_pnl", fifo_pnl, pos.fifo_pnl), ("avg_cost_pnl", avg_pnl, pos.avg_cost_pnl)):
            assert close(got, ref, scale), f"{name}: got {got}, want {float(ref) / 1e6} -- {ctx}"
        got_lots = lots.get(key, [])
        assert len(got_lots) == len(ref_lots), ctx
        for got, ref in zip(got_lots, ref_lots):
            (lot_id, entry, is_maker, tokens, l_cost, sold_, l_proceeds, held_, exit_value, pnl, roi, l_status,
             l_res_at) = got
            lctx = f"lot {lot_id}/{is_maker} of {ctx}"
            assert (lot_id, utc(entry), is_maker, tokens, sold_, held_, l_status, utc(l_res_at)) == (
                ref.lot_id, ref.entry_time, ref.is_maker, ref.tokens, ref.tokens_sold, ref.tokens_held, ref.status,
                res_at), lctx
            for name, g, w in (("cost", l_cost, ref.cost), ("sell_proceeds", l_proceeds, ref.sell_proceeds),
                               ("exit_value", exit_value, ref.exit_value), ("pnl", pnl, ref.pnl)):
                assert close(g, w, scale), f"{name}: got {g}, want {float(w) / 1e6} -- {lctx}"
            assert abs(roi - float(ref.roi)) <= (1e-6 + 1e-9 * scale) / (ref.cost / 1e6) + 1e-12, lctx


@pytest.fixture(scope="module")
def db(make_db):
    return make_db("fifo_property")


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=histories())
def test_fifo_sql_matches_the_python_reference_on_every_lot_and_position(db, history):
    ledger, resolutions, prefixes = history
    run_fifo(db, ledger, resolutions, prefixes)
    compare(db, ledger, resolutions)
