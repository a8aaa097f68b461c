-- The database's UUID (Atomic): part of every cache key, so a recreated database never hits an old cache
SELECT toString(uuid) FROM system.databases WHERE name = {database:String}
