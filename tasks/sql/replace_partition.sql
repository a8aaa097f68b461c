-- Swap one partition of the target for the scratch table's copy (idempotent: a rerun swaps again)
ALTER TABLE ${target} REPLACE PARTITION %(partition)s FROM ${scratch}
