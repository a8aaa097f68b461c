"""Secrets (a ClickHouse password in the URL or in POLYLEDGER_CLICKHOUSE_PASSWORD, a Prefect API key) never appear in
CLI output, exception text, structlog output, Prefect artifacts and logs, the partition registry, or the Kubernetes
Job a flow run gets."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import traceback
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from flowdata import START, fills, load

ROOT = Path(__file__).resolve().parents[2]
URL_PASSWORD = "S3cr3t-pw-123"
PASSWORD = "Env-Pa55word-456"
API_KEY = "pnu_Ap1Key0000000000000000000000789"
USER = "svc_user"
SECRETS = (URL_PASSWORD, PASSWORD, API_KEY)
SECRET_URL = f"http://{USER}:{URL_PASSWORD}@127.0.0.1:9"  # nothing listens on port 9: every command fails


def assert_clean(text: str, where: str) -> None:
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"{where} contains {leaked}"


# -- 1. every command, failing against an unreachable server --------------------------------------------------------
from cli_driver import DRIVER_LOOP  # noqa: E402

DRIVER = DRIVER_LOOP + 'json.dump(results, open(sys.argv[2], "w"), default=str)\n'

COMMANDS = [
    ["init"], ["ingest", "trades", "TRADES"], ["backfill", "--start", "2025-06-01", "--end", "2025-06-02"],
    ["backfill", "--start", "2025-06-01", "--end", "2025-06-02", "--dry-run"], ["nightly"], ["validate"], ["publish"],
    ["rollback"], ["status"], ["status", "-v"], ["leaderboard"], ["wallet", "0x" + "1" * 40], ["demo", "--fills", "200"],
]
SETTINGS = {
    "password in the URL": {"POLYLEDGER_CLICKHOUSE_URL": SECRET_URL, "PREFECT_API_KEY": API_KEY},
    "password overridden": {"POLYLEDGER_CLICKHOUSE_URL": SECRET_URL, "POLYLEDGER_CLICKHOUSE_PASSWORD": PASSWORD,
                            "POLYLEDGER_CLICKHOUSE_USER": USER, "PREFECT_API_KEY": API_KEY},
    "malformed URL": {"POLYLEDGER_CLICKHOUSE_URL": f"http://{USER}:{URL_PASSWORD}@127.0.0.1:port",
                      "POLYLEDGER_CLICKHOUSE_PASSWORD": PASSWORD, "PREFECT_API_KEY": API_KEY},
    "bad scheme": {"POLYLEDGER_CLICKHOUSE_URL": f"clickhouse://{USER}:{URL_PASSWORD}@127.0.0.1:9000",
                   "PREFECT_API_KEY": API_KEY},
}


async def read_all_logs(log_filter) -> list:
    from prefect.client.orchestration import get_client

    out: list = []
    async with get_client() as client:
        while True:
            page = await client.read_logs(log_filter, limit=200, offset=len(out))
            out += page
            if len(page) < 200:
                return out


def test_every_command_fails_against_an_unreachable_server_without_printing_a_secret(local_prefect_server, tmp_path):
    from datetime import datetime, timezone

    started = datetime.now(timezone.utc)
    trades = tmp_path / "trades.csv"
    trades.write_text("proxyWallet,side,asset,size,price,timestamp,transactionHash\n"
                      f"0x{'1' * 40},BUY,5,1,0.5,1748779200,0xa\n")
    cases, names = [], []
    for name, env in SETTINGS.items():
        for cmd in COMMANDS:  # a bad URL fails the same way in every command: the flows once each are enough
            if name in ("malformed URL", "bad scheme") and cmd[0] in ("backfill", "nightly", "publish") \
                    and "--dry-run" not in cmd:
                continue
            cases.append({"argv": [str(trades) if a == "TRADES" else a for a in cmd], "env": env})
            names.append(name)
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLYLEDGER_", "PREFECT_"))}
    env.update(PYTHONPATH=str(ROOT), PREFECT_API_URL=local_prefect_server.api_url, PREFECT_HOME=str(tmp_path / "ph"),
               POLYLEDGER_RETRIES="0")
    p = subprocess.run([sys.executable, "-c", DRIVER, "cases.json", "results.json"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    assert_clean(p.stdout + p.stderr, "driver output")
    results = json.loads((tmp_path / "results.json").read_text())
    assert len(results) == len(cases)
    for name, r in zip(names, results):
        where = f"{name}: polyledger {' '.join(r['argv'])}"
        assert isinstance(r["rc"], int) and r["rc"] != 0, (where, r)
        assert_clean(r["stdout"] + r["stderr"], where)
        last = [line for line in r["stderr"].splitlines() if line.strip()][-1]
        assert last.startswith("polyledger: "), (where, last)  # ends with our one-line error, not a traceback
    # what the flow runs sent to the Prefect server (logs, state messages) holds no secret either
    from prefect.client.schemas.filters import LogFilter, LogFilterTimestamp
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: local_prefect_server.api_url}):
        logs = asyncio.run(read_all_logs(LogFilter(timestamp=LogFilterTimestamp(after_=started))))
    assert any("cannot reach ClickHouse" in log.message for log in logs)  # the failed runs' logs are there ...
    assert_clean("\n".join(log.message for log in logs), "Prefect logs of the failed runs")  # ... without secrets
    print(f"\nSECRETS {len(cases)} CLI invocations, {len(logs)} Prefect log lines checked")


# -- 2. exception text and redaction ----------------------------------------------------------------------------------
def settings_with(url: str, password: str | None = None):
    from tasks.settings import ClickHouseSettings, Settings

    s = Settings()
    s.clickhouse = ClickHouseSettings(clickhouse_url=url, clickhouse_password=password, connect_timeout=1)
    return s


@pytest.mark.parametrize("url,password", [
    (SECRET_URL, None), (SECRET_URL, PASSWORD), (f"http://{USER}:{URL_PASSWORD}@127.0.0.1:notaport", PASSWORD),
    (f"https://{USER}:{URL_PASSWORD}@[::1", None), (f"ftp://{USER}:{URL_PASSWORD}@host", PASSWORD),
])
def test_connection_errors_never_carry_the_password(url, password):
    from tasks.clickhouse import get_client
    from tasks.errors import ConfigError

    settings = settings_with(url, password)
    with pytest.raises(ConfigError) as err:
        get_client(settings)
    text = "".join(traceback.format_exception(err.value)) + repr(err.value) + repr(settings.clickhouse)
    assert_clean(text, f"ConfigError for {url}")
    assert "**" in repr(settings.clickhouse)  # pydantic shows SecretStr as '**********'


def test_query_errors_that_echo_the_password_are_redacted():
    """A driver error whose text repeats the password (as some proxies and drivers do) reaches the user redacted."""
    from tasks.clickhouse import Db, parse_url
    from tasks.errors import QueryError

    class Echo:
        def command(self, sql, **kw):
            raise RuntimeError(f"Code: 516. Authentication failed for {USER}:{PASSWORD} at {SECRET_URL}")

        query = command

        def close(self):
            pass

    for password in (None, PASSWORD):
        settings = settings_with(SECRET_URL, password)
        target = parse_url(SECRET_URL, password=password)
        db = Db(Echo(), settings, target)
        with pytest.raises(QueryError) as err:
            db.run("select_count", idents={"scratch": "t"})
        assert target.password in (password or URL_PASSWORD)
        assert target.password not in str(err.value), str(err.value)


# -- 3. a successful embedded run: artifacts, logs, registry, structlog, status --------------------------------------
@pytest.fixture
def secret_run(local_prefect_server, chdb_dir, monkeypatch, tmp_path):
    """A full backfill on the session chDB with a known password and Prefect API key set (neither is needed by an
    embedded run, both are in its environment and settings)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_KEY, PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    from tasks.clickhouse import get_client
    from tasks.schema import init_schema
    from tasks.settings import get_settings

    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_URL", f"chdb://{chdb_dir}")
    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_PASSWORD", PASSWORD)
    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_USER", USER)
    monkeypatch.setenv("PREFECT_API_KEY", API_KEY)
    monkeypatch.setenv("POLYLEDGER_DATABASE", f"secret_{uuid.uuid4().hex[:8]}")
    get_settings.cache_clear()
    db = get_client()
    init_schema(db)
    load(db, fills(2, seed=9))
    with temporary_settings(updates={PREFECT_API_URL: local_prefect_server.api_url, PREFECT_API_KEY: API_KEY,
                                     PREFECT_LOCAL_STORAGE_PATH: str(tmp_path / "results")}):
        from flows.backfill import full_backfill

        state = full_backfill(start=START.isoformat(), end=(START + timedelta(days=1)).isoformat(), return_state=True)
        APILogWorker.drain_all(timeout=10)
        EventsWorker.drain_all(timeout=10)
        yield db, state
    db.close()
    get_settings.cache_clear()


def test_a_successful_embedded_run_leaves_no_secret_in_artifacts_logs_registry_or_output(secret_run, capfd):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, \
        FlowRunFilterParentFlowRunId, LogFilter, LogFilterFlowRunId, TaskRunFilter, TaskRunFilterFlowRunId

    from tasks.status import status_rows

    db, state = secret_run
    assert state.is_completed(), state.message
    root = state.state_details.flow_run_id

    async def fetch() -> dict:
        async with get_client() as client:
            ids, frontier = [root], [root]
            while frontier:
                children = await client.read_flow_runs(
                    flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=frontier)))
                frontier = [c.id for c in children]
                ids += frontier
            runs = [await client.read_flow_run(i) for i in ids]
            tasks = await client.read_task_runs(task_run_filter=TaskRunFilter(
                flow_run_id=TaskRunFilterFlowRunId(any_=ids)), limit=200)
            artifacts = await client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=ids)), limit=200)
        logs = await read_all_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)))
        return {"runs": runs, "tasks": tasks, "artifacts": artifacts, "logs": logs}

    got = asyncio.run(fetch())
    assert len(got["runs"]) == 5 and len(got["tasks"]) > 20  # the backfill, its 4 subflows, every task
    kinds = {a.type for a in got["artifacts"]}
    assert {"progress", "table", "markdown"} <= kinds, kinds
    assert len(got["logs"]) > 20 and any("partition_done" in log.message for log in got["logs"])
    assert_clean("\n".join(json.dumps(a.model_dump(mode="json")) for a in got["artifacts"]), "artifacts")
    assert_clean("\n".join(log.message for log in got["logs"]), "flow run logs")
    assert_clean("\n".join(json.dumps(r.model_dump(mode="json")) for r in got["runs"] + got["tasks"]),
                 "flow and task runs (parameters, states)")
    registry = db.sql(f"SELECT * FROM {db.table('partitions')}")
    assert len(registry) > 20
    assert_clean(repr(registry), "pm_pipeline_partitions")
    lines, rows = status_rows(db)
    assert_clean("\n".join(lines) + repr(rows), "status")
    out, err = capfd.readouterr()
    assert_clean(out + err, "structlog and console output of the run")
    print(f"\nSECRETS run: {len(got['artifacts'])} artifacts, {len(got['logs'])} log lines, {len(got['runs'])} flow runs, "
          f"{len(got['tasks'])} task runs, {len(registry)} registry rows checked")


# -- 4. the Kubernetes Job a flow run gets ------------------------------------------------------------------------------
def worker_env() -> dict[str, str]:
    """The environment the worker runs with, from k8s/prefect-worker-deployment.yaml and the Helm values."""
    docs = list(yaml.safe_load_all((ROOT / "k8s" / "prefect-worker-deployment.yaml").read_text()))
    env = {}
    for d in docs:
        if d and d.get("kind") == "Deployment":
            for c in d["spec"]["template"]["spec"]["containers"]:
                env.update({e["name"]: e.get("value", "") for e in c.get("env", [])})
    helm = yaml.safe_load((ROOT / "deploy" / "helm" / "prefect-worker-values.yaml").read_text())
    env.update({e["name"]: e.get("value", "") for e in helm["worker"].get("extraEnvVars", [])})
    return env


def render(job_variables: dict, monkeypatch) -> dict:
    """The Job manifest the worker submits: template + job variables + the worker's own Prefect settings, then the
    worker's API-key-to-Secret replacement if its settings ask for it (prefect_kubernetes.worker._create_job)."""
    from prefect.client.schemas.objects import FlowRun
    from prefect_kubernetes.settings import KubernetesSettings
    from prefect_kubernetes.worker import KubernetesWorker, KubernetesWorkerJobConfiguration

    template = json.loads((ROOT / "deploy" / "base-job-template.json").read_text())

    class NoApi:
        def __getattr__(self, name):
            raise AssertionError(f"rendering called the Prefect API ({name})")

    config = asyncio.run(KubernetesWorkerJobConfiguration.from_template_and_values(template, job_variables,
                                                                                   client=NoApi()))
    config.prepare_for_flow_run(FlowRun(id=uuid.uuid4(), name="secret-run", flow_id=uuid.uuid4(), parameters={}))
    for k, v in worker_env().items():
        monkeypatch.setenv(k, v)
    ks = KubernetesSettings()
    name = ks.worker.api_key_secret_name or ("prefect-worker-api-key" if ks.worker.create_secret_for_api_key else None)
    if name:
        asyncio.run(KubernetesWorker._replace_env_variable_with_secret(
            None, "PREFECT_API_KEY", config, name, ks.worker.api_key_secret_key or "value"))
    return config.job_manifest


def deployment_variables() -> list[dict]:
    deps = yaml.safe_load((ROOT / "deploy" / "prefect.yaml").read_text())["deployments"]
    return [{}] + [d["work_pool"]["job_variables"] for d in deps]


@pytest.mark.parametrize("worker_has_api_key", [False, True], ids=["in-cluster server", "Prefect Cloud key"])
def test_flow_run_jobs_get_secrets_only_through_secret_refs(monkeypatch, worker_has_api_key):
    """Render the Job of every deployment with the secrets in the worker's environment (and, for Prefect Cloud, its
    API key in the worker's settings): no secret value may appear in the manifest, only secretRef/secretKeyRef."""
    from prefect.settings import PREFECT_API_KEY, PREFECT_API_URL, temporary_settings

    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_URL", SECRET_URL)
    monkeypatch.setenv("POLYLEDGER_CLICKHOUSE_PASSWORD", PASSWORD)
    updates = {PREFECT_API_URL: "http://prefect-server.polyledger.svc.cluster.local:4200/api"}
    if worker_has_api_key:
        updates[PREFECT_API_KEY] = API_KEY
    for variables in deployment_variables():
        with temporary_settings(updates=updates):
            manifest = render(variables, monkeypatch)
        assert_clean(json.dumps(manifest), f"Job manifest for job variables {sorted(variables)}")
        [c] = manifest["spec"]["template"]["spec"]["containers"]
        assert c["envFrom"] == [{"secretRef": {"name": "polyledger-secrets"}}]
        plain = {e["name"] for e in c.get("env", []) if "value" in e}
        assert not plain & {"POLYLEDGER_CLICKHOUSE_URL", "POLYLEDGER_CLICKHOUSE_USER", "POLYLEDGER_CLICKHOUSE_PASSWORD",
                            "PREFECT_API_KEY"}, plain

