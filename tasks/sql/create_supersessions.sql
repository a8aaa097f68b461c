-- Staged versions of a fill that lost to a later version of the same identity on another day: the ledger of
-- `day` leaves them out. Day 1970-01-01 stands for the out-of-range versions, as in the rejected table.
-- Rebuilt whole after every staging run (resolve_cross_day); small, since real fills rarely change day.
CREATE TABLE IF NOT EXISTS ${supersessions}
(
    day Date,
    event_id String,
    trader_wallet String,
    role String,
    winner_day Date
)
ENGINE = MergeTree
ORDER BY (day, event_id, trader_wallet, role)
