-- Published per-wallet leaderboard over validated positions (USD)
CREATE OR REPLACE VIEW ${leaderboard} AS
${select_leaderboard_rows}
