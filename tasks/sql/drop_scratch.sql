-- Drop a scratch table once its partitions have been swapped in (or after a failure)
DROP TABLE IF EXISTS ${scratch}
