"""Stage raw fills into the deduped staging table, one day chunk at a time (SPEC 3.2)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from tasks.clickhouse import Db
from tasks.partitions import Window, days_in, scratch_like, swap_in
from tasks.registry import Outcome


def _bounds(a: date, b: date) -> dict[str, datetime]:
    return {"start": datetime.combine(a, time(), timezone.utc), "end": datetime.combine(b, time(), timezone.utc)}


def raw_fingerprint(db: Db, a: date, b: date) -> tuple[int, str]:
    """Rows and content hash of the raw fills in [a, b): the cache key of a staging chunk."""
    row = db.rows("select_raw_fingerprint", purpose=f"fingerprint raw {a}", **_bounds(a, b))[0]
    return int(row["rows"]), row["fingerprint"]


def stage_chunk(db: Db, a: date, b: date, window: Window) -> Outcome:
    """Rebuild the staging partitions of days [a, b) from raw: scratch, merge, swap. Idempotent."""
    rows_in, fp = raw_fingerprint(db, a, b)
    with scratch_like(db, "staging", "stage") as scratch:
        db.run("insert_staging_chunk", purpose=f"stage {a}", idents={"scratch": scratch},
               **_bounds(a, b), **window.params())
        db.run("optimize_scratch", purpose=f"merge staged {a}", idents={"scratch": scratch})
        rows_out = int(db.scalar("select_count_final", purpose=f"count staged {a}", idents={"scratch": scratch}))
        swap_in(db, "staging", scratch, [d.isoformat() for d in days_in(a, b)])
    return Outcome("staging", a.isoformat(), rows_in=rows_in, rows_out=rows_out, fingerprint=fp)


def reject_out_of_range(db: Db, window: Window) -> Outcome:
    """Reject raw fills dated outside the valid window (they belong to no day chunk)."""
    with scratch_like(db, "rejected", "reject") as scratch:
        db.run("insert_rejected_out_of_range", purpose="reject out-of-range times", idents={"scratch": scratch},
               **window.params())
        n = int(db.scalar("select_count", purpose="count out-of-range", idents={"scratch": scratch}))
        swap_in(db, "rejected", scratch, ["1970-01-01"])
    return Outcome("staging", "out-of-range", rows_out=0, rows_rejected=n,
                   rejected_by_reason={"time_out_of_range": n} if n else {})
