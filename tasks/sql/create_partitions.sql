-- Partition registry: one row per (stage, partition), latest update wins; drives resume and status
CREATE TABLE IF NOT EXISTS ${partitions}
(
    stage LowCardinality(String),
    partition String,
    status LowCardinality(String),
    rows_in UInt64,
    rows_out UInt64,
    rows_rejected UInt64,
    fingerprint String,
    run_id String,
    started_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    duration_ms UInt64,
    error String,
    updated_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (stage, partition)
