-- The complete ledger history of every affected position: wallets that traded, conditions that resolved
INSERT INTO ${scratch}
    (wallet, event_id, role, side, condition_id, outcome_index, token_id, token_delta, usdc_delta, fee_amount,
     trade_time, transaction_hash, source)
SELECT wallet, event_id, role, side, condition_id, outcome_index, token_id, token_delta, usdc_delta, fee_amount,
       trade_time, transaction_hash, source
FROM ${ledger}
WHERE wallet IN (SELECT wallet FROM ${wallets}) OR condition_id IN (SELECT condition_id FROM ${conditions})
