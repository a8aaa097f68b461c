-- Synthetic positions: runs of 1-149 fills (mean ~30) of one wallet in one token. Wallets are drawn
-- heavy-tailed (index = W x u^3: a few whales hold many positions, most wallets a handful), markets by popularity;
-- each position trades inside its market's life. The running sum of sizes gives each position its fill numbers.
INSERT INTO ${scratch}
SELECT
    pos.p AS p,
    pos.off AS off,
    least(pos.size, {fills:UInt64} - pos.off) AS n_fills,
    concat('0x', lower(hex(SHA1(concat('wallet:', toString({seed:UInt64}), ':', toString(pos.w)))))) AS wallet,
    toUInt8(pos.w < greatest(1, intDiv({wallets:UInt64}, 200))) AS whale,
    pos.kind AS kind,
    if(pos.outcome = 0, mk.token0, mk.token1) AS token_id,
    pow(10, 5 + 3.5 * pos.u_unit) * if(whale, 5, 1) AS unit,
    toUInt32(toUnixTimestamp({start:DateTime('UTC')}) + toUInt64(mk.start_day) * 86400) AS market_start,
    toUInt32(toUnixTimestamp({start:DateTime('UTC')}) + (toUInt64(mk.end_day) + 1) * 86400 - 1) AS market_end,
    toUInt32(market_start + (market_end - market_start) * 0.8 * pos.u_first) AS first_ts,
    toUInt32(first_ts + (market_end - first_ts) * (0.1 + 0.9 * pos.u_last)) AS last_ts,
    if(pos.outcome = 0, mk.p0, 1 - mk.p0) AS price_start,
    if(pos.outcome = 0, mk.final0, mk.final1) AS price_end
FROM
(
    SELECT
        p, size, w, c, outcome, kind, u_unit, u_first, u_last,
        sum(size) OVER (ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - size AS off
    FROM
    (
        SELECT
            number AS p,
            cityHash64(toUInt64({seed:UInt64}), toUInt64(number), toUInt64(201)) AS h1,
            cityHash64(toUInt64({seed:UInt64}), toUInt64(number), toUInt64(202)) AS h2,
            cityHash64(toUInt64({seed:UInt64}), toUInt64(number), toUInt64(203)) AS h3,
            toUInt64(floor(pow(150, (h1 % 1000003) / 1000003))) AS size,
            toUInt64(floor({wallets:UInt64} * pow((h2 % 1000003) / 1000003, 3))) AS w,
            toUInt32(floor((SELECT count() FROM ${gen_markets}) * pow((h3 % 1000003) / 1000003, 1.5))) AS c,
            toUInt8(bitShiftRight(h1, 40) % 2) AS outcome,
            -- 70% buy then sell, 25% buy and hold, 5% mostly sell inventory bought outside the order book
            toUInt8(multiIf(bitShiftRight(h1, 48) % 100 < 70, 0, bitShiftRight(h1, 48) % 100 < 95, 1, 2)) AS kind,
            (bitShiftRight(h2, 40) % 10007) / 10007 AS u_unit,
            (bitShiftRight(h3, 40) % 10007) / 10007 AS u_first,
            (bitShiftRight(h3, 20) % 10007) / 10007 AS u_last
        FROM numbers({positions:UInt64})
    )
) AS pos
INNER JOIN ${gen_markets} AS mk ON mk.c = pos.c
WHERE pos.off < {fills:UInt64}
