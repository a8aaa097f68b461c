-- Exact FIFO per position for one slice of a wallet shard, set-based, in arrays. Events sorted by
-- (trade_time, event_id, role); inventory = running sum clamped at zero; cumulative matched = cumulative buys -
-- inventory. Lot j covers [B(j-1), B(j)) on the cumulative-buy axis, matched sells cover [M(i-1), M(i)) at their
-- own price: merging both boundary sets (one numeric sort of 2x + kind) and carrying each sell's price back onto
-- the lot boundaries before it gives proceeds at every lot boundary as one cumulative sum.
-- ${state} is a Null table: its materialized views write the lots, the positions and the check counts.
INSERT INTO ${state}
SELECT
    wallet,
    condition_id,
    outcome_index,
    cum_buy[-1] AS bought_tokens,
    arraySum(lot_cost) AS cost,
    sold_total AS sold_tokens,
    arraySum(arrayMap((c, q) -> if(q < 0, c, 0), cash, qty)) AS proceeds,
    sold_total - matched_total AS uncovered_tokens,
    arraySum(arrayMap((q, s, c) -> if(q < 0, (-q - s) * (c / -q), 0.), qty, matched_step, cash)) AS uncovered_proceeds,
    inventory[-1] AS held_tokens,
    is_resolved AS resolved,
    r AS payout,
    res_at AS resolved_at,
    ac_cash + if(is_resolved, inventory[-1] * r, basis_left) AS avg_cost_pnl,
    toUInt32(length(lot_cost)) AS n_buys,
    toUInt32(length(qty) - length(lot_cost)) AS n_sells,
    ev.1[1] AS first_trade,
    ev.1[-1] AS last_trade,
    arraySum(cash) AS cash_flow,
    arraySum(lot_pnl) + if(is_resolved, uncovered_proceeds - uncovered_tokens * r, 0.) AS fifo_pnl,
    arrayFilter((x, q) -> q > 0, ev.2, qty) AS lot_id,
    arrayFilter((x, q) -> q > 0, ev.1, qty) AS lot_time,
    arrayFilter((x, q) -> q > 0, arrayMap(k -> 1 - k, ev.3), qty) AS lot_is_maker,
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
        res.resolved AS is_resolved,
        if(res.resolved, res.payout_at[p.outcome_index + 1], 0.) AS r,
        if(res.resolved, res.resolved_at, NULL) AS res_at,
        -- events in order (trade_time, event_id, role): one sort of the zipped columns (a lambda indexing the
        -- grouped arrays would copy each captured array once per element)
        arraySort(arrayZip(p.ts0, p.ids0, p.takers0, p.qty0, p.cash0, p.fee0)) AS ev,
        ev.4 AS qty,
        ev.5 AS cash,
        arrayCumSumNonNegative(qty) AS inventory,
        arrayPopBack(arrayPushFront(inventory, 0)) AS inv_before,
        arrayCumSum(arrayMap(q -> greatest(q, 0), qty)) AS cum_buy,
        cum_buy[-1] - inventory[-1] AS matched_total,
        cum_buy[-1] - arraySum(qty) AS sold_total,
        -- shares each sell matched against open lots
        arrayMap((q, a, b) -> if(q < 0, b - a, 0), qty, inventory, inv_before) AS matched_step,
        -- lots, in order: tokens, cost (usdc + fee), end on the cumulative-buy axis
        arrayFilter(q -> q > 0, qty) AS lot_tokens,
        arrayFilter((c, q) -> q > 0, arrayMap(c -> -c, cash), qty) AS lot_cost,
        arrayFilter((b, q) -> q > 0, cum_buy, qty) AS lot_top,
        arrayMap(e -> least(e, matched_total), lot_top) AS lot_end,
        arrayMap((e, top, t) -> e - least(top - t, matched_total), lot_end, lot_top, lot_tokens) AS lot_sold,
        -- merged boundaries keyed 2x + kind: matched sells (kind 0) carry their price, lots (kind 1) take the next
        -- sell's price; at equal x the order does not matter (the segment between them is empty)
        arrayConcat(arrayFilter((k, q, s) -> q < 0 AND s > 0,
                                arrayMap((b, a) -> (b - a) * 2, cum_buy, inventory), qty, matched_step),
                     arrayMap(e -> e * 2 + 1, lot_end)) AS keys,
        arrayConcat(arrayFilter((pr, q, s) -> q < 0 AND s > 0,
                                arrayMap((c, q) -> c / greatest(-q, 1), cash, qty), qty, matched_step),
                     arrayMap(e -> 0., lot_end)) AS prices,
        arraySort(keys) AS pkey,
        arrayMap(k -> intDiv(k, 2), pkey) AS px,
        arrayMap(k -> k % 2, pkey) AS pk,
        arrayReverseFill((pr, k) -> k = 0, arraySort((pr, k) -> k, prices, keys), pk) AS pprice,
        arrayCumSum(arrayMap((x, x0, pr) -> (x - x0) * pr, px, arrayPopBack(arrayPushFront(px, 0)), pprice)) AS pcum,
        arrayFilter((c, k) -> k = 1, pcum, pk) AS lot_pcum,
        arrayMap((c, c0) -> c - c0, lot_pcum, arrayPopBack(arrayPushFront(lot_pcum, 0.))) AS lot_proceeds,
        -- SPEC 4 steps 4-5: resolved lots settle at r, closed ones realize all, open ones the sold part
        arrayMap((t, c, s, pr) -> multiIf(is_resolved, pr + (t - s) * r - c, s = t, pr - c, pr - s * (c / t)),
                 lot_tokens, lot_cost, lot_sold, lot_proceeds) AS lot_pnl,
        -- average cost (Polymarket's subgraph rules, fees ignored) without a fold: a sell takes the running
        -- average, so the basis left at the end is each buy's gross cost times the share of it that no later sell
        -- took: a suffix product of inventory after / before over the sells, summed as logs
        arrayMap((q, c, f) -> if(q > 0, -c - f, c + f), qty, cash, ev.6) AS gross,
        arrayReverse(arrayCumSum(arrayReverse(arrayMap((q, a, b) -> if(q < 0 AND b > 0, log(a / b), 0.),
                                                       qty, inventory, inv_before)))) AS kept_log,
        arraySum(arrayMap((q, u, k) -> if(q > 0, u * exp(k), 0.), qty, gross, kept_log)) AS basis_left,
        arraySum(arrayMap((q, u, s) -> if(q < 0, s * (u / -q), toFloat64(-u)), qty, gross, matched_step)) AS ac_cash
    FROM
    (
        SELECT
            wallet,
            condition_id,
            outcome_index,
            -- one array per column, in no particular order (sorted above); taker = 1 keeps role's order. The
            -- GROUP BY is the ledger's sort-key prefix, so it aggregates in order (FIFO_SETTINGS), without a hash table
            groupArray(trade_time) AS ts0,
            groupArray(event_id) AS ids0,
            groupArray(toUInt8(role = 'taker')) AS takers0,
            groupArray(token_delta) AS qty0,
            groupArray(usdc_delta) AS cash0,
            groupArray(fee_amount) AS fee0
        FROM ${ledger_source}
        WHERE startsWith(wallet, {prefix:String})
            AND ({parts:UInt32} = 1 OR cityHash64(wallet) % {parts:UInt32} = {part:UInt32})
        GROUP BY wallet, condition_id, outcome_index
    ) AS p
    LEFT JOIN (${select_resolved_conditions}) AS res ON res.condition_id = p.condition_id
)
ORDER BY wallet, condition_id, outcome_index
