"""User mistakes give one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NOBEL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "nobel-2025"


def cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POLYLEDGER_")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=120)


def one_line_error(p: subprocess.CompletedProcess, needle: str) -> None:
    assert p.returncode != 0, p.stdout
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr and needle in lines[0], lines[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    assert cli("init", cwd=d, **env).returncode == 0
    return d


ENV = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}


@pytest.mark.parametrize("args,env,needle", [
    (["status"], {"POLYLEDGER_CLICKHOUSE_URL": "http://bob:topsecret@127.0.0.1:9"}, "connection refused"),
    (["status"], {"POLYLEDGER_CLICKHOUSE_URL": "ftp://nowhere"}, "must start with chdb://"),
    (["status"], {"POLYLEDGER_TABLE_LEDGER": "x; DROP TABLE y"}, "not a valid identifier"),
    (["status"], {"POLYLEDGER_CHUNK_DAYS": "many"}, "setting chunk_days"),
    (["ingest", "trades", "/no/such/file.csv"], {}, "no such file"),
    (["ingest", "trades", str(NOBEL / "token_map.csv")], {}, "missing columns"),
    (["wallet", "0x123"], {}, "not a wallet address"),
    (["wallet", "0x" + "9" * 40], {}, "unknown wallet"),
    (["wallet", "'; DROP TABLE x; --"], {}, "not a wallet address"),
    (["backfill", "--start", "2025-13-01", "--end", "2025-01-02"], {}, "--start must be YYYY-MM-DD"),
    (["backfill", "--start", "2025-01-05", "--end", "2025-01-02", "--dry-run"], {}, "is before --start"),
    (["backfill", "--start", "2025-01-01", "--end", "2025-01-02", "--stage", "bogus"], {}, "--stage takes"),
    (["backfill", "--start", "2025-01-01", "--end", "2025-01-02", "--shards", "zz", "--dry-run"], {}, "bad shard"),
    (["rollback"], {}, "nothing to roll back"),
])
def test_user_mistakes_are_one_line_errors(workdir, args, env, needle):
    p = cli(*args, cwd=workdir, **ENV, **env)
    one_line_error(p, needle)
    assert "topsecret" not in p.stderr + p.stdout


def test_a_second_process_on_the_same_embedded_directory_gets_a_clear_error(workdir):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import clickhouse_connect, sys, time; "
         "c = clickhouse_connect.get_client(dsn='chdb://' + sys.argv[1]); c.query('SELECT 1'); "
         "print('ready', flush=True); time.sleep(60)", str(workdir / ".polyledger" / "chdb")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        p = cli("status", cwd=workdir, POLYLEDGER_CHDB_LOCK_WAIT_SECONDS="1", **ENV)
        one_line_error(p, f"in use by process {holder.pid}")
    finally:
        holder.kill()
        holder.wait()
    assert cli("status", cwd=workdir, **ENV).returncode == 0  # released when the holder is gone


@pytest.mark.parametrize("args", [["status"], ["leaderboard", "--limit", "3"],
                                  ["ingest", "token-map", str(NOBEL / "token_map.csv")]])
def test_read_only_commands_and_ingest_never_import_prefect(workdir, args):
    code = ("import sys; from flows.cli import main; rc = main(sys.argv[1:]); "
            "print('PREFECT' if any(m.split('.')[0] == 'prefect' for m in sys.modules) else 'NO-PREFECT', rc)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYLEDGER_")}
    p = subprocess.run([sys.executable, "-c", code, *args], cwd=workdir, env={**env, **ENV}, capture_output=True,
                       text=True, timeout=120)
    assert p.stdout.strip().splitlines()[-1] == "NO-PREFECT 0", p.stdout + p.stderr
