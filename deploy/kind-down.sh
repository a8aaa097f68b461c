#!/usr/bin/env bash
# Delete the polyledger kind cluster and everything in it (ClickHouse data included).
# k8s/secrets.env and the local polyledger:dev image are kept for the next kind-up.sh.
#
# Usage: deploy/kind-down.sh
# Environment: KIND_CLUSTER_NAME (default polyledger)
set -euo pipefail

CLUSTER="${KIND_CLUSTER_NAME:-polyledger}"

die() { printf 'kind-down: %s\n' "$*" >&2; exit 1; }

command -v kind >/dev/null 2>&1 || die "missing prerequisite: kind (install it, then rerun)"

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    kind delete cluster --name "$CLUSTER"
    printf '==> deleted kind cluster %s\n' "$CLUSTER" >&2
else
    printf '==> no kind cluster named %s; nothing to do\n' "$CLUSTER" >&2
fi
