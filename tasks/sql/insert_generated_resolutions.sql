-- Synthetic resolutions: every generated condition whose market has resolved (open ones get no row)
INSERT INTO ${resolutions} (condition_id, payout_numerators, resolved_at)
SELECT condition_id, payout, resolved_at
FROM ${gen_markets}
WHERE payout != ''
