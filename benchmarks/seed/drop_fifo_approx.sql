-- Drop the approximate lots once measured, so no later stage pays for merging their parts in the background
DROP TABLE IF EXISTS ${approx_lots} SYNC
