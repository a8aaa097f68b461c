-- Rows of a (non-replacing) scratch table
SELECT count() FROM ${scratch}
