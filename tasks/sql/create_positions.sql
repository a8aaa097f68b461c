-- One row per (wallet, condition, outcome) with FIFO and average-cost PnL side by side
CREATE TABLE IF NOT EXISTS ${positions}
(
    wallet String,
    condition_id String,
    outcome_index UInt8,
    bought_tokens Int64,
    cost_usd Float64,
    sold_tokens Int64,
    proceeds_usd Float64,
    uncovered_sell_tokens Int64,
    uncovered_sell_proceeds_usd Float64,
    held_tokens Int64,
    payout Float64,
    status LowCardinality(String),
    fifo_pnl_usd Float64,
    avg_cost_pnl_usd Float64,
    n_buys UInt32,
    n_sells UInt32,
    first_trade DateTime('UTC'),
    last_trade DateTime('UTC'),
    resolved_at Nullable(DateTime('UTC')),
    is_short UInt8,
    cash_flow Int64
)
ENGINE = MergeTree
PARTITION BY substring(wallet, 3, 2)
ORDER BY (wallet, condition_id, outcome_index)
