-- Days whose supersession rows differ between the current table and a rebuilt scratch copy (symmetric
-- difference): their ledger must be rebuilt
SELECT DISTINCT day
FROM
(
    SELECT day, event_id, trader_wallet, role, 1 AS side FROM ${supersessions}
    UNION ALL
    SELECT day, event_id, trader_wallet, role, 2 AS side FROM ${scratch}
)
GROUP BY day, event_id, trader_wallet, role
HAVING min(side) = max(side)
ORDER BY day
