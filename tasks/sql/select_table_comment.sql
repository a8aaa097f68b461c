-- The publication marker stamped on a table ('' when none)
SELECT comment FROM system.tables WHERE database = {database:String} AND name = {table:String}
