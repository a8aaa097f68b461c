-- Writes the lots of every FIFO state block into ${lots}, inside the INSERT that computes them
CREATE MATERIALIZED VIEW ${view} TO ${lots} AS
${select_lots_from_state}
