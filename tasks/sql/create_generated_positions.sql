-- Scratch for the synthetic generator: one row per generated position (a run of fills of one wallet in one token)
CREATE TABLE ${scratch}
(
    p UInt64,
    off UInt64,
    n_fills UInt64,
    wallet String,
    whale UInt8,
    kind UInt8,
    token_id String,
    unit Float64,
    market_start UInt32,
    market_end UInt32,
    first_ts UInt32,
    last_ts UInt32,
    price_start Float64,
    price_end Float64
)
ENGINE = MergeTree
ORDER BY p
