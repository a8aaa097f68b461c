-- Partitions present in a scratch table (active parts only)
SELECT DISTINCT partition
FROM system.parts
WHERE database = {database:String} AND table = {table:String} AND active
