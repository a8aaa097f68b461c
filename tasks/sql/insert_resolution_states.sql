-- Record the resolution each condition had when FIFO last ran (the nightly run recomputes what changed)
INSERT INTO ${partitions} (stage, partition, status, fingerprint, run_id, started_at, finished_at, updated_at)
SELECT 'resolution', condition_id, 'done', toString(cityHash64(payout_at, resolved_at)), {run_id:String},
       now64(3), now64(3), now64(6)
FROM (${select_resolved_conditions})
