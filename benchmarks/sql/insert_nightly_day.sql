-- A new day of raw fills in which only ~1% of wallets trade: their fills of the last day, one day later, new ids
INSERT INTO ${raw}
SELECT
    concat(event_id, '-next') AS event_id, trader_wallet, role, side, token_id, usdc_amount, token_amount, fee_amount,
    trade_time + INTERVAL 1 DAY, transaction_hash, block_number, is_deleted, insert_time + INTERVAL 1 DAY
FROM ${raw}
WHERE toDate(trade_time) = {last_day:Date}
  AND cityHash64(lower(trader_wallet)) % 100 < {percent:UInt32}
