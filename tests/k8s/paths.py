"""Where the deployment files live, and the Kubernetes version they are checked against."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
K8S_DIR = REPO_ROOT / "k8s"
DEPLOY_DIR = REPO_ROOT / "deploy"
# The Kubernetes minor version of the kind node image (k8s/kind-config.yaml).
KUBERNETES_VERSION = "1.31.0"
