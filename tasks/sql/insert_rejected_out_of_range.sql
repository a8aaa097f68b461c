-- Raw fills whose trade_time lies outside [min_time, max_time] never fall in a day chunk: reject them here,
-- latest version per identity, into the sentinel day 1970-01-01
INSERT INTO ${scratch}
SELECT
    toDate(0), event_id, trader_wallet, role, side, token_id, usdc_amount, token_amount, fee_amount, trade_time,
    transaction_hash, insert_time, 'time_out_of_range'
FROM
(
    SELECT
        event_id, lower(trader_wallet) AS trader_wallet, role, lower(side) AS side, token_id, usdc_amount,
        token_amount, fee_amount, trade_time, transaction_hash, insert_time, is_deleted
    FROM ${raw}
    WHERE trade_time < {min_time:DateTime('UTC')} OR trade_time > {max_time:DateTime('UTC')}
    -- the staging version: latest insert_time, ties broken by the same content hash
    ORDER BY insert_time DESC,
             bitAnd(cityHash64(event_id, ${raw}.trader_wallet, ${raw}.role, ${raw}.side, token_id, usdc_amount,
                               token_amount, fee_amount, trade_time, transaction_hash, is_deleted), 1048575) DESC
    LIMIT 1 BY event_id, trader_wallet, role
)
WHERE is_deleted = 0
