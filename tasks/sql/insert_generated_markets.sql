-- Synthetic markets: a quarter of the events are neg-risk groups of 3-6 conditions of which exactly one resolves
-- Yes; binary ones resolve [1,0], [0,1] or (rarely) split [1,1]; about 12% of events are still open (unresolved)
-- at the end of the range. Every value is a hash of (seed, event), so a seed always gives the same markets.
INSERT INTO ${scratch}
SELECT
    toUInt32(e_off + j) AS c,
    toUInt32(e) AS event,
    toUInt8(j) AS j,
    toUInt8(e_m) AS m,
    concat('0x', lower(hex(SHA256(concat('condition:', toString({seed:UInt64}), ':', toString(e), ':', toString(j))))))
        AS condition_id,
    toString(reinterpretAsUInt256(SHA256(concat('token:', condition_id, ':0')))) AS token0,
    toString(reinterpretAsUInt256(SHA256(concat('token:', condition_id, ':1')))) AS token1,
    toUInt16(e_start) AS start_day,
    toUInt16(if(e_open, {days:UInt32} - 1, least({days:UInt32} - 1, e_start + e_life - 1))) AS end_day,
    multiIf(e_open, '',
            e_m > 1, if(j = e_winner, '[1,0]', '[0,1]'),
            e_draw < 6, '[1,1]',
            e_draw < 53, '[1,0]',
            '[0,1]') AS payout,
    toDateTime({start:DateTime('UTC')}, 'UTC') + toIntervalSecond((toUInt64(end_day) + 1) * 86400 + e_h2 % 7200)
        AS resolved_at,
    -- opening Yes price: a neg-risk group's prices start near 1/m each
    if(e_m > 1, least(0.9, (0.3 + 1.4 * (bitShiftRight(e_h2, 16) % 1000) / 1000) / e_m),
                0.1 + 0.8 * (bitShiftRight(e_h2, 16) % 1000) / 1000) AS p0,
    multiIf(payout = '[1,0]', 1., payout = '[0,1]', 0., payout = '[1,1]', 0.5, p0) AS final0,
    multiIf(payout = '[1,0]', 0., payout = '[0,1]', 1., payout = '[1,1]', 0.5, 1 - p0) AS final1
FROM
(
    SELECT
        e, e_h2, e_m, e_start, e_life, e_open, e_draw, e_winner,
        sum(e_m) OVER (ORDER BY e ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - e_m AS e_off
    FROM
    (
        SELECT
            number AS e,
            cityHash64(toUInt64({seed:UInt64}), toUInt64(number), toUInt64(101)) AS e_h,
            cityHash64(toUInt64({seed:UInt64}), toUInt64(number), toUInt64(102)) AS e_h2,
            if(e_h % 100 < 25, 3 + bitShiftRight(e_h, 8) % 4, 1) AS e_m,
            bitShiftRight(e_h, 16) % {days:UInt32} AS e_start,
            -- lifetimes are heavy-tailed: many one- or two-day markets, a few spanning the whole range
            toUInt64(floor(pow({days:UInt32}, (bitShiftRight(e_h, 24) % 1000) / 1000))) AS e_life,
            bitShiftRight(e_h, 36) % 100 < 12 AS e_open,
            bitShiftRight(e_h, 44) % 100 AS e_draw,
            bitShiftRight(e_h, 52) % e_m AS e_winner
        FROM numbers({events:UInt64})
    )
)
ARRAY JOIN range(e_m) AS j
