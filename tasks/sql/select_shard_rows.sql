-- Ledger rows of one wallet shard (sizes the FIFO sub-shards) and their fingerprint with the resolutions
SELECT
    count() AS rows,
    toString(cityHash64(sum(cityHash64(wallet, event_id, role, token_delta, usdc_delta, trade_time, condition_id)),
        (SELECT sum(cityHash64(condition_id, payout_numerators, resolved_at)) FROM ${resolutions}))) AS fingerprint
FROM ${ledger}
WHERE startsWith(wallet, {prefix:String})
