"""Publication: copy the working outputs into a next version, swap it in atomically, keep the previous one."""

from __future__ import annotations

from datetime import datetime, timezone

from tasks.clickhouse import Db
from tasks.errors import InputError

OUTPUTS = ("lots", "positions")


def init_publication(db: Db) -> None:
    """Create published/previous tables and the reader views if missing."""
    for key in OUTPUTS:
        for suffix in ("published", "previous"):
            db.run("create_publication_tables", purpose=f"create {key}_{suffix}",
                   idents={"published": f"{key}_{suffix}", "working": key})
    db.run("create_lots_view", purpose="create lots view")
    db.run("create_leaderboard_view", purpose="create leaderboard view",
           idents={"positions_source": "positions_published"})


def stage_next(db: Db) -> str:
    """Build <output>_next as a hard-link copy of the working tables (cheap, whatever their size), stamped with a
    new publication marker, which it returns."""
    marker = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
    for key in OUTPUTS:
        db.run("create_next_publication", purpose=f"create {key}_next", idents={"next": f"{key}_next", "working": key})
        for row in db.rows("select_table_partitions", database=db.database, table=db.bare(key)):
            db.run("attach_partition_from", purpose=f"copy {key} partition {row['partition']}",
                   idents={"target": f"{key}_next", "source": key}, partition=row["partition"])
        db.run("alter_table_comment", purpose=f"stamp {key}_next", idents={"target": f"{key}_next"}, comment=marker)
    return marker


def _marker(db: Db, key: str) -> str:
    return db.scalar("select_table_comment", database=db.database, table=db.bare(key)) or ""


def swap_next_in(db: Db, marker: str | None = None) -> None:
    """next -> published -> previous, one EXCHANGE per output (each atomic). Markers make it safe to retry after a
    failure anywhere in between: a step runs only if its tables do not already show it done."""
    marker = marker or _marker(db, "lots_next")
    for key in OUTPUTS:
        if _marker(db, f"{key}_published") != marker:
            db.run("exchange_tables", purpose=f"publish {key}", idents={"a": f"{key}_published", "b": f"{key}_next"})
    for key in OUTPUTS:  # what was published is now in _next: keep it as _previous (unless that happened already)
        displaced = _marker(db, f"{key}_next")
        if displaced != marker and displaced > _marker(db, f"{key}_previous"):
            db.run("exchange_tables", purpose=f"keep previous {key}",
                   idents={"a": f"{key}_previous", "b": f"{key}_next"})


def rollback(db: Db) -> None:
    """Swap published and previous back (a second rollback re-applies the newer version)."""
    if not any(db.scalar("select_count", idents={"scratch": f"{k}_previous"}) for k in OUTPUTS):
        raise InputError("nothing to roll back to: no previous publication")
    for key in OUTPUTS:
        db.run("exchange_tables", purpose=f"rollback {key}", idents={"a": f"{key}_published", "b": f"{key}_previous"})
