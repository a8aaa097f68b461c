-- Rows that failed validation, with the reason; day 1970-01-01 holds rows whose time is out of range
CREATE TABLE IF NOT EXISTS ${rejected}
(
    day Date,
    event_id String,
    trader_wallet String,
    role String,
    side String,
    token_id String,
    usdc_amount Int64,
    token_amount Int64,
    fee_amount Int64,
    trade_time DateTime('UTC'),
    transaction_hash String,
    insert_time DateTime('UTC'),
    reason LowCardinality(String)
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (reason, event_id, trader_wallet, role)
