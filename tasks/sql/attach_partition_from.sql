-- Copy one partition into the next publication by hard links (cost per part, not per row)
ALTER TABLE ${target} ATTACH PARTITION %(partition)s FROM ${source}
