"""The work pool's base job template, rendered by prefect-kubernetes into the Job a flow run gets."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from typing import Any

import kubernetes_validate
import pytest
import yaml
from prefect.client.schemas.objects import FlowRun
from prefect.utilities.templating import find_placeholders
from prefect_kubernetes.worker import KubernetesWorker, KubernetesWorkerJobConfiguration

from .paths import DEPLOY_DIR, K8S_DIR, KUBERNETES_VERSION

TEMPLATE_PATH = DEPLOY_DIR / "base-job-template.json"
# prefect-kubernetes 0.8.0 refuses a template without these two keys in the pod spec
# (its _get_base_job_manifest check); the API server drops them as unknown fields.
PREFECT_POD_SPEC_EXTRAS = ("parallelism", "completions")


class _NoPrefectApi:
    """Stands in for the Prefect client: rendering our template must not need the API."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"rendering the base job template called the Prefect API ({name})")


def load_template() -> dict[str, Any]:
    return json.loads(TEMPLATE_PATH.read_text())


def render_job(job_variables: dict[str, Any], template: dict[str, Any] | None = None) -> dict[str, Any]:
    """Render the Job manifest the worker would submit for a flow run with these job variables."""
    config = asyncio.run(
        KubernetesWorkerJobConfiguration.from_template_and_values(
            template or load_template(), job_variables, client=_NoPrefectApi()
        )
    )
    flow_run = FlowRun(id=uuid.uuid4(), name="amber-heron", flow_id=uuid.uuid4(), parameters={})
    config.prepare_for_flow_run(flow_run)
    return config.job_manifest


def strict_validate(manifest: dict[str, Any]) -> None:
    """Validate against the Kubernetes 1.31 schemas, rejecting unknown fields."""
    manifest = copy.deepcopy(manifest)
    pod_spec = manifest["spec"]["template"]["spec"]
    for key in PREFECT_POD_SPEC_EXTRAS:
        pod_spec.pop(key, None)
    assert kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True) == "1.31"


def container(manifest: dict[str, Any]) -> dict[str, Any]:
    [only] = manifest["spec"]["template"]["spec"]["containers"]
    return only


def deployments() -> list[dict[str, Any]]:
    return yaml.safe_load((DEPLOY_DIR / "prefect.yaml").read_text())["deployments"]


def test_template_keeps_every_variable_of_the_prefect_kubernetes_default() -> None:
    default = KubernetesWorker.get_default_base_job_template()
    ours = load_template()
    assert set(default["variables"]["properties"]) <= set(ours["variables"]["properties"])
    assert set(default["job_configuration"]) == set(ours["job_configuration"])


def test_every_placeholder_in_the_template_is_a_declared_variable() -> None:
    template = load_template()
    names = {p.name for p in find_placeholders(json.dumps(template["job_configuration"]))}
    assert names <= set(template["variables"]["properties"])


def test_default_render_is_a_valid_kubernetes_1_31_job() -> None:
    manifest = render_job({})
    # As submitted (unknown fields tolerated, as the API server does) and strictly without
    # the two keys prefect-kubernetes insists on.
    assert kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=False) == "1.31"
    strict_validate(manifest)
    assert manifest["metadata"]["namespace"] == "polyledger"
    assert container(manifest)["image"] == "polyledger:dev"
    assert container(manifest)["imagePullPolicy"] == "IfNotPresent"
    # The worker fills in `prefect flow-run execute` because the image has no entrypoint.
    assert container(manifest)["args"][:3] == ["prefect", "flow-run", "execute"]


def test_job_variables_set_cpu_and_memory_requests_and_limits() -> None:
    manifest = render_job({"cpu_request": "750m", "cpu_limit": "3", "memory_request": "1536Mi", "memory_limit": "3Gi"})
    assert container(manifest)["resources"] == {
        "requests": {"cpu": "750m", "memory": "1536Mi"},
        "limits": {"cpu": "3", "memory": "3Gi"},
    }
    strict_validate(manifest)


def test_defaults_give_every_flow_run_bounded_resources() -> None:
    resources = container(render_job({}))["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert set(resources["limits"]) == {"cpu", "memory"}
    assert all(v for part in resources.values() for v in part.values())


def test_secrets_come_from_the_polyledger_secret_and_never_inline() -> None:
    manifest = render_job({"env": {"POLYLEDGER_DATABASE": "polymarket_test"}})
    c = container(manifest)
    assert c["envFrom"] == [{"secretRef": {"name": "polyledger-secrets"}}]
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert env["POLYLEDGER_DATABASE"] == "polymarket_test"
    for secret_key in ("POLYLEDGER_CLICKHOUSE_URL", "POLYLEDGER_CLICKHOUSE_PASSWORD", "PREFECT_API_KEY"):
        assert secret_key not in env
    secrets_example = (K8S_DIR / "secrets.example.env").read_text()
    for key in (
        "POLYLEDGER_CLICKHOUSE_URL",
        "POLYLEDGER_CLICKHOUSE_USER",
        "POLYLEDGER_CLICKHOUSE_PASSWORD",
        "PREFECT_API_KEY",
    ):
        assert f"\n{key}=" in secrets_example


def test_finished_jobs_are_removed_after_a_ttl() -> None:
    assert render_job({})["spec"]["ttlSecondsAfterFinished"] == 3600
    assert render_job({"finished_job_ttl": 600})["spec"]["ttlSecondsAfterFinished"] == 600
    # Kubernetes must not retry a flow run behind Prefect's back.
    assert render_job({})["spec"]["backoffLimit"] == 0


def test_flow_run_pod_is_non_root_read_only_and_without_capabilities() -> None:
    manifest = render_job({})
    pod = manifest["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    sc = container(manifest)["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["runAsNonRoot"] is True
    assert sc["runAsUser"] == 10001
    assert sc["capabilities"] == {"drop": ["ALL"]}
    # The only writable path: an emptyDir at /tmp (HOME and PREFECT_HOME point there).
    assert container(manifest)["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}]


def test_flow_run_pod_uses_a_tokenless_service_account() -> None:
    pod = render_job({})["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "polyledger-flow-run"
    assert pod["automountServiceAccountToken"] is False
    sa = yaml.safe_load((K8S_DIR / "flow-run-serviceaccount.yaml").read_text())
    assert sa["metadata"]["name"] == "polyledger-flow-run"
    assert sa["automountServiceAccountToken"] is False


def test_flow_run_pods_carry_the_label_the_clickhouse_network_policy_admits() -> None:
    labels = render_job({})["spec"]["template"]["metadata"]["labels"]
    policy = yaml.safe_load((K8S_DIR / "clickhouse-networkpolicy.yaml").read_text())
    [rule] = policy["spec"]["ingress"]
    [peer] = rule["from"]
    for key, value in peer["podSelector"]["matchLabels"].items():
        assert labels[key] == value
    # Prefect's own run labels still reach the pod, for the worker's observer.
    assert "prefect.io/flow-run-id" in labels


@pytest.mark.parametrize("deployment", deployments(), ids=lambda d: d["name"])
def test_each_deployment_renders_to_a_valid_job_with_its_own_resources(deployment: dict[str, Any]) -> None:
    job_variables = deployment["work_pool"]["job_variables"]
    assert set(job_variables) <= set(load_template()["variables"]["properties"])
    manifest = render_job(job_variables)
    strict_validate(manifest)
    c = container(manifest)
    assert c["image"] == job_variables["image"]
    assert c["resources"] == {
        "requests": {"cpu": job_variables["cpu_request"], "memory": job_variables["memory_request"]},
        "limits": {"cpu": job_variables["cpu_limit"], "memory": job_variables["memory_limit"]},
    }
    env = {e["name"]: e.get("value") for e in c["env"]}
    for key, value in job_variables["env"].items():
        assert env[key] == value
    assert c["envFrom"] == [{"secretRef": {"name": "polyledger-secrets"}}]
