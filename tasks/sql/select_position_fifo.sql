-- Each position of one slice of a wallet shard: its events in (trade_time, event_id, role) order, its resolution,
-- and the FIFO quantities (exact integers): inventory = running sum clamped at zero, cumulative matched =
-- cumulative buys - inventory, and per lot (buy) its tokens, cost (usdc + fee), end on the cumulative-buy axis
-- and sold shares (where [end - tokens, end) meets [0, matched_total))
SELECT
    wallet,
    condition_id,
    outcome_index,
    ev,
    is_resolved,
    r,
    res_at,
    ev.4 AS qty,
    ev.5 AS cash,
    arrayCumSumNonNegative(qty) AS inventory,
    arrayCumSum(arrayMap(q -> greatest(q, 0), qty)) AS cum_buy,
    arrayMap((b, v) -> b - v, cum_buy, inventory) AS cum_matched,
    cum_matched[-1] AS matched_total,
    -arraySum(arrayMap(q -> least(q, 0), qty)) AS sold_total,
    arrayMap((m, pm) -> m - pm, cum_matched, arrayPopBack(arrayPushFront(cum_matched, 0))) AS matched_step,
    arrayFilter(q -> q > 0, qty) AS lot_tokens,
    arrayFilter((c, q) -> q > 0, arrayMap(c -> -c, cash), qty) AS lot_cost,
    arrayFilter((b, q) -> q > 0, cum_buy, qty) AS lot_end,
    arrayMap((e, t) -> least(e, matched_total) - least(e - t, matched_total), lot_end, lot_tokens) AS lot_sold
FROM
(
    SELECT
        p.wallet AS wallet,
        p.condition_id AS condition_id,
        p.outcome_index AS outcome_index,
        p.ev AS ev,
        res.resolved AS is_resolved,
        if(res.resolved, res.payout_at[p.outcome_index + 1], 0.) AS r,
        if(res.resolved, res.resolved_at, NULL) AS res_at
    FROM
    (
        SELECT
            wallet,
            condition_id,
            outcome_index,
            arraySort(groupArray((trade_time, event_id, role, token_delta, usdc_delta, fee_amount))) AS ev
        FROM ${ledger_source}
        WHERE startsWith(wallet, {prefix:String}) AND cityHash64(wallet) % {parts:UInt32} = {part:UInt32}
        GROUP BY wallet, condition_id, outcome_index
    ) AS p
    LEFT JOIN (${select_resolved_conditions}) AS res ON res.condition_id = p.condition_id
)
