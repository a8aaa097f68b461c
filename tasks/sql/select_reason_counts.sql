-- Rejected rows per reason in a scratch table
SELECT reason, count() AS n FROM ${scratch} GROUP BY reason ORDER BY reason
