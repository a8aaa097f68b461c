-- Order-independent hash of one wallet shard's ledger rows and of the resolutions (FIFO cache key)
SELECT toString(cityHash64(
    (SELECT sum(cityHash64(wallet, event_id, role, token_delta, usdc_delta, trade_time, condition_id))
     FROM ${ledger} WHERE startsWith(wallet, {prefix:String})),
    (SELECT sum(cityHash64(condition_id, payout_numerators, resolved_at)) FROM ${resolutions})))
