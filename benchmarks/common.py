"""Shared plumbing for the benchmarks: a fresh embedded database per size, SQL files, timed child processes, JSON."""

from __future__ import annotations

import hashlib
import argparse
import json
import os
import platform
import resource
import shutil
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # so `python benchmarks/bench_x.py` finds the tasks package from a checkout
    sys.path.insert(0, str(ROOT))

CLICKHOUSE_PEAK = ("not measured: chDB's embedded engine keeps no system.query_log (system logs are not initialised "
                   "on the embedded path), so peaks are the process's peak RSS, which includes the engine")


def open_db(path: str, database: str = "bench"):
    """A Db on the embedded chDB directory `path`, database `database`, every table created."""
    from tasks.clickhouse import get_client
    from tasks.schema import init_schema
    from tasks.settings import ClickHouseSettings, Settings

    settings = Settings()
    settings.clickhouse = ClickHouseSettings(clickhouse_url=f"chdb://{path}", database=database)
    db = get_client(settings)
    init_schema(db)
    return db


def render(db, file: str, **idents: str) -> str:
    """Render benchmarks/<file> with the Db's table identifiers plus `idents` (table keys or scratch names)."""
    text = (HERE / file).read_text()
    names = {**db.idents, **{k: db.table(v) for k, v in idents.items()}}
    return string.Template(text).substitute(names)


def execute(db, file: str, *, idents: dict[str, str] | None = None, **params: Any) -> None:
    """Run a statement from benchmarks/<file>, values bound server-side."""
    db.client.command(render(db, file, **(idents or {})), parameters=params or None)


def query(db, file: str, *, idents: dict[str, str] | None = None, **params: Any) -> list[dict[str, Any]]:
    """Run a SELECT from benchmarks/<file>; rows as dicts."""
    result = db.client.query(render(db, file, **(idents or {})), parameters=params or None)
    return [dict(zip(result.column_names, r)) for r in result.result_rows]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def in_child(fn: Callable[..., dict], *args: Any) -> dict:
    """Run fn(*args) in a fresh process (so its peak RSS is this stage's alone); fn returns a dict."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_child, fn, *args).result()


def _child(fn: Callable[..., dict], *args: Any) -> dict:
    base, code = peak_rss_mb(), code_fingerprint()
    out = fn(*args)
    out.update(peak_rss_mb=peak_rss_mb(), rss_at_start_mb=base, code_fingerprint=code)
    return out


def code_fingerprint() -> str:
    """Hash of tasks/*.py and tasks/sql/*.sql: stages of one run must all have measured the same code."""
    h = hashlib.sha256()
    for path in sorted([*ROOT.glob("tasks/*.py"), *ROOT.glob("tasks/sql/*.sql")]):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def stale_stages(payload: dict) -> list[str]:
    """Stages (as "<size>/<stage>") that ran on other code than the run started with; [] when consistent."""
    start = payload["code_fingerprint"]
    return [f"{r.get('fills', r.get('raw_rows'))}/{name}" for r in payload["results"]
            for name, out in {**r, **r.get("stages", {})}.items()
            if isinstance(out, dict) and out.get("code_fingerprint", start) != start]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t = time.perf_counter()
    value = fn()
    return value, round(time.perf_counter() - t, 3)


def cpu_timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """fn() and the CPU seconds (user + system) this process spent on it, chDB's threads included."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    value = fn()
    after = resource.getrusage(resource.RUSAGE_SELF)
    return value, round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2)


def machine_name() -> str:
    """ClickBench-style machine label: cores and memory (override with --machine)."""
    mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    return f"{os.cpu_count()}cpu-{mem_gb}gb"


def environment() -> dict[str, Any]:
    """What a reader needs to judge the numbers: versions, machine and how busy it was."""
    import chdb

    mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip() or "uncommitted"
    except OSError:
        commit = "unknown"
    return {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "memory_gb": mem_gb, "python": platform.python_version(),
        "chdb": chdb.__version__, "clickhouse": chdb.engine_version if hasattr(chdb, "engine_version") else "",
        "commit": commit, "code_fingerprint": code_fingerprint(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "clickhouse_peak_memory": CLICKHOUSE_PEAK,
    }


def load_now() -> float:
    return round(os.getloadavg()[0], 2)


class Scratch:
    """A throw-away chDB directory for one size, removed afterwards unless kept."""

    def __init__(self, base: str | None, label: str, keep: bool):
        self.path = tempfile.mkdtemp(prefix=f"polyledger-bench-{label}-", dir=base)
        self.keep = keep

    def __enter__(self) -> str:
        return self.path

    def __exit__(self, *exc: Any) -> None:
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


def write_results(kind: str, machine: str, payload: dict) -> Path:
    """benchmarks/results/<yyyymmdd>/<machine>-<kind>.json"""
    day = datetime.now(timezone.utc).strftime("%Y%m%d")
    out = HERE / "results" / day / f"{machine}-{kind}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return out


def base_parser(doc: str | None, sizes: str, sizes_help: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: --sizes, --seed, --machine, --tmp, --keep."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default=sizes, help=sizes_help)
    p.add_argument("--seed", type=int, default=7, help="generator seed")
    p.add_argument("--machine", default=machine_name(), help="label for the results file")
    p.add_argument("--tmp", default=None, help="where the throw-away chDB directories go (default: system tmp)")
    p.add_argument("--keep", action="store_true", help="keep the chDB directories")
    return p


def parse_sizes(text: str) -> list[int]:
    return [int(float(s)) for s in text.split(",") if s.strip()]


def human(n: float) -> str:
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= div:
            return f"{n / div:.2f}{unit}"
    return f"{n:.0f}"


def run_sizes(kind: str, args, payload: dict, unit: str, bench_size) -> int:
    """Run bench_size(size) for each --sizes, writing the JSON after every size so a long run leaves something."""
    out = None
    for size in parse_sizes(args.sizes):
        print(f"{kind} @ {human(size)} {unit}", flush=True)
        payload["results"].append(bench_size(size))
        payload["stages_on_changed_code"] = stale_stages(payload)  # tasks/ edited mid-run: rerun those
        out = write_results(kind, args.machine, payload)
    if payload.get("stages_on_changed_code"):
        print(f"WARNING: tasks/ changed during the run; stages measured on other code: {payload['stages_on_changed_code']}")
    print(f"wrote {out}")
    return 0
