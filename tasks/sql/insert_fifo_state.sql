-- Exact FIFO per position for one slice of a wallet shard, set-based, in arrays. Events sorted by
-- (trade_time, event_id, role); inventory = running sum clamped at zero; matched boundary = cumulative buys -
-- inventory. Lot j covers [B(j-1), B(j)) on the cumulative-buy axis, matched sells cover [M(i-1), M(i)) at their
-- own price: merging both boundary sets (one sort of (2x + kind, price)) and carrying each sell's price back onto
-- the lot boundaries before it gives proceeds at every lot boundary as one cumulative sum.
-- Each step is its own subquery: the analyzer inlines aliases, so one flat SELECT would re-expand every earlier
-- step wherever a later one uses it (planning took longer than some shards' execution).
-- ${state} is a Null table: its materialized views write the lots, the positions and the check counts.
INSERT INTO ${state}
SELECT
    wallet,
    condition_id,
    outcome_index,
    bought_tokens,
    -arraySum(lev.5) AS cost,
    sold_total AS sold_tokens,
    arraySum(arrayMap((c, q) -> if(q < 0, c, 0), cash, qty)) AS proceeds,
    sold_total - matched_total AS uncovered_tokens,
    uncovered_proceeds,
    held_tokens,
    is_resolved AS resolved,
    r AS payout,
    res_at AS resolved_at,
    -- average cost (Polymarket's subgraph rules, fees ignored) without a fold: a sell takes the running average,
    -- so the basis left at the end is each buy's gross cost times the share of it that no later sell took: a
    -- suffix product of inventory after / before over the sells, summed as logs
    arraySum(arrayMap((q, c, f, s) -> if(q < 0, s * ((c + f) / -q), toFloat64(c + f)), qty, cash, fee, matched_step))
        + if(is_resolved, held_tokens * r,
             arraySum(arrayMap((q, c, f, k) -> if(q > 0, (-c - f) * exp(k), 0.), qty, cash, fee,
                               arrayReverse(arrayCumSum(arrayReverse(
                                   arrayMap((a, s) -> if(s > 0, log(a / (a + s)), 0.), inventory, matched_step)))))))
        AS avg_cost_pnl,
    toUInt32(length(lev)) AS n_buys,
    toUInt32(length(qty) - length(lev)) AS n_sells,
    first_trade,
    last_trade,
    arraySum(cash) AS cash_flow,
    arraySum(lot_pnl) + if(is_resolved, uncovered_proceeds - (sold_total - matched_total) * r, 0.) AS fifo_pnl,
    lev.2 AS lot_id,
    lev.1 AS lot_time,
    lev.3 AS lot_taker,
    lev.4 AS lot_tokens,
    lot_cost,
    lot_sold,
    lot_proceeds,
    lot_pnl
FROM
(
    SELECT
        *,
        arrayMap(k -> k % 2, merged.1) AS pk,
        -- proceeds at every boundary: segment length x the price of the sell it lies in; lots take differences
        arrayPopFront(arrayDifference(arrayFilter((c, k) -> k = 1,
            arrayCumSum(arrayMap((d, pr) -> d * pr, arrayDifference(arrayMap(k -> intDiv(k, 2), merged.1)),
                                 arrayReverseFill((pr, k) -> k = 0, merged.2, pk))),
            pk))) AS lot_proceeds,
        -- SPEC 4 steps 4-5: resolved lots settle at r, closed ones realize all, open ones the sold part
        arrayMap((t, c, s, pr) -> multiIf(is_resolved, pr + (t - s) * r - c, s = t, pr - c, pr - s * (c / t)),
                 lev.4, lot_cost, lot_sold, lot_proceeds) AS lot_pnl
    FROM
    (
        SELECT
            *,
            arrayMap(c -> -c, lev.5) AS lot_cost,
            arrayCumSum(lev.4) AS lot_top,
            arrayMap(e -> least(e, matched_total), lot_top) AS lot_end,
            arrayMap((e, top, t) -> e - least(top - t, matched_total), lot_end, lot_top, lev.4) AS lot_sold,
            arraySum(arrayMap((q, s, c) -> if(q < 0, (-q - s) * (c / -q), 0.), qty, matched_step, cash))
                AS uncovered_proceeds,
            -- merged boundaries (2x + kind, price): matched sells (kind 0) carry their price, lots (kind 1) take
            -- the next sell's; a kind-1 sentinel at x = 0 starts every array so differences need no shifted copy
            arraySort(arrayConcat([(toInt64(1), 0.)],
                                  arrayFilter((k, s) -> s > 0,
                                              arrayMap((m, c, q) -> (m * 2, c / -q), matched_at, cash, qty),
                                              matched_step),
                                  arrayMap(e -> (e * 2 + 1, 0.), lot_end))) AS merged
        FROM
        (
            SELECT
                *,
                cum_buy[-1] AS bought_tokens,
                inventory[-1] AS held_tokens,
                bought_tokens - held_tokens AS matched_total,
                bought_tokens - arraySum(qty) AS sold_total,
                -- matched boundary after each event: it moves only on sells, by the shares they matched
                arrayMap((b, a) -> b - a, cum_buy, inventory) AS matched_at,
                arrayDifference(matched_at) AS matched_step,
                -- lots, in order: the buy events (time, id, taker, tokens, cash); cost = usdc + fee
                arrayFilter((e, q) -> q > 0, ev, qty) AS lev
            FROM
            (
                SELECT
                    p.wallet AS wallet,
                    p.condition_id AS condition_id,
                    p.outcome_index AS outcome_index,
                    res.resolved AS is_resolved,
                    if(res.resolved, res.payout_at[p.outcome_index + 1], 0.) AS r,
                    if(res.resolved, res.resolved_at, NULL) AS res_at,
                    -- events in order (trade_time, event_id, role): one sort of the zipped columns (a lambda
                    -- indexing the grouped arrays would copy each captured array once per element)
                    arraySort(arrayZip(p.ts0, p.ids0, p.takers0, p.qty0, p.cash0, p.fee0)) AS ev,
                    ev.1[1] AS first_trade,
                    ev.1[-1] AS last_trade,
                    ev.4 AS qty,
                    ev.5 AS cash,
                    ev.6 AS fee,
                    arrayCumSumNonNegative(qty) AS inventory,
                    arrayCumSum(arrayMap(q -> greatest(q, 0), qty)) AS cum_buy
                FROM
                (
                    SELECT
                        wallet,
                        condition_id,
                        outcome_index,
                        -- one array per column, in no particular order (sorted above); taker = 1 keeps role's
                        -- order. The GROUP BY is the ledger's sort-key prefix, so it aggregates in order
                        -- (FIFO_SETTINGS), without a hash table
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
        )
    )
)
-- sorted, the views get the slice in a few large blocks (measured: streaming the aggregation's small ones was slower)
ORDER BY wallet, condition_id, outcome_index
