-- Wallets with any raw fill (deleted ones too) in the restaged time range
INSERT INTO ${scratch}
SELECT DISTINCT lower(trader_wallet)
FROM ${raw}
WHERE trade_time >= {start:DateTime('UTC')} AND trade_time < {end:DateTime('UTC')}
