-- Scratch: conditions whose resolution appeared or changed since the last FIFO run
CREATE TABLE ${scratch} (condition_id String) ENGINE = MergeTree ORDER BY condition_id
