-- Cut the FIFO lots of a shard out of its state table and price them (SPEC 4 steps 4-6), USD = micro / 1e6
INSERT INTO ${scratch}
SELECT
    wallet,
    condition_id,
    outcome_index,
    lot.lot_id,
    lot.entry_time,
    lot.tokens,
    lot.cost / 1e6 AS cost_usd,
    lot.tokens_sold,
    lot.proceeds / 1e6 AS sell_proceeds_usd,
    lot.tokens - lot.tokens_sold AS tokens_held,
    if(resolved, lot.proceeds + (lot.tokens - lot.tokens_sold) * payout, lot.proceeds) / 1e6 AS exit_value_usd,
    lot.pnl / 1e6 AS pnl_usd,
    pnl_usd / cost_usd AS roi,
    multiIf(resolved, 'resolved', lot.tokens_sold = lot.tokens, 'closed', 'open') AS status,
    resolved_at,
    lot.is_maker
FROM ${state}
ARRAY JOIN lots AS lot
