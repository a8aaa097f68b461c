-- Scratch for the seed's approximate FIFO: the lots table's columns, unpartitioned (one insert spans every wallet)
CREATE OR REPLACE TABLE ${approx_lots}
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
ORDER BY (wallet, condition_id, outcome_index, entry_time, lot_id)
