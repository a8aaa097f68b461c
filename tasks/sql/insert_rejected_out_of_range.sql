-- Raw fills whose trade_time lies outside [min_time, max_time] never fall in a day chunk: reject them here,
-- latest version per identity, into the sentinel day 1970-01-01, unless a later version of the fill on a valid
-- day won (resolve_cross_day lists those under day 1970-01-01)
INSERT INTO ${scratch}
SELECT
    toDate(0), event_id, trader_wallet, role, side, token_id, usdc_amount, token_amount, fee_amount, trade_time,
    transaction_hash, insert_time, 'time_out_of_range'
FROM
(
    SELECT *
    FROM (${select_staged_versions})
    WHERE trade_time < {min_time:DateTime('UTC')} OR trade_time > {max_time:DateTime('UTC')}
    ORDER BY version DESC
    LIMIT 1 BY event_id, trader_wallet, role
)
WHERE is_deleted = 0
  AND (event_id, trader_wallet, role) NOT IN
      (SELECT event_id, trader_wallet, role FROM ${supersessions} WHERE day = toDate(0))
