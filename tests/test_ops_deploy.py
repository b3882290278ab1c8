"""Dockerfile, docker-compose.yml and .env.example agree with the settings the code reads.

There is no Docker engine in CI: these files are correct by construction, and this module checks
what would otherwise only fail at `docker compose up` (a misspelt variable is silently ignored).
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.health import HealthServer, HealthStatus
from bot.metrics import Metrics
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[1]
VARIABLE = re.compile(r"\bHERALD_[A-Z0-9_]+\b")
KNOWN = {f"HERALD_{name.upper()}" for name in Settings.model_fields}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    pairs = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, rest = line.strip().partition(" ")
            pairs.append((instruction.upper(), rest.strip()))
    return pairs


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


@pytest.mark.parametrize("name", ["Dockerfile", "docker-compose.yml", ".env.example"])
def test_every_herald_variable_named_is_a_real_setting(name: str) -> None:
    named = set(VARIABLE.findall((REPO / name).read_text(encoding="utf-8")))
    assert named, f"{name} names no HERALD_* variable"
    assert named <= KNOWN, f"{name} sets variables Herald never reads: {sorted(named - KNOWN)}"


def test_env_example_lists_every_setting() -> None:
    listed = set(re.findall(r"^# (HERALD_[A-Z0-9_]+)=", (REPO / ".env.example").read_text(encoding="utf-8"), re.M))
    assert listed == KNOWN


def test_compose_points_herald_at_the_db_service_with_its_credentials(compose: dict) -> None:
    herald, db = compose["services"]["herald"], compose["services"]["db"]
    url = make_url(_environment(herald)["HERALD_DATABASE_URL"])
    db_env = _environment(db)
    assert url.get_backend_name() == "postgresql"
    assert url.host == "db"
    assert (url.port or 5432) == 5432
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"]
    assert url.database == db_env["POSTGRES_DB"]
    assert db["image"].startswith("postgres:16")


def test_compose_waits_for_a_healthy_database(compose: dict) -> None:
    herald, db = compose["services"]["herald"], compose["services"]["db"]
    assert herald["depends_on"]["db"]["condition"] == "service_healthy"
    test = db["healthcheck"]["test"]
    command = test[1] if isinstance(test, list) else test
    env = _environment(db)
    assert shlex.split(command) == ["pg_isready", "-U", env["POSTGRES_USER"], "-d", env["POSTGRES_DB"]]


def test_compose_keeps_database_data_in_a_named_volume(compose: dict) -> None:
    volumes = compose["services"]["db"]["volumes"]
    named = [v.split(":")[0] for v in volumes if v.split(":")[1] == "/var/lib/postgresql/data"]
    assert named and named[0] in (compose.get("volumes") or {})


def test_compose_mounts_the_posts_read_only_where_herald_looks(compose: dict) -> None:
    herald = compose["services"]["herald"]
    content_dir = _environment(herald)["HERALD_CONTENT_DIR"]
    mounts = [v.split(":") for v in herald["volumes"]]
    assert ["./content", content_dir, "ro"] in mounts
    assert herald["restart"] == "unless-stopped"
    assert herald["build"] == "."
    # Secrets come from .env, which is optional so a first `docker compose up` works without it.
    assert herald["env_file"] == [{"path": ".env", "required": False}]


def test_compose_keeps_stdin_open_for_the_console_platform(compose: dict) -> None:
    """No token means the console platform, which exits at end of input: stdin must stay open
    (or the service would restart in a loop), and the file says how to reach it."""
    assert compose["services"]["herald"]["stdin_open"] is True
    assert "docker compose attach herald" in (REPO / "docker-compose.yml").read_text(encoding="utf-8")


def test_compose_publishes_the_port_the_server_listens_on(
    compose: dict, dockerfile: list[tuple[str, str]]
) -> None:
    herald = compose["services"]["herald"]
    port = _environment(herald)["HERALD_HTTP_PORT"]
    assert any(str(mapping).rsplit(":", 1)[-1] == port for mapping in herald["ports"])
    assert ("EXPOSE", port) in dockerfile


def test_dockerfile_runs_herald_as_a_non_root_user(dockerfile: list[tuple[str, str]]) -> None:
    instructions = dict(dockerfile)
    assert dockerfile[0][0] == "FROM" and dockerfile[0][1].startswith("python:3.12-slim")
    users = [args for instr, args in dockerfile if instr == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert instructions["ENTRYPOINT"] == '["herald"]'
    assert instructions["CMD"] == '["run"]'


def test_dockerfile_healthcheck_probes_healthz_with_python(dockerfile: list[tuple[str, str]]) -> None:
    probe = dict(dockerfile)["HEALTHCHECK"]
    assert "python" in probe and "curl" not in probe
    assert "http://127.0.0.1:${HERALD_HTTP_PORT:-8080}/healthz" in probe


def test_dockerfile_installs_runtime_dependencies_only(dockerfile: list[tuple[str, str]]) -> None:
    runs = " ".join(args for instr, args in dockerfile if instr == "RUN")
    assert re.search(r"pip install \.(\s|$)", runs)
    assert "[test]" not in runs and "pytest" not in runs and "-e " not in runs


def test_the_build_context_leaves_out_secrets_and_local_state(dockerfile: list[tuple[str, str]]) -> None:
    ignored = set((REPO / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", ".git", ".venv", "data"} <= ignored
    copied = " ".join(args for instr, args in dockerfile if instr == "COPY")
    for needed in ("pyproject.toml", "README.md", "bot", "adapters", "content"):
        assert needed in copied and needed not in ignored



async def test_the_healthcheck_command_follows_healthz(dockerfile: list[tuple[str, str]]) -> None:
    """Run the HEALTHCHECK's shell command against a real health server, healthy then not."""
    command = dict(dockerfile)["HEALTHCHECK"].split(" CMD ", 1)[1]
    healthy = [True]

    async def check() -> HealthStatus:
        return HealthStatus(ok=healthy[0], reason="" if healthy[0] else "database: gone")

    server = HealthServer(0, host="127.0.0.1", check=check, metrics=Metrics())
    await server.start()
    try:
        assert await _exit_status(command, server.bound_port) == 0
        healthy[0] = False
        assert await _exit_status(command, server.bound_port) != 0
    finally:
        await server.stop()
    # HERALD_HTTP_PORT=0 switches the server off: nothing to probe, still healthy.
    assert await _exit_status(command, 0) == 0


async def _exit_status(command: str, port: int) -> int:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env = {**os.environ, "HERALD_HTTP_PORT": str(port), "PATH": path}
    process = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    return await process.wait()
