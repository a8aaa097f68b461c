-- The positions of a state block, one row each; USD = micro-USDC / 1e6
SELECT
    wallet,
    condition_id,
    outcome_index,
    bought_tokens,
    cost / 1e6 AS cost_usd,
    sold_tokens,
    proceeds / 1e6 AS proceeds_usd,
    uncovered_tokens AS uncovered_sell_tokens,
    uncovered_proceeds / 1e6 AS uncovered_sell_proceeds_usd,
    held_tokens,
    payout,
    multiIf(resolved, 'resolved', held_tokens > 0 OR uncovered_tokens > 0, 'open', 'closed') AS status,
    fifo_pnl / 1e6 AS fifo_pnl_usd,
    avg_cost_pnl / 1e6 AS avg_cost_pnl_usd,
    n_buys,
    n_sells,
    first_trade,
    last_trade,
    resolved_at,
    toUInt8(uncovered_tokens > 0) AS is_short,
    cash_flow
FROM ${state}
