-- The unified ledger: one row per valid deduped fill, signed deltas in micro-units
CREATE TABLE IF NOT EXISTS ${ledger}
(
    wallet String,
    event_id String,
    role LowCardinality(String),
    side LowCardinality(String),
    condition_id String,
    outcome_index UInt8,
    token_id String,
    token_delta Int64,
    usdc_delta Int64,
    fee_amount Int64,
    trade_time DateTime('UTC'),
    transaction_hash String,
    source LowCardinality(String) DEFAULT 'clob',
    day Date MATERIALIZED toDate(trade_time)
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (wallet, condition_id, outcome_index, trade_time, event_id, role)
