"""What the container image does, done without Docker (no daemon runs on these machines): build the
project's wheel, install it with the ``postgres`` extra into a fresh virtual environment, and start the
scheduler and sender roles from it against PostgreSQL with metrics on, outside the source tree, until
both answer /healthz (the image's HEALTHCHECK) and /readyz with 200."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from tests.auxil.postgres import throwaway_database
from tests.auxil.understanding import TEST_CACHE_DIR

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def run(*args: str | Path, cwd: Path) -> None:
    done = subprocess.run([str(arg) for arg in args], cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the built wheel and its ``postgres`` extra installed."""
    where = tmp_path_factory.mktemp("image")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", where / "wheels", ROOT, cwd=where)
    (wheel,) = (where / "wheels").glob("safetybot-*.whl")
    run(sys.executable, "-m", "venv", where / "venv", cwd=where)
    run(where / "venv" / "bin" / "pip", "install", "--quiet", f"{wheel}[postgres]", cwd=where)
    return where


async def _until_ready(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 240) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
        while asyncio.get_running_loop().time() < deadline:
            assert process.poll() is None, f"the role exited: {log.read_text()[-3000:]}"
            try:
                async with http.get("/healthz") as health, http.get("/readyz") as ready:
                    if health.status == 200 and ready.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise AssertionError(f"/readyz never answered 200 on port {port}: {log.read_text()[-3000:]}")


def test_the_dockerfile_installs_the_wheel_with_postgres_and_checks_healthz() -> None:
    recipe = DOCKERFILE.read_text()
    assert 'pip wheel --wheel-dir /wheels ".[postgres]"' in recipe
    assert 'pip install --no-index --find-links=/wheels "safetybot[postgres]"' in recipe
    assert "USER 10001:10001" in recipe and "HEALTHCHECK" in recipe and "/healthz" in recipe
    assert 'CMD ["safetybot", "run"]' in recipe


async def test_the_installed_wheel_runs_the_scheduler_and_sender_against_postgresql(
    installed: Path, unused_tcp_port_factory: Callable[[], int]
) -> None:
    async for url in throwaway_database():
        processes: list[tuple[subprocess.Popen[bytes], Path]] = []
        ports: list[int] = []
        try:
            for role in ("scheduler", "sender"):
                port = unused_tcp_port_factory()
                log = installed / f"{role}.log"
                env = {
                    "PATH": os.environ.get("PATH", ""),
                    "HOME": str(installed),
                    "DATABASE_URL": url,
                    "SAFETYBOT_ROLE": role,
                    "SAFETYBOT_METRICS_PORT": str(port),
                    "SAFETYBOT_DATA_DIR": str(installed / "data"),
                    "SAFETYBOT_CONTENT_DIR": str(ROOT / "content"),
                    "SAFETYBOT_CACHE_DIR": str(TEST_CACHE_DIR),
                    "SAFETYBOT_PAYLOAD_SECRET": "a-test-secret-of-enough-length",
                    "LOG_FORMAT": "json",
                }
                command = [str(installed / "venv" / "bin" / "safetybot"), "run", "--role", role]
                with log.open("wb") as out:
                    process = subprocess.Popen(command, cwd=installed, env=env, stdout=out, stderr=out)
                processes.append((process, log))
                ports.append(port)
            for port, (process, log) in zip(ports, processes, strict=True):
                await _until_ready(port, process, log)
            for _, log in processes:
                lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
                assert lines, "LOG_FORMAT=json writes JSON lines"
        finally:
            for process, _ in processes:
                process.terminate()
            for process, _ in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
