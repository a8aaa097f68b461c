"""The k8s/ manifests, their kustomize build and the kind config, against Kubernetes 1.31 schemas."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import tomllib
import yaml

from .paths import DEPLOY_DIR, K8S_DIR, KUBERNETES_VERSION, REPO_ROOT

NAMESPACE = "polyledger"
# Not Kubernetes objects: kustomize's own file and kind's cluster config.
NON_RESOURCE_FILES = {"kustomization.yaml", "kind-config.yaml"}
# Kubernetes objects applied by deploy/kind-up.sh outside kustomize.
EXTRA_MANIFESTS = [DEPLOY_DIR / "demo-data-job.yaml"]
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job"}
ALLOWED_WORKER_RESOURCES = {"jobs", "pods", "pods/log", "events"}


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())


def manifest_files() -> list[Path]:
    return sorted(p for p in K8S_DIR.glob("*.yaml") if p.name not in NON_RESOURCE_FILES)


def strict_validate(resource: dict[str, Any]) -> None:
    assert kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True) == "1.31"


def pod_template(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """`kubectl kustomize k8s` on a copy, with the example secrets standing in for secrets.env."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with its built-in kustomize) is needed to build k8s/; apt-get install kubectl"
    copy = tmp_path_factory.mktemp("kustomize") / "k8s"
    shutil.copytree(K8S_DIR, copy, ignore=shutil.ignore_patterns("secrets.env"))
    shutil.copy(copy / "secrets.example.env", copy / "secrets.env")
    proc = subprocess.run([kubectl, "kustomize", str(copy)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


def by_kind(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def test_kustomization_lists_every_manifest_file_and_nothing_else() -> None:
    listed = kustomization()["resources"]
    assert sorted(listed) == sorted(p.name for p in manifest_files())
    assert len(listed) == len(set(listed))


def test_kustomize_generators_point_at_existing_files() -> None:
    k = kustomization()
    [configmap] = k["configMapGenerator"]
    for entry in configmap["files"]:
        assert (K8S_DIR / entry.split("=", 1)[1]).is_file()
    [secret] = k["secretGenerator"]
    assert secret["name"] == "polyledger-secrets"
    assert secret["envs"] == ["secrets.env"]
    # The base job template names the Secret literally, so no hash suffix.
    assert secret["options"]["disableNameSuffixHash"] is True


def test_real_secret_values_are_gitignored_and_only_placeholders_are_committed() -> None:
    proc = subprocess.run(
        ["git", "check-ignore", "-q", "k8s/secrets.env"], cwd=REPO_ROOT, capture_output=True, timeout=30
    )
    assert proc.returncode == 0, "k8s/secrets.env must be ignored by git"
    for path in manifest_files() + EXTRA_MANIFESTS:
        for resource in load_all(path):
            assert resource["kind"] != "Secret", f"{path.name}: Secrets come from secretGenerator only"
    example = dict(
        line.split("=", 1)
        for line in (K8S_DIR / "secrets.example.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert example["POLYLEDGER_CLICKHOUSE_PASSWORD"] == "change-me"
    assert example["PREFECT_API_KEY"] == ""


@pytest.mark.parametrize("path", manifest_files() + EXTRA_MANIFESTS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_each_manifest_file_validates_against_kubernetes_1_31(path: Path) -> None:
    resources = load_all(path)
    assert resources
    for resource in resources:
        strict_validate(resource)
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == NAMESPACE


def test_kustomize_output_validates_against_kubernetes_1_31(built: list[dict[str, Any]]) -> None:
    kinds = sorted({r["kind"] for r in built})
    assert kinds == sorted(
        {
            "Namespace",
            "ConfigMap",
            "Secret",
            "Service",
            "PersistentVolumeClaim",
            "StatefulSet",
            "Deployment",
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "NetworkPolicy",
        }
    )
    for resource in built:
        strict_validate(resource)


def test_kustomize_output_is_namespaced_and_has_no_cluster_wide_rbac(built: list[dict[str, Any]]) -> None:
    for resource in built:
        if resource["kind"] == "Namespace":
            assert resource["metadata"]["name"] == NAMESPACE
        else:
            assert resource["metadata"]["namespace"] == NAMESPACE
        assert resource["kind"] not in {"ClusterRole", "ClusterRoleBinding"}


def test_namespace_enforces_the_restricted_pod_security_standard(built: list[dict[str, Any]]) -> None:
    labels = by_kind(built, "Namespace")[NAMESPACE]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_every_pod_meets_the_restricted_pod_security_standard(built: list[dict[str, Any]]) -> None:
    workloads = [r for r in built if r["kind"] in WORKLOAD_KINDS]
    workloads += [r for path in EXTRA_MANIFESTS for r in load_all(path) if r["kind"] in WORKLOAD_KINDS]
    assert {w["metadata"]["name"] for w in workloads} == {
        "clickhouse",
        "prefect-server",
        "prefect-worker",
        "polyledger-demo-data",
    }
    for workload in workloads:
        spec = pod_template(workload)["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, c["name"]
            assert sc["capabilities"] == {"drop": ["ALL"]}, c["name"]
            assert sc["readOnlyRootFilesystem"] is True, c["name"]
            assert set(c["resources"]["requests"]) == {"cpu", "memory"}, c["name"]
            assert set(c["resources"]["limits"]) == {"cpu", "memory"}, c["name"]


def test_clickhouse_is_a_statefulset_with_a_volume_claim_config_map_and_secret_password(
    built: list[dict[str, Any]],
) -> None:
    sts = by_kind(built, "StatefulSet")["clickhouse"]
    [c] = pod_template(sts)["spec"]["containers"]
    assert c["image"] == "clickhouse/clickhouse-server:24.8"
    [claim] = sts["spec"]["volumeClaimTemplates"]
    assert {"name": claim["metadata"]["name"], "mountPath": "/var/lib/clickhouse"} in c["volumeMounts"]
    [password] = [e for e in c["env"] if e["name"] == "CLICKHOUSE_PASSWORD"]
    assert password["valueFrom"]["secretKeyRef"] == {
        "name": "polyledger-secrets",
        "key": "POLYLEDGER_CLICKHOUSE_PASSWORD",
    }
    users_xml = (K8S_DIR / "clickhouse" / "users.xml").read_text()
    assert '<password from_env="CLICKHOUSE_PASSWORD"/>' in users_xml
    assert "<max_memory_usage>" in users_xml
    [configmap_name] = by_kind(built, "ConfigMap")
    assert configmap_name.startswith("clickhouse-config-")  # hash suffix: edits roll the pod
    mounted = {v["configMap"]["name"] for v in pod_template(sts)["spec"]["volumes"] if "configMap" in v}
    assert mounted == {configmap_name}
    service = by_kind(built, "Service")["clickhouse"]
    assert sts["spec"]["serviceName"] == "clickhouse"
    assert {p["port"] for p in service["spec"]["ports"]} == {8123, 9000}
    url = dict(
        line.split("=", 1) for line in (K8S_DIR / "secrets.example.env").read_text().splitlines() if "=" in line
    )["POLYLEDGER_CLICKHOUSE_URL"]
    assert url == f"http://clickhouse.{NAMESPACE}.svc.cluster.local:8123"


def test_only_labelled_pods_reach_clickhouse_on_8123_and_9000(built: list[dict[str, Any]]) -> None:
    policy = by_kind(built, "NetworkPolicy")["clickhouse"]
    sts = by_kind(built, "StatefulSet")["clickhouse"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_template(sts)["metadata"]["labels"].items()
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    [rule] = policy["spec"]["ingress"]
    [peer] = rule["from"]
    assert set(peer) == {"podSelector"}  # no namespaceSelector or ipBlock: same namespace, labelled pods
    selector = peer["podSelector"]["matchLabels"]
    assert selector == {"polyledger.io/clickhouse-client": "true"}
    assert sorted((p["protocol"], p["port"]) for p in rule["ports"]) == [("TCP", 8123), ("TCP", 9000)]
    clients = {"prefect-worker": by_kind(built, "Deployment")["prefect-worker"]}
    clients.update({r["metadata"]["name"]: r for path in EXTRA_MANIFESTS for r in load_all(path)})
    for name, workload in clients.items():
        assert selector.items() <= pod_template(workload)["metadata"]["labels"].items(), name
    server = by_kind(built, "Deployment")["prefect-server"]
    assert "polyledger.io/clickhouse-client" not in pod_template(server)["metadata"]["labels"]


def test_prefect_server_keeps_its_sqlite_database_on_a_volume_and_serves_the_ui_on_a_node_port(
    built: list[dict[str, Any]],
) -> None:
    server = by_kind(built, "Deployment")["prefect-server"]
    assert server["spec"]["strategy"] == {"type": "Recreate"}
    spec = pod_template(server)["spec"]
    [c] = spec["containers"]
    assert c["command"][:3] == ["prefect", "server", "start"]
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env["PREFECT_SERVER_DATABASE_CONNECTION_URL"].startswith("sqlite+aiosqlite:////var/lib/prefect/")
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if "persistentVolumeClaim" in v
    }
    assert claims == {"data": "prefect-server-data"}
    assert {"name": "data", "mountPath": "/var/lib/prefect"} in c["volumeMounts"]
    assert "prefect-server-data" in by_kind(built, "PersistentVolumeClaim")
    service = by_kind(built, "Service")["prefect-server"]
    assert service["spec"]["type"] == "NodePort"
    [port] = service["spec"]["ports"]
    assert (port["port"], port["nodePort"]) == (4200, 30420)


def test_worker_polls_the_kubernetes_pool_with_a_role_limited_to_jobs_pods_logs_and_events(
    built: list[dict[str, Any]],
) -> None:
    worker = by_kind(built, "Deployment")["prefect-worker"]
    spec = pod_template(worker)["spec"]
    [c] = spec["containers"]
    command = c["command"]
    assert command[:3] == ["prefect", "worker", "start"]
    assert command[command.index("--pool") + 1] == "polyledger-k8s"
    assert command[command.index("--type") + 1] == "kubernetes"
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env["PREFECT_API_URL"] == f"http://prefect-server.{NAMESPACE}.svc.cluster.local:4200/api"
    # Without this the observer watches cluster-wide, which the namespaced Role forbids.
    assert env["PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES"] == NAMESPACE

    assert spec["serviceAccountName"] == "prefect-worker"
    assert "prefect-worker" in by_kind(built, "ServiceAccount")
    role = by_kind(built, "Role")["prefect-worker"]
    granted = {res for rule in role["rules"] for res in rule["resources"]}
    assert granted == ALLOWED_WORKER_RESOURCES
    for rule in role["rules"]:
        assert "*" not in rule["verbs"] and "*" not in rule["resources"]
    [job_rule] = [r for r in role["rules"] if "jobs" in r["resources"]]
    assert {"create", "get", "list", "watch", "delete"} <= set(job_rule["verbs"])
    binding = by_kind(built, "RoleBinding")["prefect-worker"]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "prefect-worker"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "prefect-worker", "namespace": NAMESPACE}]


def test_server_worker_and_flow_runs_share_one_image(built: list[dict[str, Any]]) -> None:
    images = {c["image"] for d in by_kind(built, "Deployment").values() for c in pod_template(d)["spec"]["containers"]}
    assert images == {"polyledger:dev"}
    prefect_yaml = yaml.safe_load((DEPLOY_DIR / "prefect.yaml").read_text())
    assert {d["work_pool"]["job_variables"]["image"] for d in prefect_yaml["deployments"]} == images


def test_kind_cluster_has_one_control_plane_two_workers_and_publishes_the_ui() -> None:
    config = yaml.safe_load((K8S_DIR / "kind-config.yaml").read_text())
    assert config["kind"] == "Cluster"
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    roles = [n["role"] for n in config["nodes"]]
    assert sorted(roles) == ["control-plane", "worker", "worker"]
    # The node image is the Kubernetes version every manifest is validated against.
    assert {n["image"] for n in config["nodes"]} == {"kindest/node:v1.31.2"}
    [control_plane] = [n for n in config["nodes"] if n["role"] == "control-plane"]
    [mapping] = control_plane["extraPortMappings"]
    service = yaml.safe_load((K8S_DIR / "prefect-server-service.yaml").read_text())
    assert mapping["containerPort"] == service["spec"]["ports"][0]["nodePort"]
    assert mapping["hostPort"] == 4200


def test_helm_values_match_the_kustomize_setup() -> None:
    pinned = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    prefect_version = next(d.split("==")[1] for d in pinned if d.startswith("prefect=="))
    server = yaml.safe_load((DEPLOY_DIR / "helm" / "prefect-server-values.yaml").read_text())
    assert server["global"]["prefect"]["image"]["prefectTag"].startswith(f"{prefect_version}-python3.11")
    assert server["sqlite"]["enabled"] is True and server["postgresql"]["enabled"] is False
    assert (server["service"]["type"], server["service"]["nodePort"]) == ("NodePort", 30420)
    assert server["server"]["uiConfig"]["prefectUiApiUrl"] == "http://localhost:4200/api"
    worker = yaml.safe_load((DEPLOY_DIR / "helm" / "prefect-worker-values.yaml").read_text())["worker"]
    assert worker["config"]["workPool"] == "polyledger-k8s"
    assert worker["config"]["type"] == "kubernetes"
    assert worker["apiConfig"] == "server"
    assert worker["serverApiConfig"]["apiUrl"] == f"http://prefect-server.{NAMESPACE}.svc.cluster.local:4200/api"
    assert worker["podLabels"] == {"polyledger.io/clickhouse-client": "true"}
    for values in (server["server"], worker):
        assert values["podSecurityContext"]["runAsNonRoot"] is True
        assert values["containerSecurityContext"]["readOnlyRootFilesystem"] is True
        assert values["containerSecurityContext"]["allowPrivilegeEscalation"] is False
