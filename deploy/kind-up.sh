#!/usr/bin/env bash
# Bring the whole polyledger stack up on a local kind cluster, from nothing, or again:
# cluster, image, ClickHouse, Prefect server and worker, work pool, deployments, demo
# data, and one historical-backfill run. Safe to rerun; it reuses what already exists.
#
# Usage: deploy/kind-up.sh
# Environment: KIND_CLUSTER_NAME (default polyledger); BACKFILL_START / BACKFILL_END
# (YYYY-MM-DD) narrow the triggered historical-backfill run, which by default covers
# every day of raw data.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER="${KIND_CLUSTER_NAME:-polyledger}"
CONTEXT="kind-${CLUSTER}"
NAMESPACE="polyledger"
# Also named in deploy/prefect.yaml, deploy/base-job-template.json and k8s/.
IMAGE="polyledger:dev"
POOL="polyledger-k8s"
BACKFILL_START="${BACKFILL_START:-}"
BACKFILL_END="${BACKFILL_END:-}"
UI_URL="http://localhost:4200"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'kind-up: %s\n' "$*" >&2; exit 1; }

# kubectl pinned to this cluster and namespace, whatever the current context is.
kc() { kubectl --context "$CONTEXT" --namespace "$NAMESPACE" "$@"; }
# A command inside the worker pod: it has the prefect CLI, the API address and the
# repository files (deploy/prefect.yaml, the flows) at /opt/polyledger.
in_worker() { kc exec deploy/prefect-worker -- "$@"; }

check_prerequisites() {
    local missing=() tool
    for tool in docker kind kubectl; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    if ((${#missing[@]} > 0)); then
        die "missing prerequisites: ${missing[*]} (install them, then rerun)"
    fi
    docker info >/dev/null 2>&1 || die "docker is installed but its daemon is not reachable"
}

ensure_cluster() {
    if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
        log "reusing kind cluster $CLUSTER"
    else
        log "creating kind cluster $CLUSTER (k8s/kind-config.yaml)"
        kind create cluster --name "$CLUSTER" --config "$ROOT/k8s/kind-config.yaml" --wait 180s
    fi
}

build_and_load_image() {
    log "building $IMAGE"
    docker build --tag "$IMAGE" "$ROOT"
    log "loading $IMAGE into the kind nodes"
    kind load docker-image "$IMAGE" --name "$CLUSTER"
}

ensure_secrets_file() {
    local secrets="$ROOT/k8s/secrets.env" password
    if [[ -f "$secrets" ]]; then
        log "using existing k8s/secrets.env"
        return
    fi
    log "writing k8s/secrets.env (gitignored) with a random ClickHouse password"
    # head reads a fixed count, so no SIGPIPE trips pipefail.
    password="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    (
        umask 077
        sed "s/^POLYLEDGER_CLICKHOUSE_PASSWORD=.*/POLYLEDGER_CLICKHOUSE_PASSWORD=${password}/" \
            "$ROOT/k8s/secrets.example.env" >"$secrets"
    )
}

apply_manifests() {
    log "applying k8s/ (kustomize)"
    kubectl --context "$CONTEXT" apply -k "$ROOT/k8s"
    # Same tag, new image: restart so that the pods run what was just built.
    kc rollout restart deployment/prefect-server deployment/prefect-worker
    log "waiting for ClickHouse, the Prefect server and the worker"
    kc rollout status statefulset/clickhouse --timeout=300s
    kc rollout status deployment/prefect-server --timeout=300s
    kc rollout status deployment/prefect-worker --timeout=300s
}

wait_for_api() {
    local tries=60
    until in_worker python -c \
        'import os, urllib.request; urllib.request.urlopen(os.environ["PREFECT_API_URL"] + "/health", timeout=5)' \
        >/dev/null 2>&1; do
        tries=$((tries - 1))
        ((tries > 0)) || die "the Prefect API did not answer; see: kubectl -n $NAMESPACE logs deploy/prefect-server"
        sleep 5
    done
}

register_deployments() {
    log "creating/updating work pool $POOL from deploy/base-job-template.json"
    in_worker prefect work-pool create "$POOL" --type kubernetes \
        --base-job-template deploy/base-job-template.json --overwrite
    log "registering the deployments of deploy/prefect.yaml"
    in_worker prefect --no-prompt deploy --all --prefect-file deploy/prefect.yaml
}

load_demo_data() {
    local job=polyledger-demo-data succeeded failed tries=180
    # `polyledger demo` refuses a database that already holds fills, so a Job that
    # succeeded before (it has no TTL) means the data is there: keep it.
    succeeded="$(kc get job "$job" --ignore-not-found -o jsonpath='{.status.succeeded}')"
    if [[ "$succeeded" == "1" ]]; then
        log "demo data already loaded (Job $job succeeded earlier)"
        return
    fi
    log "loading the demo data into ClickHouse (Job $job)"
    kc delete job "$job" --ignore-not-found --wait=true
    kc apply -f "$ROOT/deploy/demo-data-job.yaml"
    while true; do
        succeeded="$(kc get job "$job" -o jsonpath='{.status.succeeded}')"
        failed="$(kc get job "$job" -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}')"
        [[ "$succeeded" == "1" ]] && break
        if [[ "$failed" == "True" ]] || ((--tries == 0)); then
            kc logs "job/$job" --tail=50 >&2 || true
            die "the demo-data Job did not complete"
        fi
        sleep 5
    done
}

trigger_backfill() {
    local flow_name params=()
    [[ -n "$BACKFILL_START" ]] && params+=(--param "start=$BACKFILL_START")
    [[ -n "$BACKFILL_END" ]] && params+=(--param "end=$BACKFILL_END")
    # Deployments are addressed as <flow name>/<deployment name>; ask the flow its name.
    flow_name="$(in_worker python -c 'from flows.backfill import full_backfill; print(full_backfill.name)')"
    log "starting $flow_name/historical-backfill ${BACKFILL_START:-first day}..${BACKFILL_END:-last day}"
    # ${a[@]+...}: an empty array under set -u on bash 3.2 (macOS) too.
    in_worker prefect deployment run "$flow_name/historical-backfill" ${params[@]+"${params[@]}"}
}

main() {
    check_prerequisites
    ensure_cluster
    build_and_load_image
    ensure_secrets_file
    apply_manifests
    wait_for_api
    register_deployments
    load_demo_data
    trigger_backfill
    log "done"
    printf '\nPrefect UI: %s  (flow runs, logs, artifacts)\n' "$UI_URL"
    printf 'Jobs:       kubectl --context %s -n %s get jobs,pods\n' "$CONTEXT" "$NAMESPACE"
    printf 'Tear down:  deploy/kind-down.sh\n'
}

main "$@"
