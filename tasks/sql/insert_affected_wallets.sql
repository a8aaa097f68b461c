-- Wallets with any raw fill (deleted ones too) in a restaged time range, each once (it runs once per range)
INSERT INTO ${scratch}
SELECT DISTINCT lower(trader_wallet) AS wallet
FROM ${raw}
WHERE trade_time >= {start:DateTime('UTC')} AND trade_time < {end:DateTime('UTC')}
  AND wallet NOT IN (SELECT wallet FROM ${scratch})
