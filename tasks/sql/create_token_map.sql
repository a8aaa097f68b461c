-- Token id -> (condition id, outcome index) (exists in production); re-ingesting a token replaces it
CREATE TABLE IF NOT EXISTS ${token_map}
(
    token_id String,
    condition_id String,
    outcome_index UInt8
)
ENGINE = ReplacingMergeTree
ORDER BY token_id
