-- Empty one partition of the target (the rebuilt partition has no rows)
ALTER TABLE ${target} DROP PARTITION %(partition)s
