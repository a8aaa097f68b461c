-- Scratch: check counts of a FIFO run, one row per state block (summed when the run ends)
CREATE TABLE ${checks}
(
    bought_ne_lots_tokens UInt64,
    matched_ne_lots_sold UInt64,
    held_ne_lots_held UInt64,
    proceeds_ne_lots_proceeds UInt64,
    resolved_pnl_mismatch UInt64,
    closed_pnl_mismatch UInt64,
    roi_below_minus_one UInt64,
    not_finite UInt64,
    resolved_pnl_above_max UInt64,
    bad_lot_quantities UInt64,
    positions UInt64,
    lots UInt64,
    ledger_rows UInt64
)
ENGINE = MergeTree
ORDER BY tuple()
