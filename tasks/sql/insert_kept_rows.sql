-- Rows of the touched partitions that the nightly run does not recompute, copied unchanged
INSERT INTO ${scratch}
SELECT *
FROM ${target}
WHERE substring(wallet, 3, 2) IN {partitions:Array(String)}
  AND NOT (wallet IN (SELECT wallet FROM ${wallets}) OR condition_id IN (SELECT condition_id FROM ${conditions}))
SETTINGS max_partitions_per_insert_block = 0  -- a nightly run may touch all 256 wallet partitions
