-- The published copies of lots and positions, read only through the views
CREATE TABLE IF NOT EXISTS ${published} AS ${working}
