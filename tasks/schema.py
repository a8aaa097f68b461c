"""Create the database and every table and view, idempotently."""

from __future__ import annotations

from tasks.clickhouse import Db

# Order matters: sources, then outputs, then what reads them.
TABLES = (
    "create_raw_events",
    "create_token_map",
    "create_resolutions",
    "create_staging",
    "create_supersessions",
    "create_rejected",
    "create_ledger",
    "create_lots",
    "create_positions",
    "create_partitions",
)


def sweep_scratch(db: Db) -> list[str]:
    """Drop the scratch tables a killed task left behind (older than POLYLEDGER_SCRATCH_TTL_HOURS, so never one a
    running task still uses). Returns their names."""
    names = [r["name"] for r in db.rows("select_stale_scratch", purpose="find leftover scratch tables",
                                         database=db.database, hours=db.settings.pipeline.scratch_ttl_hours)]
    for name in names:
        db.run("drop_scratch", purpose=f"drop leftover scratch {name}", idents={"scratch": name})
    return names


def init_schema(db: Db) -> list[str]:
    """Create what is missing; running it twice changes nothing. Returns the statements run."""
    from tasks.publish import init_publication

    db.run("create_database", purpose="create database")
    for name in TABLES:
        db.run(name, purpose=name.replace("_", " "))
    init_publication(db)
    sweep_scratch(db)
    return ["create_database", *TABLES]
