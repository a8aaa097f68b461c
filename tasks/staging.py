"""Stage raw fills into the deduped staging table, one day chunk at a time (SPEC 3.2)."""

from __future__ import annotations

from datetime import date

from tasks.clickhouse import Db
from tasks.partitions import Window, day_bounds, days_in, scratch_like, sub_shards, swap_in
from tasks.registry import Outcome, mark_stale

OUT_OF_RANGE_DAY = date(1970, 1, 1)  # the sentinel day of versions dated outside the valid window
# Memory per staged row in the narrow candidate aggregation of resolve_cross_day: a UInt64 hash, the min and max
# of a Date, and hash-table slack.
CANDIDATE_BYTES_PER_ROW = 64



def raw_fingerprint(db: Db, a: date, b: date) -> tuple[int, str]:
    """Rows and content hash of the raw fills in [a, b): the cache key of a staging chunk."""
    row = db.rows("select_raw_fingerprint", purpose=f"fingerprint raw {a}", **day_bounds(a, b))[0]
    return int(row["rows"]), row["fingerprint"]


def stage_chunk(db: Db, a: date, b: date, window: Window) -> Outcome:
    """Rebuild the staging partitions of days [a, b) from raw: scratch, merge, swap. Idempotent."""
    rows_in, fp = raw_fingerprint(db, a, b)
    with scratch_like(db, "staging", "stage") as scratch:
        db.run("insert_staging_chunk", purpose=f"stage {a}", idents={"scratch": scratch},
               **day_bounds(a, b), **window.params())
        db.run("optimize_scratch", purpose=f"merge staged {a}", idents={"scratch": scratch})
        rows_out = int(db.scalar("select_count_final", purpose=f"count staged {a}", idents={"scratch": scratch}))
        swap_in(db, "staging", scratch, [d.isoformat() for d in days_in(a, b)])
    return Outcome("staging", a.isoformat(), rows_in=rows_in, rows_out=rows_out, fingerprint=fp)


def resolve_cross_day(db: Db, window: Window) -> list[date]:
    """Rebuild the supersessions table whole: each staged (or out-of-range) version of a fill that lost to a later
    version on another day, which the ledger and the out-of-range rejects then leave out (SPEC 3.2: the latest
    insert wins whatever its day). Run after the day chunks are staged. Returns the days whose supersessions changed;
    before the swap, their built ledger days are marked stale in the registry, so a crash after the swap cannot
    lose them. Idempotent: a rerun rebuilds the same table."""
    db.run("create_supersessions", purpose="create supersessions")  # a database initialised before it existed
    rows = int(db.scalar("select_count", purpose="count staged rows", idents={"scratch": "staging"}))
    slices = sub_shards(rows, CANDIDATE_BYTES_PER_ROW, db.settings.clickhouse.max_memory_usage)
    with scratch_like(db, "supersessions", "supersessions") as scratch:
        for part in range(slices):
            db.run("insert_supersessions", purpose=f"resolve cross-day versions slice {part}/{slices}",
                   idents={"scratch": scratch}, slices=slices, slice=part, **window.params())
        changed = [r["day"] for r in db.rows("select_changed_supersession_days", purpose="changed supersessions",
                                             idents={"scratch": scratch})]
        days = [d for d in changed if d != OUT_OF_RANGE_DAY]  # out-of-range rejects are redone after every run
        mark_stale(db, "ledger", [d.isoformat() for d in days])
        # the old table lands in the scratch, which is then dropped
        db.run("exchange_tables", purpose="swap in supersessions", idents={"a": "supersessions", "b": scratch})
    return days


def reject_out_of_range(db: Db, window: Window) -> Outcome:
    """Reject raw fills dated outside the valid window (they belong to no day chunk), unless a later version of
    the fill on a valid day won: run after resolve_cross_day."""
    with scratch_like(db, "rejected", "reject") as scratch:
        db.run("insert_rejected_out_of_range", purpose="reject out-of-range times", idents={"scratch": scratch},
               **window.params())
        n = int(db.scalar("select_count", purpose="count out-of-range", idents={"scratch": scratch}))
        swap_in(db, "rejected", scratch, ["1970-01-01"])
    return Outcome("staging", "out-of-range", rows_out=0, rows_rejected=n,
                   rejected_by_reason={"time_out_of_range": n} if n else {})
