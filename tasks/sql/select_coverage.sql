-- Coverage: ledger positions without a computed position, and positions with no ledger rows
SELECT
    (SELECT count() FROM (SELECT DISTINCT wallet, condition_id, outcome_index FROM ${ledger})
     WHERE (wallet, condition_id, outcome_index) NOT IN
           (SELECT wallet, condition_id, outcome_index FROM ${positions_source})) AS ledger_without_position,
    (SELECT count() FROM ${positions_source}
     WHERE (wallet, condition_id, outcome_index) NOT IN
           (SELECT wallet, condition_id, outcome_index FROM ${ledger})) AS position_without_ledger
