-- Exact FIFO per position for one slice of a wallet shard, set-based, in arrays (see tasks/README.md):
--   events sorted by (trade_time, event_id, role); inventory = running sum clamped at zero; cumulative matched
--   = cumulative buys - inventory. Lot j covers [B(j-1), B(j)) on the cumulative-buy axis; matched sells cover
--   [M(i-1), M(i)) at their own price. Merging both boundary sets and carrying each sell's price back onto the
--   lot boundaries before it gives proceeds at every lot boundary as one cumulative sum. Average cost (Polymarket's
--   subgraph rules) is an arrayFold over the same events.
INSERT INTO ${scratch}
SELECT
    wallet,
    condition_id,
    outcome_index,
    cum_buy[-1] AS bought_tokens,
    arraySum(lot_cost) AS cost,
    sold_total AS sold_tokens,
    arraySum(arrayFilter((c, q) -> q < 0, cash, qty)) AS proceeds,
    sold_total - matched_total AS uncovered_tokens,
    arraySum(arrayMap((q, s, c) -> if(q < 0, (-q - s) * (c / -q), 0.), qty, matched_step, cash)) AS uncovered_proceeds,
    cum_buy[-1] - matched_total AS held_tokens,
    is_resolved AS resolved,
    r AS payout,
    res_at AS resolved_at,
    ac.3 + if(is_resolved, ac.1 * (r - ac.2), 0.) AS avg_cost_pnl,
    toUInt32(length(lot_cost)) AS n_buys,
    toUInt32(length(qty) - length(lot_cost)) AS n_sells,
    ev.1[1] AS first_trade,
    ev.1[-1] AS last_trade,
    arraySum(cash) AS cash_flow,
    arraySum(lot_pnl) + if(is_resolved, uncovered_proceeds - uncovered_tokens * r, 0.) AS fifo_pnl,
    arrayFilter((x, q) -> q > 0, ev.2, qty) AS lot_id,
    arrayFilter((x, q) -> q > 0, ev.1, qty) AS lot_time,
    arrayFilter((x, q) -> q > 0, arrayMap(x -> toUInt8(x = 'maker'), ev.3), qty) AS lot_is_maker,
    lot_tokens,
    lot_cost,
    lot_sold,
    lot_proceeds,
    lot_pnl
FROM
(
    SELECT
        p.wallet AS wallet,
        p.condition_id AS condition_id,
        p.outcome_index AS outcome_index,
        p.ev AS ev,
        res.resolved AS is_resolved,
        if(res.resolved, res.payout_at[p.outcome_index + 1], 0.) AS r,
        if(res.resolved, res.resolved_at, NULL) AS res_at,
        ev.4 AS qty,
        ev.5 AS cash,
        arrayCumSumNonNegative(qty) AS inventory,
        arrayCumSum(arrayMap(q -> greatest(q, 0), qty)) AS cum_buy,
        arrayMap((b, v) -> b - v, cum_buy, inventory) AS cum_matched,
        cum_matched[-1] AS matched_total,
        -arraySum(arrayMap(q -> least(q, 0), qty)) AS sold_total,
        arrayMap((m, pm) -> m - pm, cum_matched, arrayPopBack(arrayPushFront(cum_matched, 0))) AS matched_step,
        -- lots, in order: tokens, cost (usdc + fee), end on the cumulative-buy axis
        arrayFilter(q -> q > 0, qty) AS lot_tokens,
        arrayFilter((c, q) -> q > 0, arrayMap(c -> -c, cash), qty) AS lot_cost,
        arrayFilter((b, q) -> q > 0, cum_buy, qty) AS lot_end,
        arrayMap((e, t) -> least(e, matched_total) - least(e - t, matched_total), lot_end, lot_tokens) AS lot_sold,
        -- merged boundaries: matched sells (kind 0) carry their price; lots (kind 1) take the next sell's price
        arraySort(arrayConcat(
            arrayFilter((t, q, s) -> q < 0 AND s > 0,
                        arrayMap((m, q, c) -> (m, toUInt8(0), c / greatest(-q, 1)), cum_matched, qty, cash),
                        qty, matched_step),
            arrayMap(e -> (least(e, matched_total), toUInt8(1), 0.), lot_end))) AS pts,
        pts.1 AS px,
        pts.2 AS pk,
        arrayReverseFill((pr, k) -> k = 0, pts.3, pk) AS pprice,
        arrayCumSum(arrayMap((x, x0, pr) -> (x - x0) * pr, px, arrayPopBack(arrayPushFront(px, 0)), pprice)) AS pcum,
        arrayFilter((c, k) -> k = 1, pcum, pk) AS lot_pcum,
        arrayMap((c, c0) -> c - c0, lot_pcum, arrayPopBack(arrayPushFront(lot_pcum, 0.))) AS lot_proceeds,
        -- SPEC 4 steps 4-5: resolved lots settle at r, closed ones realize all, open ones the sold part
        arrayMap((t, c, s, pr) -> multiIf(is_resolved, pr + (t - s) * r - c, s = t, pr - c, pr - s * (c / t)),
                 lot_tokens, lot_cost, lot_sold, lot_proceeds) AS lot_pnl,
        -- average cost: state (amount, avg price, realized) over (quantity, gross usdc), fees ignored
        arrayFold((acc, q, u) -> if(q > 0,
                (acc.1 + q, (acc.2 * acc.1 + u) / (acc.1 + q), acc.3),
                (acc.1 - least(-q, acc.1), acc.2, acc.3 + least(-q, acc.1) * (u / -q - acc.2))),
            qty, arrayMap((q, c, f) -> if(q > 0, -c - f, c + f), qty, cash, ev.6),
            (toInt64(0), toFloat64(0), toFloat64(0))) AS ac
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
