-- A table with the lots columns that keeps nothing: what a write costs once the rows are computed is left out
CREATE OR REPLACE TABLE ${approx_lots} AS ${lots}
ENGINE = Null
