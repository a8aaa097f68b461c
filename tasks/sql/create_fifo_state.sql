-- Scratch: one row per position of a shard with its lots as an array, from which lots and positions are cut
CREATE TABLE ${scratch}
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
    lots Array(Tuple(
        lot_id String, entry_time DateTime('UTC'), is_maker UInt8, tokens Int64, cost Int64,
        tokens_sold Int64, proceeds Float64, pnl Float64))
)
ENGINE = MergeTree
ORDER BY (wallet, condition_id, outcome_index)
