"""The `polyledger` command line. Read-only commands never import Prefect."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from typing import Any

from pydantic import ValidationError

from tasks.errors import CheckFailed, PolyledgerError

EXIT_USAGE, EXIT_FAILED = 2, 1


def _db():
    from tasks.clickhouse import get_client

    return get_client()


def _print_rows(rows: list[dict[str, Any]], columns: list[str] | None = None) -> None:
    if not rows:
        print("(no rows)")
        return
    cols = columns or list(rows[0])

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.2f}" if abs(v) >= 1 or v == 0 else f"{v:.4f}"
        return str(v)

    table = [[fmt(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in table)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for row in table:
        print("  ".join(v.rjust(w) if v[:1] in "-0123456789" else v.ljust(w) for v, w in zip(row, widths)))


# -- commands that only read or load (no Prefect) -------------------------------------------------
def cmd_init(args) -> int:
    from tasks.schema import init_schema

    with _db() as db:
        init_schema(db)
        print(f"initialised database {db.database} at {db.target.describe()}")
    return 0


def cmd_ingest(args) -> int:
    from tasks.ingest import ingest
    from tasks.schema import init_schema

    with _db() as db:
        init_schema(db)
        result = ingest(db, args.kind, args.file, exchanges=db.settings.pipeline.exchanges)
    print(result.summary())
    return 0


def cmd_status(args) -> int:
    from tasks.status import status_rows

    with _db() as db:
        summary, rows = status_rows(db, args.stage)
    for line in summary:
        print(line)
    if args.verbose:
        _print_rows(rows, ["stage", "partition", "status", "rows_in", "rows_out", "rows_rejected", "duration_ms",
                           "error"])
    return 0


def cmd_leaderboard(args) -> int:
    with _db() as db:
        rows = db.rows("select_leaderboard", limit=args.limit)
    _print_rows(rows)
    return 0


def cmd_wallet(args) -> int:
    import re

    address = args.address.strip().lower()
    if not re.fullmatch(r"0x[0-9a-f]{40}", address):
        raise PolyledgerError(f"not a wallet address: {args.address[:60]!r} (0x + 40 hex)")
    with _db() as db:
        positions = db.rows("select_wallet_positions", wallet=address)
        if not positions:
            raise PolyledgerError(f"unknown wallet {address}: no published positions")
        lots = db.rows("select_wallet_lots", wallet=address)
    print(f"wallet {address}: {len(positions)} positions, {len(lots)} lots")
    _print_rows(positions)
    print()
    _print_rows(lots)
    return 0


# -- commands that run flows ---------------------------------------------------------------------------
def _stages(text: str) -> list[str]:
    from tasks.steps import STAGES

    stages = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in stages if s not in STAGES]
    if bad or not stages:
        raise PolyledgerError(f"--stage takes a comma list of {', '.join(STAGES)}; got {text!r}")
    return stages


def cmd_backfill(args) -> int:
    from tasks.partitions import parse_day, parse_shards

    start, end = parse_day(args.start, "--start"), parse_day(args.end, "--end")
    if end < start:
        raise PolyledgerError(f"--end {end} is before --start {start}")
    stages = _stages(args.stage)
    from tasks.settings import get_settings

    width = get_settings().pipeline.shard_width
    shards = parse_shards(args.shards, len(args.shards.split(",")[0].split("-")[0]) if args.shards else width)
    if args.dry_run:
        return _dry_run(start, end, stages, shards, args.only_missing)
    from flows.backfill import full_backfill

    result = full_backfill(start=start.isoformat(), end=end.isoformat(), stages=stages, shards=shards,
                           shard_width=width, only_missing=args.only_missing, publish=not args.no_publish)
    print(f"backfill {start}..{end}: " + ", ".join(f"{k} {v} partitions" for k, v in result.items())
          + ("" if args.no_publish else "; validated and published"))
    return 0


def _dry_run(start: date, end: date, stages: list[str], shards: list[str], only_missing: bool) -> int:
    from tasks import steps

    with _db() as db:
        for stage in stages:
            if stage == "fifo":
                todo = steps.plan_shards(db, shards, only_missing=only_missing)
                print(f"fifo: {len(todo)} shards: {' '.join(todo) or '-'}")
            else:
                chunks = steps.plan_chunks(db, stage, start, end, only_missing=only_missing)
                print(f"{stage}: {len(chunks)} day chunks: " + (" ".join(a.isoformat() for a, _ in chunks) or "-"))
    return 0


def cmd_nightly(args) -> int:
    from flows.nightly import nightly_incremental

    result = nightly_incremental(lookback_days=args.lookback_days, end=args.end)
    print(result)
    return 0


def cmd_validate(args) -> int:
    from tasks.checks import validate

    with _db() as db:
        report = validate(db, source="working")
    print(report.markdown())
    return 0 if report.passed else EXIT_FAILED


def cmd_publish(args) -> int:
    from flows.publish import validate_and_publish

    validate_and_publish()
    print("validated and published")
    return 0


def cmd_rollback(args) -> int:
    from tasks.publish import rollback

    with _db() as db:
        rollback(db)
    print("rolled back: the previous publication is live (rollback again to undo)")
    return 0


def cmd_demo(args) -> int:
    from tasks.demo import run_demo

    return run_demo(fills=args.fills, seed=args.seed, days=args.days)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="polyledger", description="Polymarket fills -> deduped ledger -> exact FIFO PnL")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    d = sub.add_parser("demo", help="generate data and run the whole pipeline on embedded ClickHouse")
    d.add_argument("--fills", type=int, default=20_000)
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--days", type=int, default=30)
    d.set_defaults(fn=cmd_demo)
    sub.add_parser("init", help="create the database, tables and views (idempotent)").set_defaults(fn=cmd_init)
    i = sub.add_parser("ingest", help="load a file: trades, orderfilled, token-map, resolutions, markets")
    i.add_argument("kind", choices=["trades", "orderfilled", "token-map", "resolutions", "markets"])
    i.add_argument("file")
    i.set_defaults(fn=cmd_ingest)
    b = sub.add_parser("backfill", help="run stages over a date range")
    b.add_argument("--start", required=True)
    b.add_argument("--end", required=True)
    b.add_argument("--stage", default="staging,ledger,fifo", help="comma list of staging,ledger,fifo")
    b.add_argument("--shards", default=None, help="wallet shards, e.g. 0-f, 3a,3b (default: all)")
    b.add_argument("--only-missing", action="store_true", help="only partitions missing or failed in the registry")
    b.add_argument("--dry-run", action="store_true", help="list what would run")
    b.add_argument("--no-publish", action="store_true", help="skip validate-and-publish at the end")
    b.set_defaults(fn=cmd_backfill)
    n = sub.add_parser("nightly", help="incremental run since the watermark, then validate and publish")
    n.add_argument("--lookback-days", type=int, default=None)
    n.add_argument("--end", default=None, help="last day to stage (default: today, UTC)")
    n.set_defaults(fn=cmd_nightly)
    sub.add_parser("validate", help="run the publication checks on the working outputs").set_defaults(fn=cmd_validate)
    sub.add_parser("publish", help="validate and publish atomically").set_defaults(fn=cmd_publish)
    sub.add_parser("rollback", help="restore the previous publication").set_defaults(fn=cmd_rollback)
    s = sub.add_parser("status", help="partitions per stage: done, failed, missing")
    s.add_argument("--stage", default=None)
    s.add_argument("-v", "--verbose", action="store_true", help="one line per partition")
    s.set_defaults(fn=cmd_status)
    lb = sub.add_parser("leaderboard", help="top wallets by total FIFO PnL (published)")
    lb.add_argument("--limit", type=int, default=20)
    lb.set_defaults(fn=cmd_leaderboard)
    w = sub.add_parser("wallet", help="positions and lots of one wallet (published)")
    w.add_argument("address")
    w.set_defaults(fn=cmd_wallet)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no phoning home from a CLI run
    try:
        from tasks.log import configure

        configure()
        return args.fn(args)
    except CheckFailed as exc:
        if exc.report:
            print(exc.report, file=sys.stderr)
        print(f"polyledger: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except PolyledgerError as exc:
        print(f"polyledger: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ValidationError as exc:  # a bad POLYLEDGER_* setting
        err = exc.errors()[0]
        print(f"polyledger: error: setting {'.'.join(map(str, err['loc']))}: {err['msg']}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("polyledger: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # settings validation and anything unforeseen: one line, no traceback
        if os.environ.get("POLYLEDGER_DEBUG"):
            raise
        msg = str(exc).strip().splitlines()
        print(f"polyledger: error: {type(exc).__name__}: {msg[0][:300] if msg else ''}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
