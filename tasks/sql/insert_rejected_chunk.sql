-- Rejected fills of one day chunk, with their reason, into a scratch table
INSERT INTO ${scratch}
SELECT
    day, event_id, trader_wallet, role, side, token_id, usdc_amount, token_amount, fee_amount, trade_time,
    transaction_hash, insert_time, reason
FROM (${select_classified_events})
WHERE reason != ''
