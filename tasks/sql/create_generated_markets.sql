-- Scratch for the synthetic generator: one row per generated condition (market) with its lifecycle and payout
CREATE TABLE ${scratch}
(
    c UInt32,
    event UInt32,
    j UInt8,
    m UInt8,
    condition_id String,
    token0 String,
    token1 String,
    start_day UInt16,
    end_day UInt16,
    payout String,
    resolved_at DateTime('UTC'),
    p0 Float64,
    final0 Float64,
    final1 Float64
)
ENGINE = MergeTree
ORDER BY c
