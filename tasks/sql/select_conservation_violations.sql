-- SPEC 4 conservation identities per position of the wallets matching a prefix, against the ledger itself.
-- Quantities must match exactly; money within 1e-6 USD plus 1e-9 of the position's gross cash.
SELECT
    countIf(p.bought_tokens != l.bought) AS bought_mismatch,
    countIf(p.sold_tokens != l.sold) AS sold_mismatch,
    countIf(p.bought_tokens != (p.sold_tokens - p.uncovered_sell_tokens) + p.held_tokens) AS bought_ne_sold_plus_held,
    countIf(p.sold_tokens - p.uncovered_sell_tokens != lt.lots_sold) AS matched_ne_lots_sold,
    countIf(p.held_tokens != lt.lots_held) AS held_ne_lots_held,
    countIf(p.status = 'resolved' AND abs(p.fifo_pnl_usd * 1e6
        - (l.cash + (p.held_tokens - p.uncovered_sell_tokens) * p.payout)) > 1 + 1e-9 * l.gross) AS resolved_pnl_mismatch,
    countIf(p.status = 'closed' AND abs(p.fifo_pnl_usd * 1e6 - l.cash) > 1 + 1e-9 * l.gross) AS closed_pnl_mismatch,
    countIf(abs(p.fifo_pnl_usd * 1e6 - lt.lots_pnl * 1e6
        - if(p.status = 'resolved', (p.uncovered_sell_proceeds_usd * 1e6 - p.uncovered_sell_tokens * p.payout), 0))
        > 1 + 1e-9 * l.gross) AS position_ne_lots_pnl,
    countIf(l.wallet = '') AS position_without_ledger,
    count() AS positions
FROM (SELECT * FROM ${positions_source} WHERE startsWith(wallet, {prefix:String})) AS p
LEFT JOIN
(
    SELECT wallet, condition_id, outcome_index,
           sumIf(token_delta, token_delta > 0) AS bought, -sumIf(token_delta, token_delta < 0) AS sold,
           sum(usdc_delta) AS cash, sum(abs(usdc_delta)) AS gross
    FROM ${ledger}
    WHERE startsWith(wallet, {prefix:String})
    GROUP BY wallet, condition_id, outcome_index
) AS l USING (wallet, condition_id, outcome_index)
LEFT JOIN
(
    SELECT wallet, condition_id, outcome_index,
           sum(tokens_sold) AS lots_sold, sum(tokens_held) AS lots_held, sum(pnl_usd) AS lots_pnl
    FROM ${lots_source}
    WHERE startsWith(wallet, {prefix:String})
    GROUP BY wallet, condition_id, outcome_index
) AS lt USING (wallet, condition_id, outcome_index)
