-- An empty next publication with the working table's structure (replacing any leftover)
CREATE OR REPLACE TABLE ${next} AS ${working}
