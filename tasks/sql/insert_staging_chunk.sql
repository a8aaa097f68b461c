-- Stage raw fills of one day chunk into a scratch ReplacingMergeTree: no GROUP BY, the engine dedupes.
-- The version orders by insert_time and breaks ties by content, so the winner is the same on every run.
INSERT INTO ${scratch}
SELECT *
FROM (${select_staged_versions})
WHERE trade_time >= {start:DateTime('UTC')} AND trade_time < {end:DateTime('UTC')}
  AND trade_time >= {min_time:DateTime('UTC')} AND trade_time <= {max_time:DateTime('UTC')}
