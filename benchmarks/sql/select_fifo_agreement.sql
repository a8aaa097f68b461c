-- How far the approximate lots are from the exact ones: lots, shares sold and total PnL of each
SELECT
    (SELECT count() FROM ${lots}) AS exact_lots,
    (SELECT count() FROM ${approx_lots}) AS approx_lots,
    (SELECT sum(tokens_sold) FROM ${lots}) AS exact_tokens_sold,
    (SELECT sum(tokens_sold) FROM ${approx_lots}) AS approx_tokens_sold,
    (SELECT sum(pnl_usd) FROM ${lots}) AS exact_lots_pnl_usd,
    (SELECT sum(pnl_usd) FROM ${approx_lots}) AS approx_lots_pnl_usd
