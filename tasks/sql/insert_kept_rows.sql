-- Rows of the touched partitions that the nightly run does not recompute, copied unchanged
INSERT INTO ${scratch}
SELECT *
FROM ${target}
WHERE substring(wallet, 3, 2) IN {partitions:Array(String)}
  AND NOT (wallet IN (SELECT wallet FROM ${wallets}) OR condition_id IN (SELECT condition_id FROM ${conditions}))
