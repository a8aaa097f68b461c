-- Per-wallet totals over a positions table (USD); the leaderboard view is this over the published positions
SELECT
    wallet,
    sum(fifo_pnl_usd) AS total_pnl,
    sum(avg_cost_pnl_usd) AS total_avg_cost_pnl,
    count() AS positions,
    countIf(status = 'resolved') AS resolved,
    countIf(status = 'closed') AS closed,
    countIf(status != 'open' AND fifo_pnl_usd > 0) / greatest(countIf(status != 'open'), 1) AS win_rate,
    ifNotFinite(avgIf(fifo_pnl_usd / cost_usd, cost_usd > 0), 0) AS avg_roi,
    sum(cost_usd + proceeds_usd) AS volume
FROM ${positions_source}
GROUP BY wallet
