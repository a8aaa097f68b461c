-- Atomically swap two tables' contents (Atomic database)
EXCHANGE TABLES ${a} AND ${b}
