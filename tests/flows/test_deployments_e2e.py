"""Deployments on a real Prefect server with a process worker: fifo_backfill fans out as child flow runs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOBEL = REPO.parent / "shared" / "data" / "real" / "nobel-2025"
BIN = Path(sys.executable).parent
POOL = "e2e-process"

PREFECT_YAML = f"""
name: polyledger-e2e
prefect-version: 3.8.8
pull:
  - prefect.deployments.steps.set_working_directory:
      directory: {REPO}
deployments:
  - name: e2e-fifo-shard
    entrypoint: flows/fifo_shard.py:fifo_shard
    work_pool: {{name: {POOL}}}
  - name: e2e
    entrypoint: flows/backfill.py:fifo_backfill
    parameters: {{shard_groups: 4, max_pods_in_flight: 1}}
    work_pool: {{name: {POOL}}}
"""


@pytest.fixture
def env(local_prefect_server, tmp_path) -> dict[str, str]:
    e = local_prefect_server.cli_env()
    e.update(POLYLEDGER_CLICKHOUSE_URL=f"chdb://{tmp_path / 'chdb'}", PREFECT_WORKER_QUERY_SECONDS="1",
             PREFECT_WORKER_PREFETCH_SECONDS="1", PREFECT_LOGGING_LEVEL="WARNING",
             # its own child deployment, so the Kubernetes deployment tests on the same server are undisturbed
             POLYLEDGER_FIFO_SHARD_DEPLOYMENT="fifo-shard/e2e-fifo-shard")
    e = {k: v for k, v in e.items() if k != "POLYLEDGER_DATABASE"}
    return e


def run(args: list[str], env: dict, cwd: Path, timeout: int = 300) -> str:
    p = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{args} failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p.stdout


async def wait_for(api: str, flow_run_id: str, timeout: float = 400):
    from prefect.client.orchestration import PrefectClient

    async with PrefectClient(api) as client:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fr = await client.read_flow_run(flow_run_id)
            if fr.state and fr.state.is_final():
                return fr
            await asyncio.sleep(1)
    raise AssertionError("parent flow run did not finish in time")


async def children(api: str, parent_id) -> list:
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    async with PrefectClient(api) as client:
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent_id])))
        deps = {d.id: d.name for d in await client.read_deployments()}
        return [(deps.get(r.deployment_id), r.parameters.get("shards"), r.state.name) for r in runs]


def test_fifo_backfill_runs_each_shard_group_as_a_child_deployment_run(env, local_prefect_server, tmp_path):
    cli = [str(BIN / "polyledger")]
    run(cli + ["init"], env, tmp_path)
    for kind, name in (("token-map", "token_map.csv"), ("resolutions", "resolutions.csv"), ("trades", "trades.csv")):
        run(cli + ["ingest", kind, str(NOBEL / name)], env, tmp_path)
    run(cli + ["backfill", "--start", "2025-10-10", "--end", "2025-10-10", "--stage", "staging,ledger",
               "--no-publish"], env, tmp_path)

    prefect = [str(BIN / "prefect")]
    run(prefect + ["work-pool", "create", POOL, "--type", "process", "--overwrite"], env, tmp_path)
    (tmp_path / "prefect.yaml").write_text(PREFECT_YAML)
    run(prefect + ["--no-prompt", "deploy", "--all", "--prefect-file", str(tmp_path / "prefect.yaml")], env, REPO)

    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(prefect + ["worker", "start", "--pool", POOL, "--type", "process", "--limit", "2"],
                              env=env, cwd=tmp_path, stdout=worker_log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        out = run(prefect + ["deployment", "run", "fifo-backfill/e2e"], env, tmp_path)
        flow_run_id = next(line.split()[-1] for line in out.splitlines() if "UUID" in line)
        parent = asyncio.run(wait_for(local_prefect_server.api_url, flow_run_id))
        log = (tmp_path / "worker.log").read_text()
        assert parent.state.is_completed(), f"{parent.state}\n{log[-5000:]}"
        kids = asyncio.run(children(local_prefect_server.api_url, parent.id))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine can be slow to stop the worker; its shutdown is not
            os.killpg(worker.pid, signal.SIGKILL)  # under test, and a leftover worker would outlive the session
            worker.wait(timeout=30)
        worker_log.close()
    assert len(kids) == 4 and all(d == "e2e-fifo-shard" and s == "Completed" for d, _, s in kids), kids
    assert sorted(sh for _, group, _ in kids for sh in group) == list("0123456789abcdef")
    status = run(cli + ["status"], env, tmp_path)
    assert "fifo: 16 done, 0 failed, 0 running, 0 missing; 932 rows" in status, status
    report = run(cli + ["validate"], env, tmp_path)
    assert "**PASSED**" in report
