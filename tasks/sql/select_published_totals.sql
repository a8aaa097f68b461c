-- Totals of the published outputs
SELECT
    (SELECT count() FROM ${positions_published}) AS positions,
    (SELECT count() FROM ${lots_view}) AS lots,
    (SELECT sum(fifo_pnl_usd) FROM ${positions_published}) AS fifo_pnl,
    (SELECT sum(avg_cost_pnl_usd) FROM ${positions_published}) AS avg_cost_pnl
