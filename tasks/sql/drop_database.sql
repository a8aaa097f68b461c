-- Remove the demo database (embedded demo only)
DROP DATABASE IF EXISTS ${db}
