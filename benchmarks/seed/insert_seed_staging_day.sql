-- The seed's day-by-day backfill: copy one calendar day of raw fills as they are (the engine dedupes on merge)
INSERT INTO ${seed_staging} SELECT * FROM ${raw} WHERE toDate(trade_time) = {day:Date}
