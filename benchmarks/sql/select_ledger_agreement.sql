-- Do our ledger and the seed's hold the same fills with the same deltas? (count and order-independent hash)
SELECT
    (SELECT count() FROM ${ledger}) AS ours_rows,
    (SELECT count() FROM ${seed_ledger}) AS seed_rows,
    (SELECT sum(cityHash64(wallet, event_id, role, token_delta, usdc_delta)) FROM ${ledger})
        = (SELECT sum(cityHash64(wallet, event_id, role, token_delta, usdc_delta)) FROM ${seed_ledger}) AS same_content
