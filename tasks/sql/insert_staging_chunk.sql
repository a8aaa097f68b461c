-- Stage raw fills of one day chunk into a scratch ReplacingMergeTree: no GROUP BY, the engine dedupes.
-- The version orders by insert_time and breaks ties by content, so the winner is the same on every run.
INSERT INTO ${scratch}
SELECT
    toDate(trade_time) AS day,
    event_id,
    lower(trader_wallet) AS trader_wallet,
    role,
    lower(side) AS side,
    token_id,
    usdc_amount,
    token_amount,
    fee_amount,
    trade_time,
    transaction_hash,
    block_number,
    insert_time,
    bitShiftLeft(toUInt64(toUnixTimestamp(insert_time)), 20)
        + bitAnd(cityHash64(event_id, trader_wallet, role, side, token_id, usdc_amount, token_amount,
                            fee_amount, trade_time, transaction_hash, is_deleted), 1048575) AS version,
    is_deleted
FROM ${raw}
WHERE trade_time >= {start:DateTime('UTC')} AND trade_time < {end:DateTime('UTC')}
  AND trade_time >= {min_time:DateTime('UTC')} AND trade_time <= {max_time:DateTime('UTC')}
