-- The supersessions of one slice of identities (cityHash64 % slices = slice) into a scratch table: every day
-- holding a version of a fill that is not the fill's latest version (SPEC 3.2: the latest insert wins, whatever
-- its day). Staging is read without FINAL so deleted winners count; out-of-range versions, which no day chunk
-- stages, come from raw (a cheap range: raw is sorted by trade_time) under the sentinel day 1970-01-01.
INSERT INTO ${scratch} (day, event_id, trader_wallet, role, winner_day)
WITH versions AS
(
    SELECT day, event_id, trader_wallet, role, version FROM ${staging}
    UNION ALL
    SELECT toDate(0), event_id, trader_wallet, role, version
    FROM (${select_staged_versions})
    WHERE trade_time < {min_time:DateTime('UTC')} OR trade_time > {max_time:DateTime('UTC')}
)
SELECT day, event_id, trader_wallet, role, winner.2 AS winner_day
FROM
(
    SELECT event_id, trader_wallet, role, groupUniqArray(day) AS days, max((version, day)) AS winner
    FROM versions
    -- candidates first, by one narrow aggregation: identities with versions on more than one day (a hash
    -- collision only adds a candidate; the GROUP BY above compares the real strings)
    WHERE cityHash64(event_id, trader_wallet, role) IN
    (
        SELECT cityHash64(event_id, trader_wallet, role) AS h
        FROM versions
        WHERE h % {slices:UInt64} = {slice:UInt64}
        GROUP BY h
        HAVING min(day) != max(day)
    )
    GROUP BY event_id, trader_wallet, role
)
ARRAY JOIN days AS day
WHERE day != winner.2
