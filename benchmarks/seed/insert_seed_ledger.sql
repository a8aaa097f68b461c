-- The seed's ledger rebuild: an independent GROUP BY dedupe (argMax by insert_time) over the whole staging table,
-- with the same validation rules as ours so both produce the same rows
INSERT INTO ${seed_ledger}
    (wallet, event_id, role, side, condition_id, outcome_index, token_id, token_delta, usdc_delta, fee_amount,
     trade_time, transaction_hash, source)
SELECT
    d.wallet, d.event_id, d.role, d.side, m.condition_id, m.outcome_index, d.token_id,
    if(d.side = 'buy', d.token_amount, -d.token_amount),
    if(d.side = 'buy', -(d.usdc_amount + d.fee_amount), d.usdc_amount - d.fee_amount),
    d.fee_amount, d.trade_time, d.transaction_hash, 'clob'
FROM
(
    SELECT
        event_id,
        lower(trader_wallet) AS wallet,
        role,
        lower(argMax(side, insert_time)) AS side,
        argMax(token_id, insert_time) AS token_id,
        argMax(usdc_amount, insert_time) AS usdc_amount,
        argMax(token_amount, insert_time) AS token_amount,
        argMax(fee_amount, insert_time) AS fee_amount,
        argMax(trade_time, insert_time) AS trade_time,
        argMax(transaction_hash, insert_time) AS transaction_hash,
        argMax(is_deleted, insert_time) AS deleted
    FROM ${seed_staging}
    GROUP BY event_id, trader_wallet, role
) AS d
INNER JOIN ${token_map} AS m ON m.token_id = d.token_id
WHERE d.deleted = 0
  AND match(d.wallet, '^0x[0-9a-f]{40}$$') AND d.role IN ('maker', 'taker') AND d.side IN ('buy', 'sell')
  AND d.token_amount > 0 AND d.usdc_amount > 0 AND d.fee_amount >= 0 AND d.usdc_amount <= d.token_amount
  AND d.fee_amount <= d.usdc_amount
  AND d.trade_time >= {min_time:DateTime('UTC')} AND d.trade_time <= {max_time:DateTime('UTC')}
