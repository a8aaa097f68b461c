-- Deduped staging: one row per fill identity, latest insert wins, deleted winners hidden under FINAL.
-- Day first in the sorting key so FINAL prunes partitions on ClickHouse 26.3+.
CREATE TABLE IF NOT EXISTS ${staging}
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
    block_number UInt64,
    insert_time DateTime('UTC'),
    version UInt64,
    is_deleted UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
PARTITION BY day
ORDER BY (day, event_id, trader_wallet, role)
