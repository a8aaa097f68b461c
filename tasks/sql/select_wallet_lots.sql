-- Published FIFO lots of one wallet
SELECT condition_id, outcome_index, lot_id, entry_time, tokens, tokens_sold, tokens_held, cost_usd,
       sell_proceeds_usd, exit_value_usd, pnl_usd, roi, status
FROM ${lots_view}
WHERE wallet = {wallet:String}
ORDER BY condition_id, outcome_index, entry_time, lot_id
