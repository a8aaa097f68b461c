-- Parity: per wallet, ledger event count and exact usdc_delta sum vs an independent GROUP BY dedupe of raw
-- (the seed's slow view: latest insert per identity, deleted dropped, SPEC 3.2 rules written out again).
-- The latest version is taken over every version the pipeline has seen when [start, end) is built: those dated
-- before `end` and those out of the time window, whatever their day; the fill counts in [start, end) if that
-- version is dated there.
SELECT
    count() AS wallets,
    countIf(l.n != r.n OR l.cash != r.cash) AS mismatched_wallets,
    sum(abs(toInt64(l.n) - toInt64(r.n))) AS event_diff,
    sum(abs(l.cash - r.cash)) AS cash_diff,
    arraySlice(groupArrayIf(wallet, l.n != r.n OR l.cash != r.cash), 1, 5) AS examples
FROM
(
    SELECT wallet, count() AS n, sum(if(v.1 = 'buy', -(v.2 + v.4), v.2 - v.4)) AS cash
    FROM
    (
        SELECT
            lower(trader_wallet) AS wallet,
            role AS fill_role,
            -- v = (side, usdc_amount, token_amount, fee_amount, token_id, is_deleted, trade_time) of the latest
            -- version
            argMax((lower(side), usdc_amount, token_amount, fee_amount, token_id, is_deleted, trade_time),
                   (insert_time, bitAnd(cityHash64(event_id, lower(trader_wallet), role, lower(side), token_id,
                       usdc_amount, token_amount, fee_amount, trade_time, transaction_hash, is_deleted),
                       1048575))) AS v
        FROM ${raw}
        WHERE (trade_time < {end:DateTime('UTC')} OR trade_time > {max_time:DateTime('UTC')})
          AND ({modulus:UInt32} = 0 OR cityHash64(lower(trader_wallet)) % {modulus:UInt32} = 0)
        GROUP BY wallet, event_id, role
    )
    WHERE v.6 = 0
      AND v.7 >= {start:DateTime('UTC')} AND v.7 < {end:DateTime('UTC')}
      AND v.7 >= {min_time:DateTime('UTC')} AND v.7 <= {max_time:DateTime('UTC')}
      AND match(wallet, '^0x[0-9a-f]{40}$$') AND fill_role IN ('maker', 'taker') AND v.1 IN ('buy', 'sell')
      AND v.3 > 0 AND v.2 > 0 AND v.4 >= 0 AND v.2 <= v.3 AND v.4 <= v.2
      AND v.5 IN (SELECT token_id FROM ${token_map})
    GROUP BY wallet
) AS r
FULL OUTER JOIN
(
    SELECT wallet, count() AS n, sum(usdc_delta) AS cash
    FROM ${ledger}
    WHERE trade_time >= {start:DateTime('UTC')} AND trade_time < {end:DateTime('UTC')}
      AND ({modulus:UInt32} = 0 OR cityHash64(wallet) % {modulus:UInt32} = 0)
    GROUP BY wallet
) AS l USING (wallet)
