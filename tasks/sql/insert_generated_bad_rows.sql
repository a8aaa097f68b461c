-- Synthetic invalid rows, {per_reason} for each rejection rule of SPEC 3.2 (row i breaks rule i % 10, nothing else:
-- 0 wallet, 1 role, 2 side, 3 amount <= 0, 4 fee < 0, 5 price > 1, 6 time before 2020, 7 time > 1 day ahead,
-- 8 unmapped token, 9 fee above the amount). Each is a single version of a fresh fill; keep the order in sync with
-- BAD_RULES in tasks/generate.py.
INSERT INTO ${raw}
    (event_id, trader_wallet, role, side, token_id, usdc_amount, token_amount, fee_amount, trade_time,
     transaction_hash, block_number, is_deleted, insert_time)
SELECT
    concat(tx_hash, '_bad', toString(i)) AS event_id,
    multiIf(r != 0, wallet, intDiv(i, 10) % 2 = 0, substring(wallet, 1, 41), concat('0x', repeat('z', 40))) AS trader_wallet,
    multiIf(r != 1, if(h % 2 = 0, 'maker', 'taker'), intDiv(i, 10) % 2 = 0, 'liquidator', '') AS role,
    multiIf(r != 2, if(bitShiftRight(h, 1) % 2 = 0, 'buy', 'Sell'), intDiv(i, 10) % 2 = 0, 'hold', '') AS side,
    if(r != 8, if(bitShiftRight(h, 2) % 2 = 0, mk.token0, mk.token1),
       toString(reinterpretAsUInt256(SHA256(concat('unmapped:', toString({seed:UInt64}), ':', toString(i)))))) AS token_id,
    multiIf(r = 3 AND intDiv(i, 10) % 2 = 1, -toInt64(token), r = 5, token + 1, intDiv(token, 2)) AS usdc_amount,
    if(r = 3 AND intDiv(i, 10) % 2 = 0, 0, token) AS token_amount,
    multiIf(r = 4, -1000, r = 9, intDiv(token, 2) + 1, 0) AS fee_amount,
    multiIf(r = 6, toDateTime('2019-06-01 00:00:00', 'UTC') + toIntervalSecond(h % 8640000),
            r = 7, toDateTime('2099-01-01 00:00:00', 'UTC') + toIntervalSecond(h % 8640000),
            toDateTime({start:DateTime('UTC')}, 'UTC')
                + toIntervalSecond(toUInt64(mk.start_day) * 86400
                                   + h % ((toUInt64(mk.end_day) - mk.start_day + 1) * 86400))) AS trade_time,
    tx_hash,
    toUInt64(60000000 + intDiv(toUnixTimestamp(trade_time) - 1262304000, 2)) AS block_number,
    toUInt8(0) AS is_deleted,
    trade_time + toIntervalSecond(60) AS insert_time
FROM
(
    SELECT
        number AS i,
        number % 10 AS r,
        cityHash64(toUInt64({seed:UInt64}), toUInt64(number), toUInt64(401)) AS h,
        toUInt32(h % (SELECT count() FROM ${gen_markets})) AS c,
        toInt64(1000000 * (1 + bitShiftRight(h, 8) % 100)) AS token,
        concat('0x', lower(hex(SHA1(concat('badwallet:', toString({seed:UInt64}), ':', toString(number)))))) AS wallet,
        concat('0x', lower(hex(SHA256(concat('badtx:', toString({seed:UInt64}), ':', toString(number)))))) AS tx_hash
    FROM numbers(10 * {per_reason:UInt64})
) AS b
INNER JOIN ${gen_markets} AS mk ON mk.c = b.c
