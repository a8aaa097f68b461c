-- Staged fills of a day range (latest version, not deleted, not superseded by a later version on another day)
-- with their token mapping and a rejection reason ('' when valid); the single definition of SPEC 3.2's
-- validation rules
SELECT
    s.day AS day,
    s.event_id AS event_id,
    s.trader_wallet AS trader_wallet,
    s.role AS role,
    s.side AS side,
    s.token_id AS token_id,
    s.usdc_amount AS usdc_amount,
    s.token_amount AS token_amount,
    s.fee_amount AS fee_amount,
    s.trade_time AS trade_time,
    s.transaction_hash AS transaction_hash,
    s.insert_time AS insert_time,
    m.condition_id AS condition_id,
    m.outcome_index AS outcome_index,
    multiIf(
        NOT match(s.trader_wallet, '^0x[0-9a-f]{40}$$'), 'invalid_wallet',
        s.role NOT IN ('maker', 'taker'), 'invalid_role',
        s.side NOT IN ('buy', 'sell'), 'invalid_side',
        s.token_amount <= 0 OR s.usdc_amount <= 0, 'non_positive_amount',
        s.fee_amount < 0, 'negative_fee',
        s.usdc_amount > s.token_amount, 'price_above_one',
        s.fee_amount > s.usdc_amount, 'fee_above_amount',
        s.trade_time < {min_time:DateTime('UTC')} OR s.trade_time > {max_time:DateTime('UTC')}, 'time_out_of_range',
        m.mapped = 0, 'unmapped_token',
        '') AS reason
FROM ${staging} AS s FINAL
LEFT JOIN
(
    SELECT token_id, any(condition_id) AS condition_id, any(outcome_index) AS outcome_index, toUInt8(1) AS mapped
    FROM ${token_map}
    GROUP BY token_id
) AS m ON m.token_id = s.token_id
WHERE s.day >= {start_day:Date} AND s.day < {end_day:Date} AND s.is_deleted = 0
  AND (s.day, s.event_id, s.trader_wallet, s.role) NOT IN
      (SELECT day, event_id, trader_wallet, role FROM ${supersessions}
       WHERE day >= {start_day:Date} AND day < {end_day:Date})
