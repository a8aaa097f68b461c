-- One row per position of one slice of a wallet shard (SPEC 4). The FIFO total needs no per-lot prices: resolved,
-- it is matched proceeds + held x r - cost; otherwise each lot realizes its sold share of its cost (all of it when
-- closed); plus the short leg at resolution. The conservation check compares it with the sum of the lots.
-- Average cost (Polymarket's subgraph rules, fees ignored) is an arrayFold over (quantity, gross usdc).
INSERT INTO ${scratch}
SELECT
    wallet,
    condition_id,
    outcome_index,
    cum_buy[-1] AS bought,
    arraySum(lot_cost) / 1e6,
    sold_total,
    arraySum(arrayFilter((c, q) -> q < 0, cash, qty)) / 1e6,
    sold_total - matched_total AS uncovered,
    uncovered_proceeds / 1e6,
    bought - matched_total AS held,
    r,
    multiIf(is_resolved, 'resolved', held > 0 OR uncovered > 0, 'open', 'closed'),
    (if(is_resolved, matched_proceeds + held * r - arraySum(lot_cost) + uncovered_proceeds - uncovered * r,
        matched_proceeds - arraySum(arrayMap((s, c, t) -> s * (c / t), lot_sold, lot_cost, lot_tokens)))) / 1e6,
    (ac.3 + if(is_resolved, ac.1 * (r - ac.2), 0.)) / 1e6,
    toUInt32(length(lot_tokens)),
    toUInt32(length(qty) - length(lot_tokens)),
    ev.1[1],
    ev.1[-1],
    res_at,
    toUInt8(uncovered > 0),
    arraySum(cash)
FROM
(
    SELECT
        *,
        arraySum(arrayMap((q, s, c) -> if(q < 0, s * (c / -q), 0.), qty, matched_step, cash)) AS matched_proceeds,
        arraySum(arrayMap((q, s, c) -> if(q < 0, (-q - s) * (c / -q), 0.), qty, matched_step, cash))
            AS uncovered_proceeds,
        arrayFold((acc, q, u) -> if(q > 0,
                (acc.1 + q, (acc.2 * acc.1 + u) / (acc.1 + q), acc.3),
                (acc.1 - least(-q, acc.1), acc.2, acc.3 + least(-q, acc.1) * (u / -q - acc.2))),
            qty, arrayMap((q, c, f) -> if(q > 0, -c - f, c + f), qty, cash, ev.6),
            (toInt64(0), toFloat64(0), toFloat64(0))) AS ac
    FROM (${select_position_fifo})
)
SETTINGS max_partitions_per_insert_block = 0  -- a nightly run may touch all 256 wallet partitions
