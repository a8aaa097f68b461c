-- Rows of a scratch table as its readers will see them
SELECT count() FROM ${scratch} FINAL
