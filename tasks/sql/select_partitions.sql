-- Latest registry row per (stage, partition), optionally for one stage
SELECT stage, partition, status, rows_in, rows_out, rows_rejected, fingerprint, run_id, started_at, finished_at,
       duration_ms, error
FROM ${partitions} FINAL
WHERE {stage:String} = '' OR stage = {stage:String}
ORDER BY stage, partition
