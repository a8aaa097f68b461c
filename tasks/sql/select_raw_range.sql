-- Days covered by raw fills inside the valid time window
SELECT count() AS n, toDate(min(trade_time)) AS first_day, toDate(max(trade_time)) AS last_day
FROM ${raw}
WHERE trade_time >= {min_time:DateTime('UTC')} AND trade_time <= {max_time:DateTime('UTC')}
