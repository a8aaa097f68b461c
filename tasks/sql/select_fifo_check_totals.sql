-- Check counts (and positions and lots written) of a FIFO run: the sum over its state blocks
SELECT
    sum(bought_ne_lots_tokens) AS bought_ne_lots_tokens,
    sum(matched_ne_lots_sold) AS matched_ne_lots_sold,
    sum(held_ne_lots_held) AS held_ne_lots_held,
    sum(proceeds_ne_lots_proceeds) AS proceeds_ne_lots_proceeds,
    sum(resolved_pnl_mismatch) AS resolved_pnl_mismatch,
    sum(closed_pnl_mismatch) AS closed_pnl_mismatch,
    sum(roi_below_minus_one) AS roi_below_minus_one,
    sum(not_finite) AS not_finite,
    sum(resolved_pnl_above_max) AS resolved_pnl_above_max,
    sum(bad_lot_quantities) AS bad_lot_quantities,
    sum(positions) AS positions,
    sum(lots) AS lots,
    sum(ledger_rows) AS ledger_rows
FROM ${checks}
