-- Raw fills shaped as staging rows, each with its version: insert_time with a content hash as tie-break, so the
-- latest insert wins the same way on every run. The one definition of a version, read by staging, by the
-- out-of-range rejects and by the cross-day resolution, which compare versions across days.
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
