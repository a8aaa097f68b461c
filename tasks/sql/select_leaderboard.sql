-- Top wallets of the published leaderboard
SELECT wallet, total_pnl, total_avg_cost_pnl, positions, resolved, closed, win_rate, avg_roi, volume
FROM ${leaderboard}
ORDER BY total_pnl DESC, wallet
LIMIT {limit:UInt32}
