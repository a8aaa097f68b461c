-- Fingerprint of the staged fills of a day range, of their supersessions (a later version on another day) and of
-- the token map (a later mapping changes the ledger)
SELECT
    toString(cityHash64(
        (SELECT count(), sum(cityHash64(event_id, trader_wallet, role, version))
         FROM ${staging} WHERE day >= {start_day:Date} AND day < {end_day:Date}),
        (SELECT count(), sum(cityHash64(day, event_id, trader_wallet, role))
         FROM ${supersessions} WHERE day >= {start_day:Date} AND day < {end_day:Date}),
        (SELECT count(), sum(cityHash64(token_id, condition_id, outcome_index)) FROM ${token_map}))) AS fingerprint
