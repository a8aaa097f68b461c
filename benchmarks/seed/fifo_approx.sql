-- The seed's approximate FIFO (NOTES-fifo.md): per buy lot a window sum of the position's earlier buys, joined to
-- the position's total sells; every sold share is priced at the position's average sell price. Quantities are
-- right when no sell comes before the buys it would match; prices are averaged. All wallets, or an IN-list batch.
INSERT INTO ${approx_lots}
SELECT
    wallet, condition_id, outcome_index, lot_id, entry_time, tokens, cost_usd, tokens_sold, sell_proceeds_usd,
    tokens_held, exit_value_usd, pnl_usd, roi, status, resolved_at, is_maker
FROM
(
    SELECT
        r.condition_id != '' AND arraySum(r.nums) > 0 AS resolved,
        if(resolved, r.nums[b.outcome_index + 1] / arraySum(r.nums), 0) AS payout,
        b.wallet AS wallet,
        b.condition_id AS condition_id,
        b.outcome_index AS outcome_index,
        b.event_id AS lot_id,
        b.trade_time AS entry_time,
        b.tokens AS tokens,
        b.cost / 1e6 AS cost_usd,
        least(b.tokens, greatest(0, s.sold - b.prior)) AS tokens_sold,
        tokens_sold * s.avg_price / 1e6 AS sell_proceeds_usd,
        b.tokens - tokens_sold AS tokens_held,
        sell_proceeds_usd + if(resolved, tokens_held * payout / 1e6, 0) AS exit_value_usd,
        multiIf(resolved, exit_value_usd - cost_usd,
                tokens_held = 0, sell_proceeds_usd - cost_usd,
                sell_proceeds_usd - tokens_sold * cost_usd / b.tokens) AS pnl_usd,
        pnl_usd / cost_usd AS roi,
        multiIf(resolved, 'resolved', tokens_held = 0, 'closed', 'open') AS status,
        if(resolved, r.last_resolved_at, NULL) AS resolved_at,
        toUInt8(b.role = 'maker') AS is_maker
    FROM
    (
        SELECT
            wallet, condition_id, outcome_index, event_id, role, trade_time,
            token_delta AS tokens,
            -usdc_delta AS cost,
            sum(token_delta) OVER (PARTITION BY wallet, condition_id, outcome_index
                                   ORDER BY trade_time, event_id, role
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior
        FROM ${ledger}
        WHERE token_delta > 0 AND ({all_wallets:UInt8} = 1 OR wallet IN {wallets:Array(String)})
    ) AS b
    LEFT JOIN
    (
        SELECT wallet, condition_id, outcome_index, -sum(token_delta) AS sold, sum(usdc_delta) / sold AS avg_price
        FROM ${ledger}
        WHERE token_delta < 0 AND ({all_wallets:UInt8} = 1 OR wallet IN {wallets:Array(String)})
        GROUP BY wallet, condition_id, outcome_index
    ) AS s ON s.wallet = b.wallet AND s.condition_id = b.condition_id AND s.outcome_index = b.outcome_index
    LEFT JOIN
    (
        SELECT condition_id, JSONExtract(argMax(payout_numerators, resolved_at), 'Array(Float64)') AS nums,
               max(resolved_at) AS last_resolved_at
        FROM ${resolutions}
        GROUP BY condition_id
    ) AS r ON r.condition_id = b.condition_id
)
SETTINGS join_use_nulls = 0
