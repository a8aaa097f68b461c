-- SPEC 4 conservation and PnL sanity, per position of a FIFO state block, before anything is written: the lots
-- (matched per lot, priced from the merge) must add up to what the position's own ledger rows say.
-- Quantities exact; money within 1 micro-USDC plus 1e-9 of the position's gross cash.
SELECT
    countIf(arraySum(lot_tokens) != bought_tokens) AS bought_ne_lots_tokens,
    countIf(arraySum(lot_sold) != sold_tokens - uncovered_tokens) AS matched_ne_lots_sold,
    countIf(arraySum(lot_tokens) - arraySum(lot_sold) != held_tokens) AS held_ne_lots_held,
    countIf(abs(arraySum(lot_proceeds) + uncovered_proceeds - proceeds) > 1 + 1e-9 * (cost + proceeds))
        AS proceeds_ne_lots_proceeds,
    countIf(resolved AND abs(fifo_pnl - (cash_flow + (held_tokens - uncovered_tokens) * payout))
        > 1 + 1e-9 * (cost + proceeds)) AS resolved_pnl_mismatch,
    countIf(NOT resolved AND held_tokens = 0 AND uncovered_tokens = 0
        AND abs(fifo_pnl - cash_flow) > 1 + 1e-9 * (cost + proceeds)) AS closed_pnl_mismatch,
    countIf(arrayExists((p, c) -> p < -c * (1 + 1e-9), lot_pnl, lot_cost)) AS roi_below_minus_one,
    -- a NaN or infinity anywhere in a sum keeps the sum non-finite
    countIf(NOT isFinite(fifo_pnl + avg_cost_pnl + uncovered_proceeds + arraySum(lot_pnl) + arraySum(lot_proceeds)))
        AS not_finite,
    countIf(resolved AND arrayExists((p, t, c) -> p > t - c + 1, lot_pnl, lot_tokens, lot_cost))
        AS resolved_pnl_above_max,
    countIf(arrayExists((s, t) -> s < 0 OR s > t, lot_sold, lot_tokens)) AS bad_lot_quantities,
    count() AS positions,
    sum(length(lot_tokens)) AS lots,
    sum(n_buys + n_sells) AS ledger_rows
FROM ${state}
