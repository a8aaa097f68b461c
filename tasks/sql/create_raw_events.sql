-- Raw order-book fills, one row per (fill, wallet), duplicated by re-ingestion (exists in production)
CREATE TABLE IF NOT EXISTS ${raw}
(
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
    block_number UInt64,
    is_deleted UInt8 DEFAULT 0,
    insert_time DateTime('UTC') DEFAULT now()
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(trade_time)
ORDER BY (trade_time, event_id)
