-- FIFO buy lots (SPEC 4), partitioned by the wallet's first two hex characters so a shard replaces its own
CREATE TABLE IF NOT EXISTS ${lots}
(
    wallet String,
    condition_id String,
    outcome_index UInt8,
    lot_id String,
    entry_time DateTime('UTC'),
    tokens Int64,
    cost_usd Float64,
    tokens_sold Int64,
    sell_proceeds_usd Float64,
    tokens_held Int64,
    exit_value_usd Float64,
    pnl_usd Float64,
    roi Float64,
    status LowCardinality(String),
    resolved_at Nullable(DateTime('UTC')),
    is_maker UInt8
)
ENGINE = MergeTree
PARTITION BY substring(wallet, 3, 2)
ORDER BY (wallet, condition_id, outcome_index, entry_time, lot_id)
