"""SQL safety: injection strings as wallet, dates, shard and stage lists, table and database settings, and inside
ingested files are data or one clear error, never SQL; and no Python under tasks/ or flows/ formats values into SQL."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from tasks import ledger, staging
from tasks.ingest import ingest
from tasks.partitions import Window

ROOT = Path(__file__).resolve().parents[2]

INJECTIONS = [
    "'; DROP TABLE x; --",
    "0x' OR '1'='1",
    "0x1' UNION SELECT name FROM system.tables --",
    "`pm_trader_events_v2`",
    "pm_trader_events_v2`; DROP TABLE `pm_wallet_positions",
    "{x:String}",
    "{wallet:String}",
    "%(x)s",
    "%(partition)s",
    "${raw}",
    "\\'; SELECT 1; --",
    '"; DROP DATABASE polymarket; --',
    "0x" + "a" * 40 + "'; DROP TABLE pm_wallet_positions; --",
    "ünïcødé-ωαλλετ-🚀",
    "２０２５-01-01",
    "1; DROP TABLE x",
    "$(touch /tmp/pwned)",
    "a\x00b",
]
ENV_SAFE = [s for s in INJECTIONS if "\x00" not in s]  # an environment variable cannot hold NUL

from cli_driver import DRIVER_LOOP  # noqa: E402

DRIVER = DRIVER_LOOP + r"""
os.environ.clear(); os.environ.update(base); get_settings.cache_clear()
from tasks.clickhouse import get_client
with get_client() as db:
    tables = sorted(r[0] for r in db.sql("SELECT name FROM system.tables WHERE database = {d:String}", d=db.database))
    databases = sorted(r[0] for r in db.sql("SELECT name FROM system.databases"))
    raw = db.sql("SELECT trader_wallet, side, transaction_hash FROM " + db.table("raw") + " ORDER BY transaction_hash")
json.dump({"results": results, "tables": tables, "databases": databases, "raw": raw}, open(sys.argv[2], "w"),
          default=str)
"""


def run_cli_cases(workdir: Path, cases: list[dict], env: dict[str, str] | None = None) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "cases.json").write_text(json.dumps(cases))
    full = {k: v for k, v in os.environ.items() if not k.startswith(("POLYLEDGER_", "PREFECT_"))}
    full.update(PYTHONPATH=str(ROOT), POLYLEDGER_CHDB_LOCK_WAIT_SECONDS="1", **(env or {}))
    p = subprocess.run([sys.executable, "-c", DRIVER, "cases.json", "results.json"], cwd=workdir, env=full,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads((workdir / "results.json").read_text())


def one_line_error(r: dict, needle: str) -> None:
    lines = [line for line in r["stderr"].splitlines() if line.strip()]
    assert r["rc"] not in (0, None) and isinstance(r["rc"], int), r
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r["stderr"], r


def trades_csv(path: Path, rows: list[dict]) -> Path:
    import csv

    cols = ["proxyWallet", "side", "asset", "conditionId", "size", "price", "timestamp", "outcomeIndex",
            "transactionHash", "title"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows(rows)
    return path


WALLET = "0x" + "5" * 40
COND = "0x" + "e" * 64
DAY = date(2025, 3, 10)
TS = 1741608000  # 2025-03-10 12:00 UTC


def injected_rows() -> list[dict]:
    """One row per injection string in each of transactionHash, proxyWallet and side (the others valid)."""
    rows = []
    for i, s in enumerate(INJECTIONS):
        clean = s.replace("\x00", "")  # NUL: covered by the in-process test below
        base = {"proxyWallet": WALLET, "side": "BUY", "asset": "7001", "conditionId": COND, "size": "10",
                "price": "0.25", "timestamp": str(TS + i), "outcomeIndex": "0", "transactionHash": f"0xok{i}",
                "title": clean}
        rows.append({**base, "transactionHash": clean or "x"})
        rows.append({**base, "proxyWallet": clean, "transactionHash": f"0xw{i}"})
        rows.append({**base, "side": clean, "transactionHash": f"0xs{i}"})
    return rows


# -- the command line -----------------------------------------------------------------------------------------------
def test_injection_strings_on_the_command_line_and_in_settings_are_one_line_errors_or_plain_data(tmp_path):
    csv_path = trades_csv(tmp_path / "injected.csv", injected_rows())
    cases: list[dict] = [{"argv": ["init"]}, {"argv": ["ingest", "trades", str(csv_path)]}]
    expect: list[tuple] = [("ok", ""), ("ok", "")]
    for s in INJECTIONS:
        cases += [
            {"argv": ["wallet", s]},
            {"argv": ["backfill", "--start", s, "--end", "2025-03-10"]},
            {"argv": ["backfill", "--start", "2025-03-10", "--end", s]},
            {"argv": ["backfill", "--start", "2025-03-10", "--end", "2025-03-10", "--shards", s, "--dry-run"]},
            {"argv": ["backfill", "--start", "2025-03-10", "--end", "2025-03-10", "--stage", s]},
            {"argv": ["status", "--stage", s]},  # a bound parameter: matches no stage, prints the summary
            {"argv": ["leaderboard", "--limit", s]},
        ]
        expect += [("error", "not a wallet address"), ("error", "--start must be YYYY-MM-DD"),
                   ("error", "--end must be YYYY-MM-DD"), ("error", "shard"), ("error", "--stage takes"),
                   ("ok", "database polymarket"), ("usage", "argument --limit: invalid int value")]
    for s in ENV_SAFE:
        for var in ("POLYLEDGER_TABLE_LEDGER", "POLYLEDGER_TABLE_RAW", "POLYLEDGER_TABLE_PARTITIONS",
                    "POLYLEDGER_DATABASE"):
            cases.append({"argv": ["status"], "env": {var: s}})
            expect.append(("error", "not a valid identifier"))
    cases.append({"argv": ["status"]})
    expect.append(("ok", "database polymarket"))
    out = run_cli_cases(tmp_path / "work", cases)

    for r, (outcome, needle) in zip(out["results"], expect):
        if outcome == "ok":
            assert r["rc"] == 0, r
            assert needle in r["stdout"], r
        elif outcome == "usage":  # argparse: its usage line, then the error line
            assert r["rc"] == 2 and needle in r["stderr"].splitlines()[-1] and "Traceback" not in r["stderr"], r
        else:
            one_line_error(r, needle)
    # nothing was dropped or created: the schema is what init made, and no other database appeared
    fresh = run_cli_cases(tmp_path / "fresh", [{"argv": ["init"]}])
    assert out["tables"] == fresh["tables"] and len(out["tables"]) >= 15
    assert out["databases"] == fresh["databases"]
    # the strings that went through the file are data, verbatim
    raw = {tuple(r) for r in out["raw"]}
    for i, s in enumerate(INJECTIONS):
        clean = s.replace("\x00", "")
        assert (WALLET, "BUY", clean or "x") in raw
        assert (clean.strip(), "BUY", f"0xw{i}") in raw or not clean.strip()
        assert (WALLET, clean.strip(), f"0xs{i}") in raw or not clean.strip()
    print(f"\nSQL-SAFETY {len(INJECTIONS)} strings, {len(cases)} CLI invocations, {len(injected_rows())} file rows")


# -- inside ingested files -----------------------------------------------------------------------------------------
def test_injection_strings_inside_ingest_files_are_stored_verbatim_and_rejected_or_ledgered_as_data(make_db, tmp_path):
    db = make_db("inject")
    before = db.sql("SELECT name FROM system.tables WHERE database = {d:String} ORDER BY name", d=db.database)
    rows = injected_rows()
    for i, s in enumerate(INJECTIONS):  # NUL bytes too, in-process
        rows.append({**rows[0], "transactionHash": f"nul{i}", "proxyWallet": s, "timestamp": str(TS + 100 + i)})
    ingest(db, "trades", trades_csv(tmp_path / "t.csv", rows))
    orderfilled = tmp_path / "of.json"
    orderfilled.write_text(json.dumps([
        {"transactionHash": s, "orderHash": s, "timestamp": TS + 200 + i, "maker": s, "taker": WALLET,
         "makerAssetId": "0", "takerAssetId": "7001", "makerAmountFilled": "100", "takerAmountFilled": "200", "fee": "0"}
        for i, s in enumerate(INJECTIONS)]))
    ingest(db, "orderfilled", orderfilled)
    window = Window.now()
    staging.stage_chunk(db, DAY, DAY + timedelta(days=1), window)
    ledger.build_chunk(db, DAY, DAY + timedelta(days=1), window)

    raw = db.sql(f"SELECT trader_wallet, side, transaction_hash, event_id FROM {db.table('raw')}")
    led = {r[0]: r for r in db.sql(f"SELECT transaction_hash, wallet, side FROM {db.table('ledger')}")}
    rej = {(r[0], r[1]) for r in db.sql(f"SELECT transaction_hash, reason FROM {db.table('rejected')}")}
    raw_tx = {r[2] for r in raw}
    raw_wallets = {r[0] for r in raw}
    raw_events = {r[3] for r in raw}
    for i, s in enumerate(INJECTIONS):
        clean = s.replace("\x00", "")
        tx = clean or "x"
        assert tx in raw_tx and led[tx][1:] == (WALLET, "buy")  # a valid fill whatever its hash says
        assert s.strip() in raw_wallets and f"{s}:{s}" in raw_events  # wallet and event id verbatim, NUL included
        if clean.strip():
            assert (f"0xw{i}", "invalid_wallet") in rej and (f"0xs{i}", "invalid_side") in rej
        assert (f"nul{i}", "invalid_wallet") in rej
    after = db.sql("SELECT name FROM system.tables WHERE database = {d:String} ORDER BY name", d=db.database)
    assert after == before


# -- static: values are bound, never formatted into SQL ------------------------------------------------------------------
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|ALTER|DROP|CREATE|DELETE|UPDATE|TRUNCATE|EXCHANGE|OPTIMIZE|RENAME|ATTACH|"
                       r"DETACH|GRANT|FROM|WHERE|VALUES|SETTINGS|PARTITION)\b")


def formatted_sql(source: str) -> list[str]:
    """f-strings, str.format, % and + whose literal text reads like SQL."""
    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            text, how = "".join(v.value for v in node.values if isinstance(v, ast.Constant)), "f-string"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
              and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)):
            text, how = node.func.value.value, ".format()"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
            parts = [s.value for s in (node.left, node.right) if isinstance(s, ast.Constant) and isinstance(s.value, str)]
            text, how = " ".join(parts), "%" if isinstance(node.op, ast.Mod) else "+"
        else:
            continue
        if SQL_WORDS.search(text):
            hits.append(f"line {node.lineno}: {how} {text[:60]!r}")
    return hits


def test_the_sql_detector_catches_formatted_sql_and_lets_messages_through():
    bad = ['q = f"SELECT * FROM t WHERE wallet = \'{w}\'"', 'q = "DELETE FROM t WHERE id = {}".format(i)',
           'q = "ALTER TABLE t DROP PARTITION %s" % p', 'q = "INSERT INTO t VALUES (" + v + ")"']
    assert all(formatted_sql(b) for b in bad)
    assert formatted_sql('m = f"stage {a}: {n} rows"\nk = "%s shards" % n\np = f"fifo {prefix} slice {i}"') == []


def test_no_python_under_tasks_or_flows_formats_values_into_sql():
    files = sorted((ROOT / "tasks").rglob("*.py")) + sorted((ROOT / "flows").rglob("*.py"))
    assert len(files) > 20
    hits = {str(f.relative_to(ROOT)): h for f in files if (h := formatted_sql(f.read_text()))}
    assert hits == {}
    # and only tasks/clickhouse.py hands statements to the driver (every one rendered from a .sql file)
    callers = set()
    for f in files:
        for node in ast.walk(ast.parse(f.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("command", "query", "insert", "raw_query", "query_df", "query_arrow")
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "client"):
                callers.add(str(f.relative_to(ROOT)))
    assert callers == {"tasks/clickhouse.py"}


def test_sql_files_bind_values_and_template_only_identifiers():
    """${name} placeholders are identifiers (quoted by Db), never inside a string literal; values are {name:Type}
    (bound by the server) or %(name)s (escaped by the client)."""
    files = sorted((ROOT / "tasks" / "sql").glob("*.sql"))
    assert len(files) > 40
    for f in files:
        text = re.sub(r"--[^\n]*", "", f.read_text())
        literals = re.findall(r"'(?:[^'\\]|\\.)*'", text)
        assert not [s for s in literals if "${" in s or re.search(r"\{\w+:", s) or "%(" in s], f.name
        for name in re.findall(r"\$\{(\w+)\}", text):
            assert re.fullmatch(r"[a-z_]+", name), (f.name, name)
        code = re.sub(r"'(?:[^'\\]|\\.)*'", "''", text)  # outside string literals ...
        code = re.sub(r"\$\{\w+\}|\{\w+:[\w()', ]+\}|%\(\w+\)s", "", code)  # ... only these placeholders
        assert "{" not in code and "}" not in code, f.name

