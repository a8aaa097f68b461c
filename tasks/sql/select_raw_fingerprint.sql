-- Row count and an order-independent content hash of the raw fills of a time range (cache key, change detection)
SELECT
    count() AS rows,
    toString(sum(cityHash64(event_id, trader_wallet, role, side, token_id, usdc_amount, token_amount, fee_amount,
                            trade_time, transaction_hash, block_number, is_deleted,
                            insert_time))) AS fingerprint
FROM ${raw}
WHERE trade_time >= {start:DateTime('UTC')} AND trade_time < {end:DateTime('UTC')}
