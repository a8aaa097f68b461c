"""The publication gate (SPEC 5): parity, conservation, sanity, coverage, leaderboard latency."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone

from tasks.clickhouse import Db
from tasks.fifo import check_tables
from tasks.partitions import Window


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def add(self, name: str, passed: bool, detail: str) -> None:
        self.checks.append(Check(name, passed, detail))

    def markdown(self) -> str:
        lines = ["# polyledger validation", "", f"**{'PASSED' if self.passed else 'FAILED'}**", "",
                 "| check | result | detail |", "|---|---|---|"]
        lines += [f"| {c.name} | {'pass' if c.passed else 'FAIL'} | {c.detail} |" for c in self.checks]
        return "\n".join(lines)

    def failures(self) -> str:
        return "; ".join(f"{c.name}: {c.detail}" for c in self.checks if not c.passed)


def parity(db: Db, start: date, end_exclusive: date, window: Window, modulus: int = 0) -> Check:
    """Ledger vs an independent GROUP BY dedupe of raw, per wallet: event count and exact cash flow."""
    r = db.rows("select_parity", purpose="parity check", modulus=modulus, **window.params(),
                start=datetime.combine(start, dtime(), timezone.utc),
                end=datetime.combine(end_exclusive, dtime(), timezone.utc))[0]
    ok = int(r["mismatched_wallets"]) == 0
    scope = "every wallet" if not modulus else f"wallets with hash % {modulus} = 0"
    detail = (f"{r['wallets']} wallets ({scope}), {start}..{end_exclusive - timedelta(days=1)}: "
              f"{r['mismatched_wallets']} mismatched, event diff {r['event_diff']}, cash diff {r['cash_diff']} micro-USDC")
    if not ok:
        detail += f"; e.g. {', '.join(r['examples'])}"
    return Check("parity", ok, detail)


def built_range(db: Db) -> tuple[date, date] | None:
    """First and last day whose ledger partition is done, per the registry."""
    days = [date.fromisoformat(r["partition"]) for r in db.rows("select_partitions", stage="ledger")
            if r["status"] == "done"]
    return (min(days), max(days)) if days else None


def validate(db: Db, *, source: str = "next", window: Window | None = None) -> Report:
    """Run every gate check against `source` ('next', 'working' or 'published') outputs."""
    window = window or Window.now()
    report = Report()
    rng = built_range(db)
    if rng is None:
        report.add("ledger built", False, "no ledger partition is done: run a backfill first")
        return report
    report.checks.append(parity(db, rng[0], rng[1] + timedelta(days=1), window,
                                db.settings.pipeline.parity_sample_modulus))
    suffix = {"next": "_next", "working": "", "published": "_published"}[source]
    src = {"positions_source": f"positions{suffix}", "lots_source": f"lots{suffix}"}
    v = check_tables(db, "", tables=src)
    cons = {k: n for k, n in v.items() if n and k not in SANITY}
    sane = {k: n for k, n in v.items() if n and k in SANITY}
    report.add("conservation", not cons, "0 violations" if not cons else ", ".join(f"{k}={n}" for k, n in cons.items()))
    report.add("sanity bounds", not sane, "0 violations" if not sane else ", ".join(f"{k}={n}" for k, n in sane.items()))
    cov = db.rows("select_coverage", purpose="coverage check", idents={"positions_source": src["positions_source"]})[0]
    missing, orphan = int(cov["ledger_without_position"]), int(cov["position_without_ledger"])
    report.add("coverage", missing == 0 and orphan == 0,
               f"{missing} ledger positions without a position row, {orphan} positions without ledger rows")
    t0 = time.perf_counter()
    db.rows("select_leaderboard_top", purpose="leaderboard latency", idents={"positions_source": src["positions_source"]},
            limit=100)
    ms = (time.perf_counter() - t0) * 1000
    limit = db.settings.pipeline.leaderboard_latency_ms
    report.add("leaderboard latency", ms <= limit, f"top 100 in {ms:.0f} ms (limit {limit} ms)")
    return report


SANITY = {"roi_below_minus_one", "not_finite", "resolved_pnl_above_max", "bad_lot_quantities"}
