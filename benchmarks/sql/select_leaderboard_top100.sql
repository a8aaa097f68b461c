-- The published leaderboard's top 100 wallets by total FIFO PnL (what `polyledger leaderboard` shows)
SELECT wallet, total_pnl, positions, resolved, closed, win_rate, avg_roi, volume
FROM ${leaderboard}
ORDER BY total_pnl DESC
LIMIT 100
