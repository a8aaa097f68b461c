-- Exact FIFO lots of one slice of a wallet shard (SPEC 4), set-based. Lot j covers [B(j-1), B(j)) on the
-- cumulative-buy axis; matched sells cover [M(i-1), M(i)) at their own net price. Merging both boundary sets and
-- carrying each sell's price back onto the lot boundaries before it gives proceeds at every lot boundary as one
-- cumulative sum. USD = micro-USDC / 1e6.
INSERT INTO ${scratch}
SELECT
    wallet,
    condition_id,
    outcome_index,
    lot_id,
    lot_time,
    lot_tokens,
    lot_cost / 1e6,
    lot_sold,
    lot_proceeds / 1e6,
    lot_tokens - lot_sold AS held,
    if(is_resolved, lot_proceeds + held * r, lot_proceeds) / 1e6,
    lot_pnl / 1e6,
    lot_pnl / lot_cost,
    multiIf(is_resolved, 'resolved', lot_sold = lot_tokens, 'closed', 'open'),
    res_at,
    lot_is_maker
FROM
(
    SELECT
        *,
        -- merged boundaries: matched sells (kind 0) carry their price; lots (kind 1) take the next sell's price
        arraySort(arrayConcat(
            arrayFilter((t, q, s) -> q < 0 AND s > 0,
                        arrayMap((m, q, c) -> (m, toUInt8(0), c / greatest(-q, 1)), cum_matched, qty, cash),
                        qty, matched_step),
            arrayMap(e -> (least(e, matched_total), toUInt8(1), 0.), lot_end))) AS pts,
        arrayReverseFill((pr, k) -> k = 0, pts.3, pts.2) AS pprice,
        arrayCumSum(arrayMap((x, x0, pr) -> (x - x0) * pr, pts.1, arrayPopBack(arrayPushFront(pts.1, 0)), pprice))
            AS pcum,
        arrayFilter((c, k) -> k = 1, pcum, pts.2) AS lot_pcum,
        arrayMap((c, c0) -> c - c0, lot_pcum, arrayPopBack(arrayPushFront(lot_pcum, 0.))) AS lot_proceeds,
        -- SPEC 4 steps 4-5: resolved lots settle at r, closed ones realize all, open ones the sold part
        arrayMap((t, c, s, pr) -> multiIf(is_resolved, pr + (t - s) * r - c, s = t, pr - c, pr - s * (c / t)),
                 lot_tokens, lot_cost, lot_sold, lot_proceeds) AS lot_pnl,
        arrayFilter((x, q) -> q > 0, ev.2, qty) AS lot_id,
        arrayFilter((x, q) -> q > 0, ev.1, qty) AS lot_time,
        arrayFilter((x, q) -> q > 0, arrayMap(x -> toUInt8(x = 'maker'), ev.3), qty) AS lot_is_maker
    FROM (${select_position_fifo})
)
ARRAY JOIN lot_id, lot_time, lot_is_maker, lot_tokens, lot_cost, lot_sold, lot_proceeds, lot_pnl
SETTINGS max_partitions_per_insert_block = 0  -- a nightly run may touch all 256 wallet partitions
