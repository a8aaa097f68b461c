-- Build the ledger rows of one day chunk into a scratch table: valid fills only, signed micro-unit deltas
INSERT INTO ${scratch}
    (wallet, event_id, role, side, condition_id, outcome_index, token_id, token_delta, usdc_delta, fee_amount,
     trade_time, transaction_hash, source)
SELECT
    trader_wallet,
    event_id,
    role,
    side,
    condition_id,
    outcome_index,
    token_id,
    if(side = 'buy', token_amount, -token_amount),
    if(side = 'buy', -(usdc_amount + fee_amount), usdc_amount - fee_amount),
    fee_amount,
    trade_time,
    transaction_hash,
    'clob'
FROM (${select_classified_events})
WHERE reason = ''
