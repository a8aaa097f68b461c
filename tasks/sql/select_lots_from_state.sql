-- The FIFO lots of a state block, one row per buy, priced (SPEC 4 steps 4-6), USD = micro / 1e6
SELECT
    wallet,
    condition_id,
    outcome_index,
    lot_id,
    lot_time AS entry_time,
    lot_tokens AS tokens,
    lot_cost / 1e6 AS cost_usd,
    lot_sold AS tokens_sold,
    lot_proceeds / 1e6 AS sell_proceeds_usd,
    lot_tokens - lot_sold AS tokens_held,
    if(resolved, lot_proceeds + tokens_held * payout, lot_proceeds) / 1e6 AS exit_value_usd,
    lot_pnl / 1e6 AS pnl_usd,
    lot_pnl / lot_cost AS roi,
    multiIf(resolved, 'resolved', lot_sold = lot_tokens, 'closed', 'open') AS status,
    resolved_at,
    1 - lot_taker AS is_maker
FROM ${state}
ARRAY JOIN lot_id, lot_time, lot_taker, lot_tokens, lot_cost, lot_sold, lot_proceeds, lot_pnl
