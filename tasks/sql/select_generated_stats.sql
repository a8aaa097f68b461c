-- What one generate() call produced, from the generator's own plan (not the source tables, which may hold more):
-- fill fates use the same hashes as insert_generated_fills.sql (keep in sync), the rest reads the scratch plan
SELECT
    (SELECT sum(n_fills) FROM ${gen_positions}) AS fills,
    (SELECT count() FROM ${gen_positions}) AS positions,
    (SELECT uniqExact(wallet) FROM ${gen_positions}) AS wallets,
    (SELECT countIf(whale) FROM ${gen_positions}) AS whale_positions,
    (SELECT uniqExact(token_id) FROM ${gen_positions}) AS traded_tokens,
    (SELECT count() FROM ${gen_markets}) AS markets,
    (SELECT uniqExact(event) FROM ${gen_markets}) AS events,
    (SELECT uniqExactIf(event, m > 1) FROM ${gen_markets}) AS multi_outcome_events,
    (SELECT countIf(payout != '') FROM ${gen_markets}) AS conditions_resolved,
    (SELECT countIf(payout = '[1,1]') FROM ${gen_markets}) AS conditions_split,
    (SELECT countIf(payout = '') FROM ${gen_markets}) AS conditions_unresolved,
    countIf(is_dup) AS duplicated_fills,
    sum(copies - 1) AS duplicate_rows,
    countIf(is_conflict) AS conflicting_fills,
    countIf(is_deleted) AS deleted,
    sum(copies + is_deleted) AS fill_rows
FROM
(
    SELECT
        cityHash64(toUInt64({seed:UInt64}), toUInt64(number), toUInt64(303)) AS h3,
        h3 % 1000 < {dup_per_mille:UInt64} AS is_dup,
        if(is_dup, 2 + bitShiftRight(h3, 10) % 2, 1) AS copies,
        is_dup AND bitShiftRight(h3, 20) % 100 < {conflict_percent:UInt64} AS is_conflict,
        bitShiftRight(h3, 30) % 1000 < {delete_per_mille:UInt64} AS is_deleted
    FROM numbers({fills:UInt64})
)
