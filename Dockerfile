# syntax=docker/dockerfile:1
# polyledger runtime image: the flows, their tasks and the Prefect deployment files.
# Prefect's Kubernetes worker supplies the command (`prefect flow-run execute`), the
# kustomize manifests run the Prefect server and worker from this image too, so it has
# no ENTRYPOINT and a harmless default CMD.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: a venv with the pinned dependency tree and the polyledger wheel ----
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, from pyproject and constraints only, so that editing a flow or a
# task does not reinstall the whole tree. The empty packages let setuptools resolve the
# project; the real code is installed by the next layer.
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir flows tasks \
    && touch flows/__init__.py tasks/__init__.py \
    && pip install -c constraints.txt . \
    && pip uninstall -y polyledger \
    && rm -rf flows tasks build ./*.egg-info

# The package itself, without the [embedded] extra: in a cluster we talk to a ClickHouse
# server over HTTP, so chdb (a 100+ MB wheel) stays out of the image.
COPY flows/ flows/
COPY tasks/ tasks/
RUN pip wheel --no-deps --wheel-dir /wheels . \
    && pip install --no-deps -c constraints.txt /wheels/polyledger-*.whl \
    && pip check

# ---- runtime ----
FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="polyledger" \
      org.opencontainers.image.description="Polymarket fills -> deduplicated ledger -> FIFO PnL in ClickHouse, as Prefect flows"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONFAULTHANDLER=1 \
    HOME=/tmp \
    PREFECT_HOME=/tmp/prefect

# A fixed uid/gid so that the pod securityContext (runAsUser 10001) and the image agree.
RUN groupadd --system --gid 10001 polyledger \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /tmp --shell /usr/sbin/nologin polyledger

COPY --from=builder /opt/venv /opt/venv

# Prefect deployments use entrypoints relative to this directory
# (flows/nightly.py:nightly_incremental) and their pull step changes into it.
# Owned by root and read-only for the runtime user; only /tmp is written.
WORKDIR /opt/polyledger
COPY flows/ flows/
COPY tasks/ tasks/
COPY deploy/ deploy/
COPY pyproject.toml constraints.txt ./

USER 10001:10001

CMD ["polyledger", "--help"]
