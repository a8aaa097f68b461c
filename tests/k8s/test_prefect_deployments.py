"""`prefect deploy --all` of deploy/prefect.yaml against a real local Prefect server, read back."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import yaml
from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.responses import DeploymentResponse

from tasks.settings import PipelineSettings

from .paths import DEPLOY_DIR

POOL = "polyledger-k8s"
ENTRYPOINTS = {
    "nightly-incremental": "flows/nightly.py:nightly_incremental",
    "historical-backfill": "flows/backfill.py:full_backfill",
    "fifo-shard": "flows/fifo_shard.py:fifo_shard",
    "validate-and-publish": "flows/publish.py:validate_and_publish",
}


async def _read_back(api_url: str) -> dict[str, Any]:
    async with PrefectClient(api=api_url) as client:
        # the session's server also holds other tests' deployments (process pools): only ours count here
        deployments = [d for d in await client.read_deployments() if d.work_pool_name == POOL]
        pool = await client.read_work_pool(POOL)
        # How run_deployment() and `prefect deployment run` address a deployment.
        full_names = {}
        for d in deployments:
            full_name = f"{(await client.read_flow(d.flow_id)).name}/{d.name}"
            full_names[d.name] = full_name
            assert (await client.read_deployment_by_name(full_name)).id == d.id
    return {
        "deployments": {d.name: d for d in deployments},
        "pool": {"type": pool.type, "template": pool.base_job_template},
        "full_names": full_names,
    }


@pytest.fixture(scope="module")
def registered(local_prefect_server: Any) -> dict[str, Any]:
    """Create the Kubernetes work pool from the template, deploy everything, and read it all back."""
    local_prefect_server.prefect(
        "work-pool",
        "create",
        POOL,
        "--type",
        "kubernetes",
        "--base-job-template",
        str(DEPLOY_DIR / "base-job-template.json"),
        "--overwrite",
    )
    # Twice: registering again must update in place, as deploy/kind-up.sh does on every run.
    for _ in range(2):
        local_prefect_server.prefect(
            "--no-prompt", "deploy", "--all", "--prefect-file", str(DEPLOY_DIR / "prefect.yaml"), timeout=300
        )
    return asyncio.run(_read_back(local_prefect_server.api_url))


def concurrency(deployment: DeploymentResponse) -> tuple[int, str]:
    """The deployment's concurrency limit (a global concurrency limit server-side) and collision strategy."""
    assert deployment.global_concurrency_limit is not None, deployment.name
    assert deployment.concurrency_options is not None, deployment.name
    return deployment.global_concurrency_limit.limit, deployment.concurrency_options.collision_strategy.value


def declared() -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in yaml.safe_load((DEPLOY_DIR / "prefect.yaml").read_text())["deployments"]}


def test_work_pool_is_kubernetes_with_our_base_job_template(registered: dict[str, Any]) -> None:
    pool = registered["pool"]
    assert pool["type"] == "kubernetes"
    assert pool["template"] == json.loads((DEPLOY_DIR / "base-job-template.json").read_text())


def test_every_deployment_is_registered_once_on_the_kubernetes_pool(registered: dict[str, Any]) -> None:
    deployments: dict[str, DeploymentResponse] = registered["deployments"]
    assert sorted(deployments) == sorted(ENTRYPOINTS)
    for name, deployment in deployments.items():
        assert deployment.entrypoint == ENTRYPOINTS[name]
        assert deployment.work_pool_name == POOL
        assert deployment.work_queue_name == "default"
        # The code is in the image: flow-run pods only change into its working directory.
        assert deployment.pull_steps == [
            {"prefect.deployments.steps.set_working_directory": {"directory": "/opt/polyledger"}}
        ]


def test_nightly_incremental_runs_at_02_15_utc_and_cancels_a_run_that_would_overlap(
    registered: dict[str, Any],
) -> None:
    nightly: DeploymentResponse = registered["deployments"]["nightly-incremental"]
    [schedule] = nightly.schedules
    assert schedule.active is True
    assert schedule.schedule.cron == "15 2 * * *"
    assert schedule.schedule.timezone == "UTC"
    assert nightly.parameters == {"lookback_days": 2}
    assert concurrency(nightly) == (1, "CANCEL_NEW")


def test_only_the_nightly_deployment_is_scheduled(registered: dict[str, Any]) -> None:
    scheduled = {name for name, d in registered["deployments"].items() if d.schedules}
    assert scheduled == {"nightly-incremental"}


def test_historical_backfill_takes_dates_stages_shard_width_and_pods_in_flight(registered: dict[str, Any]) -> None:
    backfill: DeploymentResponse = registered["deployments"]["historical-backfill"]
    assert backfill.parameters == {
        "start": None,
        "end": None,
        "stages": ["staging", "ledger", "fifo"],
        "shard_width": 1,
        "max_pods_in_flight": 4,
        "only_missing": False,
        "publish": True,
    }
    assert concurrency(backfill) == (1, "ENQUEUE")
    assert backfill.job_variables["active_deadline_seconds"] == 259200


def test_fifo_shard_child_takes_shards_and_is_capped_cluster_wide(registered: dict[str, Any]) -> None:
    shard: DeploymentResponse = registered["deployments"]["fifo-shard"]
    assert shard.parameters == {"shards": [], "backfill_key": ""}
    assert concurrency(shard) == (8, "ENQUEUE")
    assert concurrency(shard)[0] >= declared()["historical-backfill"]["parameters"]["max_pods_in_flight"]


def test_validate_and_publish_runs_one_at_a_time(registered: dict[str, Any]) -> None:
    publish: DeploymentResponse = registered["deployments"]["validate-and-publish"]
    assert publish.parameters == {}
    assert concurrency(publish) == (1, "ENQUEUE")


def test_deployment_parameters_are_parameters_of_the_flow(registered: dict[str, Any]) -> None:
    for name, deployment in registered["deployments"].items():
        schema = deployment.parameter_openapi_schema
        assert set(deployment.parameters) <= set(schema["properties"]), name
        # Nothing the flow requires is left for the caller to guess, except the backfill
        # range's defaults, which are given above.
        assert set(schema.get("required", [])) <= set(deployment.parameters), name


def test_each_deployment_sets_image_resources_and_env(registered: dict[str, Any]) -> None:
    pool_variables = set(registered["pool"]["template"]["variables"]["properties"])
    resources = {}
    for name, deployment in registered["deployments"].items():
        jv = deployment.job_variables
        assert jv == declared()[name]["work_pool"]["job_variables"], name
        assert set(jv) <= pool_variables, name
        assert jv["image"] == "polyledger:dev"
        assert jv["env"]["POLYLEDGER_DATABASE"] == "polymarket"
        resources[name] = (jv["cpu_request"], jv["cpu_limit"], jv["memory_request"], jv["memory_limit"])
    # Sized per job: the orchestrating parents are smaller than the pods that do the work.
    assert len(set(resources.values())) == len(resources)


def test_deployments_resolve_by_flow_and_deployment_name(registered: dict[str, Any]) -> None:
    # _read_back resolved each "<flow name>/<deployment name>", the form run_deployment() and
    # `prefect deployment run` (deploy/kind-up.sh) use.
    assert set(registered["full_names"]) == set(ENTRYPOINTS)
    for name, full_name in registered["full_names"].items():
        assert full_name.endswith(f"/{name}")
    # The FIFO fan-out starts its children by the name in the pipeline settings.
    child = PipelineSettings.model_fields["fifo_shard_deployment"].default
    assert registered["full_names"]["fifo-shard"] == child
