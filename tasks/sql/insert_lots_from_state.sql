-- Cut the FIFO lots of a shard out of its state table and price them (SPEC 4 steps 4-6), USD = micro / 1e6
INSERT INTO ${scratch}
SELECT
    wallet,
    condition_id,
    outcome_index,
    lot_id,
    lot_time,
    lot_tokens,
    lot_cost / 1e6,
    lot_sold,
    lot_proceeds / 1e6,
    lot_tokens - lot_sold AS held,
    if(resolved, lot_proceeds + held * payout, lot_proceeds) / 1e6,
    lot_pnl / 1e6,
    lot_pnl / lot_cost,
    multiIf(resolved, 'resolved', lot_sold = lot_tokens, 'closed', 'open'),
    resolved_at,
    lot_is_maker
FROM ${state}
ARRAY JOIN lot_id, lot_time, lot_is_maker, lot_tokens, lot_cost, lot_sold, lot_proceeds, lot_pnl
SETTINGS max_partitions_per_insert_block = 0  -- a nightly run may touch all 256 wallet partitions
