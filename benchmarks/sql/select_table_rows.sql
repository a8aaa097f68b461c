-- Rows of a table
SELECT count() AS n FROM ${table}
