"""One real local Prefect server for the whole test session (flows, deployments, workers)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class LocalPrefectServer:
    """A `prefect server start` process on a free loopback port, with its own PREFECT_HOME."""

    api_url: str
    home: Path
    log_path: Path

    def cli_env(self) -> dict[str, str]:
        """Environment for a `prefect` CLI subprocess that talks to this server only."""
        env = _env_without_prefect_settings()
        env.update(
            PREFECT_API_URL=self.api_url,
            PREFECT_HOME=str(self.home / "client"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_CLI_COLORS="false",
            PREFECT_CLI_WRAP_LINES="false",
        )
        return env

    def prefect(self, *args: str, cwd: Path = REPO_ROOT, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Run the prefect CLI against this server; fail the test with its output if it fails."""
        proc = subprocess.run(
            [str(VENV_BIN / "prefect"), *args],
            cwd=cwd,
            env=self.cli_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            pytest.fail(f"prefect {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc


def _env_without_prefect_settings() -> dict[str, str]:
    # Nothing from the caller's Prefect profile or harness may leak into the server or CLI.
    return {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return resp.status == 200 and json.loads(resp.read()) is True
    except (urllib.error.URLError, OSError, ValueError):
        return False


@pytest.fixture(scope="session")
def local_prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPrefectServer]:
    """Start a real Prefect server (SQLite, no UI) on 127.0.0.1 for the test session and stop it after."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log_path = home / "server.log"
    env = _env_without_prefect_settings()
    env.update(
        PREFECT_HOME=str(home / "server"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
        PREFECT_SERVER_LOGGING_LEVEL="WARNING",
        # The scheduler would fill the database with runs of the nightly cron; not needed here.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
    )
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while not _healthy(api_url):
            if proc.poll() is not None:
                pytest.fail(f"prefect server exited {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"prefect server not healthy after 90 s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.25)
        yield LocalPrefectServer(api_url=api_url, home=home, log_path=log_path)
    finally:
        if proc.poll() is None:
            # The server runs uvicorn plus service subprocesses in its own session: stop them all.
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
