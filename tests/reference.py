"""A plain-Python reference of SPEC section 4 (FIFO and average-cost PnL) for one position, in exact Fractions.

Money is in micro-USDC and quantities in micro-shares, as in the ledger; nothing here is rounded. This is the
thing the SQL is checked against, so it favours being obviously right over being fast.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Event:
    """One ledger row of a position (token_delta > 0 buys, < 0 sells; usdc_delta is net of the fee)."""

    trade_time: Any
    event_id: str
    role: str
    token_delta: int
    usdc_delta: int
    fee_amount: int

    @property
    def usdc_amount(self) -> int:
        """The fill's gross USDC, fee excluded (buy: usdc_delta = -(usdc + fee); sell: usdc - fee)."""
        return -self.usdc_delta - self.fee_amount if self.token_delta > 0 else self.usdc_delta + self.fee_amount


@dataclass
class Lot:
    lot_id: str
    entry_time: Any
    is_maker: int
    tokens: int
    cost: Fraction
    tokens_sold: int = 0
    sell_proceeds: Fraction = Fraction(0)
    tokens_held: int = 0
    exit_value: Fraction = Fraction(0)
    pnl: Fraction = Fraction(0)
    roi: Fraction = Fraction(0)
    status: str = ""


@dataclass
class Position:
    bought: int = 0
    cost: Fraction = Fraction(0)
    sold: int = 0
    proceeds: Fraction = Fraction(0)
    uncovered_tokens: int = 0
    uncovered_proceeds: Fraction = Fraction(0)
    held: int = 0
    status: str = ""
    fifo_pnl: Fraction = Fraction(0)
    avg_cost_pnl: Fraction = Fraction(0)
    n_buys: int = 0
    n_sells: int = 0
    cash_flow: int = 0


def payout_for(numerators: list[int] | None, outcome_index: int) -> Fraction | None:
    """Payout per share of one outcome (numerators[i] / sum), None when the market is not resolved."""
    if numerators is None:
        return None
    return Fraction(numerators[outcome_index], sum(numerators))


def fifo(events: list[Event], r: Fraction | None) -> tuple[Position, list[Lot]]:
    """SPEC 4 for one position: its lots in opening order and the position totals."""
    events = sorted(events, key=lambda e: (e.trade_time, e.event_id, e.role))
    pos, lots, queue = Position(), [], deque()
    amount, avg, realized = 0, Fraction(0), Fraction(0)  # average cost state (Polymarket's subgraph)
    for e in events:
        pos.cash_flow += e.usdc_delta
        price = Fraction(e.usdc_amount, abs(e.token_delta))  # fees ignored in average cost
        if e.token_delta > 0:  # step 1: a buy opens a lot
            lot = Lot(e.event_id, e.trade_time, int(e.role == "maker"), e.token_delta, Fraction(-e.usdc_delta))
            lots.append(lot)
            queue.append(lot)
            pos.bought += e.token_delta
            pos.cost += lot.cost
            pos.n_buys += 1
            avg = (avg * amount + price * e.token_delta) / (amount + e.token_delta)
            amount += e.token_delta
        else:  # step 2: a sell consumes the oldest open lots at its own net unit price
            q = -e.token_delta
            p = Fraction(e.usdc_delta, q)
            pos.sold += q
            pos.proceeds += e.usdc_delta
            pos.n_sells += 1
            left = q
            while left and queue:
                lot = queue[0]
                m = min(left, lot.tokens - lot.tokens_sold)
                lot.tokens_sold += m
                lot.sell_proceeds += m * p
                left -= m
                if lot.tokens_sold == lot.tokens:
                    queue.popleft()
            pos.uncovered_tokens += left  # step 3: never matched to later buys
            pos.uncovered_proceeds += left * p
            adj = min(q, amount)
            realized += adj * (price - avg)
            amount -= adj
    for lot in lots:  # steps 4-6
        lot.tokens_held = lot.tokens - lot.tokens_sold
        if r is not None:
            lot.exit_value = lot.sell_proceeds + lot.tokens_held * r
            lot.pnl, lot.status = lot.exit_value - lot.cost, "resolved"
        elif lot.tokens_held == 0:
            lot.exit_value = lot.sell_proceeds
            lot.pnl, lot.status = lot.sell_proceeds - lot.cost, "closed"
        else:
            lot.exit_value = lot.sell_proceeds  # nothing settled yet: the exit so far is what was sold
            lot.pnl, lot.status = lot.sell_proceeds - lot.tokens_sold * lot.cost / lot.tokens, "open"
        lot.roi = lot.pnl / lot.cost
        pos.held += lot.tokens_held
    pos.fifo_pnl = sum((lot.pnl for lot in lots), Fraction(0))
    if r is not None:
        pos.status = "resolved"
        pos.fifo_pnl += pos.uncovered_proceeds - pos.uncovered_tokens * r
        realized += amount * (r - avg)
    else:
        pos.status = "open" if pos.held > 0 or pos.uncovered_tokens > 0 else "closed"
    pos.avg_cost_pnl = realized
    return pos, lots
