-- Top wallets by total FIFO PnL over a positions table (used to time the leaderboard before publishing)
SELECT * FROM (${select_leaderboard_rows}) ORDER BY total_pnl DESC, wallet LIMIT {limit:UInt32}
