-- Storage partitions (first two hex characters of the wallet) holding affected positions, old or new
SELECT DISTINCT substring(wallet, 3, 2) AS partition
FROM
(
    SELECT wallet FROM ${affected_ledger}
    UNION ALL
    SELECT wallet FROM ${positions}
    WHERE wallet IN (SELECT wallet FROM ${wallets}) OR condition_id IN (SELECT condition_id FROM ${conditions})
)
ORDER BY partition
