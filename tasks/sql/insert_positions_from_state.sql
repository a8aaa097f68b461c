-- One row per position of a shard, cut from its state table; USD = micro-USDC / 1e6
INSERT INTO ${scratch}
SELECT
    wallet,
    condition_id,
    outcome_index,
    bought_tokens,
    cost / 1e6,
    sold_tokens,
    proceeds / 1e6,
    uncovered_tokens,
    uncovered_proceeds / 1e6,
    held_tokens,
    payout,
    multiIf(resolved, 'resolved', held_tokens > 0 OR uncovered_tokens > 0, 'open', 'closed') AS status,
    fifo_pnl / 1e6 AS fifo_pnl_usd,
    avg_cost_pnl / 1e6,
    n_buys,
    n_sells,
    first_trade,
    last_trade,
    resolved_at,
    toUInt8(uncovered_tokens > 0),
    cash_flow
FROM ${state}
SETTINGS max_partitions_per_insert_block = 0  -- a nightly run may touch all 256 wallet partitions
