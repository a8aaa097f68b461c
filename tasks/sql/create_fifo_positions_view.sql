-- Writes the positions of every FIFO state block into ${positions}, inside the INSERT that computes them
CREATE MATERIALIZED VIEW ${view} TO ${positions} AS
${select_positions_from_state}
