-- Market resolutions: payout numerators per outcome as a JSON array (exists in production)
CREATE TABLE IF NOT EXISTS ${resolutions}
(
    condition_id String,
    payout_numerators String,
    resolved_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree(resolved_at)
ORDER BY condition_id
