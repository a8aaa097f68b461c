-- Scratch for the seed's approximate FIFO: the lots table's columns and sort key, unpartitioned (one insert spans
-- every wallet)
CREATE OR REPLACE TABLE ${approx_lots} AS ${lots}
ENGINE = MergeTree
PARTITION BY tuple()
ORDER BY (wallet, condition_id, outcome_index, entry_time, lot_id)
