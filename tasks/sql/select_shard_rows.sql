-- Ledger rows of one wallet shard as the primary index counts them (whole granules: over by up to two granules a
-- part): sizes the FIFO memory slices without reading the shard
EXPLAIN ESTIMATE SELECT wallet FROM ${ledger} WHERE startsWith(wallet, {prefix:String})
