-- A scratch table with the target's exact structure, to build one partition set before swapping it in
CREATE TABLE ${scratch} AS ${target}
