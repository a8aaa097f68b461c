-- Active partitions of a table
SELECT DISTINCT partition FROM system.parts WHERE database = {database:String} AND table = {table:String} AND active
ORDER BY partition
