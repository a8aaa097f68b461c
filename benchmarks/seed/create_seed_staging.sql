-- The seed's staging table: raw columns in a ReplacingMergeTree on the fill identity, latest insert_time wins
CREATE OR REPLACE TABLE ${seed_staging} AS ${raw}
ENGINE = ReplacingMergeTree(insert_time)
ORDER BY (event_id, trader_wallet, role)
