-- Synthetic raw fills, one row per (fill, version): fill n is fill k of its position. Times rise with k inside the
-- position's window; traders buy in the first ~55% of their fills and sell after (6% out of order), holders mostly
-- buy, a few positions mostly sell outside inventory. Prices drift from the opening price to the payout.
-- Fates (keep in sync with select_generated_stats.sql): a fraction of fills is re-ingested 2-3 times with later
-- insert_times, a quarter of those with changed amounts in the latest version; some get a final is_deleted = 1 copy.
INSERT INTO ${raw}
    (event_id, trader_wallet, role, side, token_id, usdc_amount, token_amount, fee_amount, trade_time,
     transaction_hash, block_number, is_deleted, insert_time)
SELECT
    concat(tx_hash, '_', toString(n)) AS event_id,
    wallet,
    role,
    side,
    token_id,
    -- the latest live version (and a delete marker after it) carries the changed amounts of a conflict
    if(conflict AND v + 1 >= copies, greatest(1, toInt64(round(token_changed * price))), usdc) AS usdc_amount,
    if(conflict AND v + 1 >= copies, token_changed, token) AS token_amount,
    fee,
    toDateTime(t, 'UTC') AS trade_time,
    tx_hash,
    toUInt64(60000000 + intDiv(t - 1262304000, 2)) AS block_number,
    toUInt8(deleted AND v + 1 = n_rows) AS is_deleted,
    toDateTime(t + 30 + h4 % 600 + v * (3600 + bitShiftRight(h4, 20) % 86400), 'UTC') AS insert_time
FROM
(
    SELECT
        n, wallet, token_id, h4,
        toUInt32(first_ts + (last_ts - first_ts) * (k + (h1 % 1000) / 1000) / n_fills) AS t,
        (t - market_start) / greatest(1, market_end - market_start) AS x,
        multiIf(kind = 0, ((k + 0.5) / n_fills < 0.55) != (bitShiftRight(h1, 20) % 100 < 6),
                kind = 1, bitShiftRight(h1, 20) % 100 >= 4,
                bitShiftRight(h1, 20) % 100 < 15) AS is_buy,
        arrayElement(if(is_buy, ['buy', 'buy', 'buy', 'buy', 'buy', 'buy', 'buy', 'buy', 'BUY', 'Buy'],
                                ['sell', 'sell', 'sell', 'sell', 'sell', 'sell', 'sell', 'sell', 'SELL', 'Sell']),
                     1 + bitShiftRight(h1, 30) % 10) AS side,
        if(bitShiftRight(h1, 40) % 100 < 45, 'maker', 'taker') AS role,
        toInt64(greatest(10000, round(unit * (0.5 + (h2 % 1000) / 1000) * if(is_buy OR kind != 0, 1, 1.1)))) AS token,
        greatest(0.005, least(0.995, price_start + (price_end - price_start) * pow(x, 3)
                                     + ((bitShiftRight(h2, 20) % 1001) / 1000 - 0.5) * 0.04)) AS price,
        greatest(1, toInt64(round(token * price))) AS usdc,
        if(bitShiftRight(h2, 40) % 100 < 4,
           toInt64(floor(usdc * (0.001 + 0.019 * (bitShiftRight(h2, 48) % 1000) / 1000))), 0) AS fee,
        toInt64(token * (1.05 + 0.5 * (bitShiftRight(h4, 44) % 1000) / 1000)) AS token_changed,
        concat('0x', lower(hex(SHA256(concat('tx:', toString({seed:UInt64}), ':', toString(intDiv(n, 2))))))) AS tx_hash,
        h3 % 1000 < {dup_per_mille:UInt64} AS dup,
        if(dup, 2 + bitShiftRight(h3, 10) % 2, 1) AS copies,
        dup AND bitShiftRight(h3, 20) % 100 < {conflict_percent:UInt64} AS conflict,
        bitShiftRight(h3, 30) % 1000 < {delete_per_mille:UInt64} AS deleted,
        copies + deleted AS n_rows
    FROM
    (
        SELECT
            *,
            k,
            off + k AS n,
            cityHash64(toUInt64({seed:UInt64}), toUInt64(n), toUInt64(301)) AS h1,
            cityHash64(toUInt64({seed:UInt64}), toUInt64(n), toUInt64(302)) AS h2,
            cityHash64(toUInt64({seed:UInt64}), toUInt64(n), toUInt64(303)) AS h3,
            cityHash64(toUInt64({seed:UInt64}), toUInt64(n), toUInt64(304)) AS h4
        FROM ${gen_positions}
        ARRAY JOIN range(n_fills) AS k
    )
)
ARRAY JOIN range(n_rows) AS v
