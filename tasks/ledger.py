"""Build the unified ledger and the rejected rows from staging, one day chunk at a time."""

from __future__ import annotations

from datetime import date

from tasks.clickhouse import Db
from tasks.partitions import Window, days_in, scratch_like, swap_in
from tasks.registry import Outcome


def staging_fingerprint(db: Db, a: date, b: date) -> str:
    """Content hash of staged days [a, b) and of the token map: the cache key of a ledger chunk."""
    return db.scalar("select_staging_fingerprint", purpose=f"fingerprint staging {a}", start_day=a, end_day=b)


def build_chunk(db: Db, a: date, b: date, window: Window) -> Outcome:
    """Rebuild ledger and rejected partitions of days [a, b) from staging FINAL. Idempotent."""
    params = {"start_day": a, "end_day": b, **window.params()}
    days = [d.isoformat() for d in days_in(a, b)]
    fp = staging_fingerprint(db, a, b)
    with scratch_like(db, "ledger", "ledger") as led, scratch_like(db, "rejected", "rejected") as rej:
        db.run("insert_ledger_chunk", purpose=f"build ledger {a}", idents={"scratch": led}, **params)
        db.run("insert_rejected_chunk", purpose=f"reject {a}", idents={"scratch": rej}, **params)
        reasons = {r["reason"]: int(r["n"]) for r in
                   db.rows("select_reason_counts", purpose=f"count rejected {a}", idents={"scratch": rej})}
        rows_out = int(db.scalar("select_count", purpose=f"count ledger {a}", idents={"scratch": led}))
        swap_in(db, "ledger", led, days)
        swap_in(db, "rejected", rej, days)
    return Outcome("ledger", a.isoformat(), rows_in=rows_out + sum(reasons.values()), rows_out=rows_out,
                   rows_rejected=sum(reasons.values()), fingerprint=fp, rejected_by_reason=reasons)
