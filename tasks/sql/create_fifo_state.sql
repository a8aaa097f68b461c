-- One FIFO slice's result, one row per position with its lots as parallel arrays. A Null table: nothing is stored,
-- the materialized views on it cut each block into lots, positions and check counts as it passes
CREATE TABLE ${state}
(
    wallet String,
    condition_id String,
    outcome_index UInt8,
    bought_tokens Int64,
    cost Int64,
    sold_tokens Int64,
    proceeds Int64,
    uncovered_tokens Int64,
    uncovered_proceeds Float64,
    held_tokens Int64,
    resolved UInt8,
    payout Float64,
    resolved_at Nullable(DateTime('UTC')),
    avg_cost_pnl Float64,
    n_buys UInt32,
    n_sells UInt32,
    first_trade DateTime('UTC'),
    last_trade DateTime('UTC'),
    cash_flow Int64,
    fifo_pnl Float64,
    lot_id Array(String),
    lot_time Array(DateTime('UTC')),
    lot_taker Array(UInt8),
    lot_tokens Array(Int64),
    lot_cost Array(Int64),
    lot_sold Array(Int64),
    lot_proceeds Array(Float64),
    lot_pnl Array(Float64)
)
ENGINE = Null
