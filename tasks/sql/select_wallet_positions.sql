-- Published positions of one wallet
SELECT condition_id, outcome_index, status, bought_tokens, sold_tokens, uncovered_sell_tokens, held_tokens, payout,
       cost_usd, proceeds_usd, fifo_pnl_usd, avg_cost_pnl_usd, n_buys, n_sells, is_short
FROM ${positions_published}
WHERE wallet = {wallet:String}
ORDER BY condition_id, outcome_index
