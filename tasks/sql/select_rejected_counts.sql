-- Rejected rows per reason, all days
SELECT reason, count() AS n FROM ${rejected} GROUP BY reason ORDER BY reason
