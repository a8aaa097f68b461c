-- The pipeline database; Atomic so EXCHANGE TABLES and CREATE OR REPLACE work (chDB's default is not)
CREATE DATABASE IF NOT EXISTS ${db} ENGINE = Atomic
