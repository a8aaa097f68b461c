-- Stamp a publication copy with its publication marker (a sortable UTC timestamp)
ALTER TABLE ${target} MODIFY COMMENT %(comment)s
