-- The seed's ledger: the same columns as ours, so the two outputs can be compared row for row
CREATE OR REPLACE TABLE ${seed_ledger} AS ${ledger}
