-- Resolved conditions whose payout differs from the one the last FIFO run recorded in the registry
INSERT INTO ${scratch}
SELECT r.condition_id
FROM (${select_resolved_conditions}) AS r
LEFT JOIN
(
    SELECT partition AS condition_id, fingerprint FROM ${partitions} FINAL WHERE stage = 'resolution'
) AS seen ON seen.condition_id = r.condition_id
WHERE seen.fingerprint != toString(cityHash64(r.payout_at, r.resolved_at))
