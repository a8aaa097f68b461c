-- Counts the check violations of every FIFO state block into ${checks}, inside the INSERT that computes them
CREATE MATERIALIZED VIEW ${view} TO ${checks} AS
${select_fifo_checks}
