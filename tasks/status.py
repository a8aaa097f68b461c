"""`polyledger status`: what the registry says, per stage, and what is missing."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from tasks import registry, steps
from tasks.clickhouse import Db
from tasks.partitions import Window


def status_rows(db: Db, stage: str | None = None) -> tuple[list[str], list[dict]]:
    rows = registry.read(db, stage)
    lines = [f"database {db.database} at {db.target.describe()}"]
    rng = steps.data_range(db, Window.now())
    expected_days = []
    if rng:
        lines.append(f"raw fills from {rng[0]} to {rng[1]}")
        expected_days = [(rng[0] + timedelta(days=i)).isoformat() for i in range((rng[1] - rng[0]).days + 1)]
    for st in steps.STAGES if stage is None else [stage]:
        mine = [r for r in rows if r["stage"] == st and r["partition"] not in ("out-of-range", "cross-day")]
        counts = Counter(r["status"] for r in mine)
        if st == "fifo":
            expected = set(r["partition"] for r in mine)
            missing = []
        else:
            expected = set(expected_days)
            missing = sorted(expected - {r["partition"] for r in mine})
        out = sum(int(r["rows_out"]) for r in mine if r["status"] == "done")
        line = (f"{st}: {counts.get('done', 0)} done, {counts.get('failed', 0)} failed, "
                f"{counts.get('running', 0)} running, {len(missing)} missing; {out} rows")
        failed = sorted(r["partition"] for r in mine if r["status"] == "failed")
        if failed:
            line += f"; failed: {' '.join(failed[:10])}{' ...' if len(failed) > 10 else ''}"
        stale = sorted(r["partition"] for r in mine if r["status"] == "stale")
        if stale:
            line += f"; stale (rebuilt by the next run): {_ranges(stale)}"
        if missing:
            line += f"; missing: {_ranges(missing)}"
        lines.append(line)
    rej = db.rows("select_rejected_counts")
    if rej:
        lines.append("rejected rows: " + ", ".join(f"{r['reason']} {r['n']}" for r in rej))
    return lines, rows


def _ranges(days: list[str]) -> str:
    out, start, prev = [], None, None
    for d in map(date.fromisoformat, days):
        if start is None:
            start = prev = d
        elif d == prev + timedelta(days=1):
            prev = d
        else:
            out.append(f"{start}..{prev}" if start != prev else str(start))
            start = prev = d
    if start is not None:
        out.append(f"{start}..{prev}" if start != prev else str(start))
    return " ".join(out[:10]) + (" ..." if len(out) > 10 else "")
