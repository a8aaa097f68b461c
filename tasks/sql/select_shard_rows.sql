-- Ledger rows of one wallet shard (sizes the FIFO memory slices)
SELECT count() FROM ${ledger} WHERE startsWith(wallet, {prefix:String})
