-- Synthetic token map: one token per outcome of every generated condition
INSERT INTO ${token_map} (token_id, condition_id, outcome_index)
SELECT if(o = 0, token0, token1), condition_id, toUInt8(o)
FROM ${gen_markets}
ARRAY JOIN [0, 1] AS o
