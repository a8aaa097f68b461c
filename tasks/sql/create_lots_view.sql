-- Published lots: readers only ever see a validated version
CREATE OR REPLACE VIEW ${lots_view} AS SELECT * FROM ${lots_published}
