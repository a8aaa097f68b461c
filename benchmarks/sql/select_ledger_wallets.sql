-- Every wallet of the ledger with its fill count (the batch method samples wallets from it)
SELECT wallet, count() AS fills FROM ${ledger} GROUP BY wallet ORDER BY wallet
