-- PnL sanity bounds on lots: roi >= -1, finite numbers, a resolved lot earns at most 1 USDC per share less its cost
SELECT
    countIf(roi < -1 - 1e-9) AS roi_below_minus_one,
    countIf(NOT isFinite(pnl_usd) OR NOT isFinite(roi) OR NOT isFinite(exit_value_usd)) AS not_finite,
    countIf(status = 'resolved' AND pnl_usd > tokens / 1e6 - cost_usd + 1e-6) AS resolved_pnl_above_max,
    countIf(tokens_held < 0 OR tokens_sold < 0 OR tokens_sold > tokens) AS bad_lot_quantities,
    count() AS lots
FROM ${lots_source}
WHERE startsWith(wallet, {prefix:String})
