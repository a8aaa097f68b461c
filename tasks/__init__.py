"""polyledger tasks: the ClickHouse work, as plain functions (Prefect wrappers live in flows/)."""
