-- Resolved conditions with the payout per share of each outcome (numerators / their sum), latest row wins
SELECT
    condition_id,
    toUInt8(arraySum(nums) > 0) AS resolved,
    arrayMap(n -> if(arraySum(nums) > 0, n / arraySum(nums), 0.), nums) AS payout_at,
    last_resolved_at AS resolved_at
FROM
(
    SELECT
        condition_id,
        JSONExtract(argMax(payout_numerators, resolved_at), 'Array(UInt64)') AS nums,
        max(resolved_at) AS last_resolved_at
    FROM ${resolutions}
    GROUP BY condition_id
)
