-- Scratch: wallets whose positions a nightly run recomputes
CREATE TABLE ${scratch} (wallet String) ENGINE = MergeTree ORDER BY wallet
