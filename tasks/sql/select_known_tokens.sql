-- Which of the given token ids the token map already holds
SELECT DISTINCT token_id FROM ${token_map} WHERE token_id IN {tokens:Array(String)}
