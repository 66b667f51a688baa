"""The container files agree with the launcher registry, with each other and with .env.example.

No Docker engine runs where these tests run, so the files are parsed and checked instead:
each Dockerfile with Docker's own parser, docker-compose.yml with a Compose implementation.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import dockerfile
import pytest
import yaml

from taskbench import cli, registry

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
IMPLS = list(registry.IMPLEMENTATIONS)
VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def env_example() -> dict[str, str]:
    """The variables .env.example documents, with their values."""
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def instructions(path: Path) -> list[dockerfile.Command]:
    """A Dockerfile's instructions, as Docker's own parser reads them."""
    return list(dockerfile.parse_file(str(path)))


def final_stage(commands: list[dockerfile.Command]) -> list[dockerfile.Command]:
    """The instructions of the last build stage: what the image is."""
    starts = [i for i, c in enumerate(commands) if c.cmd == "FROM"]
    return commands[starts[-1] :]


def one(commands: list[dockerfile.Command], name: str) -> dockerfile.Command:
    """The single instruction of a kind in a stage."""
    found = [c for c in commands if c.cmd == name]
    assert len(found) == 1, f"expected one {name}, found {len(found)}"
    return found[0]


def served_port(impl: str) -> int:
    """The port the image's `taskbench serve` command listens on."""
    argv = one(instructions(ROOT / "docker" / f"{impl}.Dockerfile"), "CMD").value
    return int(argv[argv.index("--port") + 1])


@pytest.mark.parametrize("impl", IMPLS)
def test_dockerfile_is_multi_stage_slim_and_non_root(impl: str) -> None:
    commands = instructions(ROOT / "docker" / f"{impl}.Dockerfile")
    bases = [c.value[0] for c in commands if c.cmd == "FROM"]
    assert len(bases) >= 2
    assert all(re.fullmatch(r"python:3\.\d+-slim", base) for base in bases)
    user = one(final_stage(commands), "USER").value[0]
    assert user not in ("root", "0")


@pytest.mark.parametrize("impl", IMPLS)
def test_dockerfile_installs_only_its_own_extra_and_package(impl: str) -> None:
    commands = instructions(ROOT / "docker" / f"{impl}.Dockerfile")
    installs = [c.value[0] for c in commands if c.cmd == "RUN" and "pip install" in c.value[0]]
    assert len(installs) == 1
    extras = re.findall(r"\.\[([\w,]+)\]", installs[0])
    assert extras == [registry.get(impl).extra]
    copied = {c.value[0] for c in commands if c.cmd == "COPY" and not c.flags}
    packages = {registry.get(name).package for name in IMPLS}
    assert copied & packages == {registry.get(impl).package}


@pytest.mark.parametrize("impl", IMPLS)
def test_dockerfile_command_is_taskbench_serve_of_a_registered_variant(impl: str) -> None:
    commands = final_stage(instructions(ROOT / "docker" / f"{impl}.Dockerfile"))
    cmd = one(commands, "CMD")
    assert cmd.json, "CMD must be in exec form so the server gets signals directly"
    argv = list(cmd.value)
    assert argv[:3] == ["taskbench", "serve", impl]
    args = cli.build_parser().parse_args(argv[1:])
    assert registry.get(impl).variant(args.variant).name == args.variant
    assert args.host == "0.0.0.0"  # noqa: S104 - reachable from outside the container
    assert [int(p) for p in one(commands, "EXPOSE").value] == [args.port]


@pytest.mark.parametrize("impl", IMPLS)
def test_dockerfile_health_check_asks_health_on_the_served_port(impl: str) -> None:
    commands = final_stage(instructions(ROOT / "docker" / f"{impl}.Dockerfile"))
    check = one(commands, "HEALTHCHECK")
    assert check.value[0] == "CMD"
    program = check.value[-1]
    ast.parse(program)  # the python -c program is valid Python
    assert f"http://127.0.0.1:{served_port(impl)}/health" in program


@pytest.mark.parametrize("impl", IMPLS)
def test_compose_service_builds_its_dockerfile_and_publishes_its_port(impl: str) -> None:
    service = SERVICES[impl]
    assert service["build"] == {"context": ".", "dockerfile": f"docker/{impl}.Dockerfile"}
    [mapping] = service["ports"]
    assert int(mapping.rsplit(":", 1)[1]) == served_port(impl)
    assert "command" not in service, "the command comes from the Dockerfile, i.e. the registry"


def test_compose_services_publish_distinct_host_ports() -> None:
    defaults = {env_example()[VARIABLE.search(SERVICES[i]["ports"][0])[1]] for i in IMPLS}
    assert len(defaults) == len(IMPLS)


@pytest.mark.parametrize("impl", IMPLS)
def test_compose_service_waits_for_a_healthy_postgres(impl: str) -> None:
    assert SERVICES[impl]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    postgres = SERVICES["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"], "PostgreSQL keeps its data in a named volume"


def test_compose_gives_each_implementation_its_own_database() -> None:
    init = (ROOT / "docker" / "postgres-init.sql").read_text()
    created = set(re.findall(r"CREATE DATABASE (\w+);", init))
    names = []
    for impl in IMPLS:
        url = urlsplit(VARIABLE.sub(r"\2", SERVICES[impl]["environment"]["DATABASE_URL"]))
        assert (url.scheme, url.hostname, url.port) == ("postgresql", "postgres", 5432)
        names.append(url.path.lstrip("/"))
    assert len(set(names)) == len(IMPLS)
    assert set(names) <= created


def test_every_compose_variable_is_documented_in_env_example_with_the_same_default() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    documented = env_example()
    used = {}
    for name, default in VARIABLE.findall(text):
        used.setdefault(name, default)
    assert set(used) == set(documented)
    for name, default in used.items():
        assert default == documented[name], f"{name}: compose {default!r}, .env.example"


def test_django_accepts_the_host_names_it_is_called_by_in_the_network() -> None:
    hosts = env_example()["ALLOWED_HOSTS"].split(",")
    assert "django" in hosts
    assert "localhost" in hosts


def test_locust_workers_scale_and_run_a_scenario_of_the_locustfile() -> None:
    locustfile = (ROOT / "benchmarks" / "locustfile.py").read_text()
    scenario = env_example()["LOCUST_SCENARIO"]
    assert re.search(rf"^class {scenario}\(", locustfile, re.MULTILINE)
    master, worker = SERVICES["locust-master"], SERVICES["locust-worker"]
    assert "--master" in master["command"]
    assert master["ports"][0].endswith(":8089")
    assert "--worker" in worker["command"]
    assert worker["command"][worker["command"].index("--master-host") + 1] == "locust-master"
    assert "ports" not in worker, "workers must scale"
    assert "container_name" not in worker, "workers must scale"
    target = urlsplit(env_example()["LOCUST_TARGET"])
    assert target.hostname in IMPLS
    assert target.port == served_port(target.hostname)


def test_locust_master_starts_after_the_target_is_seeded() -> None:
    seed, master = SERVICES["seed"], SERVICES["locust-master"]
    assert master["depends_on"]["seed"]["condition"] == "service_completed_successfully"
    assert seed["command"][:2] == ["taskbench", "seed"]
    assert seed["command"][2] == master["command"][master["command"].index("--host") + 1]


@pytest.mark.parametrize("impl", IMPLS)
def test_compose_runs_the_contract_suite_against_each_container(impl: str) -> None:
    service = SERVICES[f"contract-{impl}"]
    assert service["profiles"] == ["contract"]
    command = service["command"]
    assert command[:4] == ["python", "-m", "pytest", "contract_tests"]
    assert command[command.index("--base-url") + 1] == f"http://{impl}:{served_port(impl)}"


def _compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_compose_file_is_valid_for_compose_itself() -> None:
    command = _compose_command()
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("CI must check docker-compose.yml with Compose: install docker-compose")
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    done = subprocess.run(
        [*command, "--profile", "load", "--profile", "contract", "config", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
