-- Merge a scratch table to one part per partition, so FINAL readers of the target skip merging
OPTIMIZE TABLE ${scratch} FINAL
