-- Scratch tables and views (`_<prefix>_<12 hex>`, see Db.scratch) older than any task could still be using:
-- what a killed task left behind. Views first, so no view outlives the tables it writes to.
SELECT name
FROM system.tables
WHERE database = {database:String}
  AND match(name, '^_[a-z_]+_[0-9a-f]{12}$$')
  AND metadata_modification_time <= now() - toIntervalHour({hours:UInt32})
ORDER BY engine != 'MaterializedView', name
