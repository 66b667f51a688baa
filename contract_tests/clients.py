"""Python clients generated from OpenAPI documents, cached, and driven through their typed models.

Two generators, as a team's frontend or partner would use them:

- openapi-python-client (attrs models over httpx), run with --fail-on-warning;
- openapi-generator's `python` client (pydantic models over urllib3), run on Java from the
  jar the PyPI package `openapi-generator-cli` ships. Its warnings about the document fail the
  generation; its notices about itself (OpenAPI 3.1 support in beta, a schema name it fails to
  find even in a minimal valid document) do not.

Generated code goes to var/generated-clients/, one folder per generator, version and document
hash, so a rerun with the same document and generator generates nothing.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.resources
import inspect
import json
import re
import shutil
import subprocess
import sys
import tempfile
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbench import databases

CACHE = databases.VAR_DIR / "generated-clients"
PYTHON_CLIENT = "openapi-python-client"
OPENAPI_GENERATOR = "openapi-generator"
GENERATORS = (PYTHON_CLIENT, OPENAPI_GENERATOR)
DISTRIBUTIONS = {PYTHON_CLIENT: "openapi-python-client", OPENAPI_GENERATOR: "openapi-generator-cli"}
# openapi-generator's notices about itself, not about the document it reads.
GENERATOR_NOTICES = [
    re.compile(r"OpenAPI 3\.1 support is still in beta"),
    # Logged for a minimal, valid 3.0 or 3.1 document too, a varying number of times per run.
    re.compile(r"Failed to get the schema name: null$"),
]
LOG_LEVEL = re.compile(r"\]\s+(WARN|ERROR)\s")
# The task operations, by their operation ids (the same in all four documents).
OPERATIONS = (
    "create_task",
    "read_task",
    "read_tasks",
    "replace_task",
    "update_task",
    "delete_task",
)
TIMEOUT = 300
# A run of a few seconds: the C1 compiler alone and the serial collector halve its CPU time.
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


class GenerationError(Exception):
    """A generator failed, or warned about the document."""


@dataclass(frozen=True)
class GeneratedClient:
    """An importable package generated from one document by one generator."""

    generator: str
    document: str
    package: str
    root: Path

    def module(self, name: str = "") -> Any:
        """Import the package, or one of its modules, from its cached folder."""
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))
        return importlib.import_module(f"{self.package}.{name}" if name else self.package)


def java() -> str | None:
    """The Java runtime openapi-generator needs, if there is one."""
    return shutil.which("java")


def version(generator: str) -> str:
    """The installed version of a generator."""
    return importlib.metadata.version(DISTRIBUTIONS[generator])


def digest(document: dict, generator: str) -> str:
    """What a generated client depends on: the document and the generator's version."""
    text = json.dumps(document, sort_keys=True) + generator + version(generator)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def command(generator: str, spec: Path, output: Path, package: str) -> list[str]:
    """The command line that generates one client."""
    if generator == PYTHON_CLIENT:
        config = output.parent / f"{package}.config.json"
        # No post hooks: formatting the generated code is not what is tested.
        options = {"package_name_override": package, "post_hooks": []}
        config.write_text(json.dumps(options), encoding="utf-8")
        return [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate", "--path", str(spec), "--meta", "none", "--config", str(config),
            "--output-path", str(output / package), "--fail-on-warning",
        ]  # fmt: skip
    jar = importlib.resources.files("openapi_generator_cli") / "openapi-generator.jar"
    return [
        java() or "java", *JVM_OPTIONS, "-jar", str(jar), "generate", "--generator-name", "python",
        "--input-spec", str(spec), "--output", str(output), "--package-name", package,
        "--global-property", "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false",
    ]  # fmt: skip


def warnings_about_the_document(generator: str, output: str) -> list[str]:
    """The warnings and errors a generator logged, less its notices about itself."""
    if generator == PYTHON_CLIENT:
        return []  # --fail-on-warning turns its warnings into a failed run
    return [
        line
        for line in output.splitlines()
        if LOG_LEVEL.search(line) and not any(p.search(line) for p in GENERATOR_NOTICES)
    ]


def package_init(client: GeneratedClient) -> Path:
    """Where a whole cached client has its package's __init__.py, relative to its root."""
    return Path(client.package) / "__init__.py"


def generate(generator: str, documents: dict[str, dict]) -> dict[str, GeneratedClient | str]:
    """A client from each document, from the cache or generated now, all at once.

    Each value is the client, or why it could not be generated.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    found: dict[str, GeneratedClient | str] = {}
    running = {}
    for name, document in documents.items():
        key = digest(document, generator)
        package = f"{generator.split('-')[-1]}_{key}"  # client_..., generator_...
        root = CACHE / f"{generator}-{version(generator)}" / key
        client = GeneratedClient(generator, name, package, root)
        if (root / package_init(client)).is_file():
            found[name] = client
            continue
        scratch = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=CACHE))
        spec = scratch / "openapi.json"
        spec.write_text(json.dumps(document), encoding="utf-8")
        process = subprocess.Popen(
            command(generator, spec, scratch, package),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        running[name] = (client, scratch, process)
    for name, (client, scratch, process) in running.items():
        try:
            output, _ = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        warned = warnings_about_the_document(generator, output)
        if process.returncode != 0 or warned:
            tail = "\n".join(warned or output.strip().splitlines()[-20:])
            found[name] = f"{generator} on the {name} document (exit {process.returncode}):\n{tail}"
            shutil.rmtree(scratch, ignore_errors=True)
            continue
        client.root.parent.mkdir(parents=True, exist_ok=True)
        try:
            scratch.rename(client.root)  # whole, or not at all
        except OSError:
            if (client.root / package_init(client)).is_file():
                # Another test process (pytest-xdist) cached the same client first: use that.
                shutil.rmtree(scratch, ignore_errors=True)
            else:  # what was there is not a whole client
                shutil.rmtree(client.root, ignore_errors=True)
                scratch.rename(client.root)
        found[name] = client
    return found


# Drivers: the same round trip through either generator's typed API


def body_parameter(function: Any) -> tuple[str, type]:
    """The name and model class of an operation's request body, from its signature."""
    hints = typing.get_type_hints(function)
    for name in inspect.signature(function).parameters:
        hint = hints.get(name)
        if name != "self" and inspect.isclass(hint) and hasattr(hint, "to_dict"):
            return name, hint
    raise AssertionError(f"{function.__qualname__} takes no request body model")


class PythonClientDriver:
    """Calls through an openapi-python-client package: `api.tasks.<operation>.sync_detailed`."""

    def __init__(self, client: GeneratedClient, base_url: str) -> None:
        self.client = client.module().Client(
            base_url=base_url, raise_on_unexpected_status=True, timeout=15.0
        )
        self.modules = {op: client.module(f"api.tasks.{op}") for op in OPERATIONS}

    def body(self, operation: str, **fields: Any) -> Any:
        """The operation's request body model, with these fields."""
        return body_parameter(self.modules[operation].sync_detailed)[1](**fields)

    def call(self, operation: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        """The status and the typed model of an answer."""
        response = self.modules[operation].sync_detailed(*args, client=self.client, **kwargs)
        return int(response.status_code), response.parsed


class GeneratorDriver:
    """Calls through an openapi-generator package: `TasksApi.<operation>_with_http_info`."""

    def __init__(self, client: GeneratedClient, base_url: str) -> None:
        package = client.module()
        self.exception = package.ApiException
        self.api = package.TasksApi(package.ApiClient(package.Configuration(host=base_url)))

    def body(self, operation: str, **fields: Any) -> Any:
        """The operation's request body model; built without the model's own checks.

        The generated models check what the document says before sending, so an invalid body
        is built with pydantic's model_construct: the server's 422 is what is tested.
        """
        return body_parameter(getattr(type(self.api), operation))[1].model_construct(**fields)

    def call(self, operation: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        """The status and the typed model of an answer (of the error, for a 4xx)."""
        method = getattr(self.api, f"{operation}_with_http_info")
        if "body" in kwargs:  # the body parameter is named after its model (task_create...)
            kwargs[body_parameter(getattr(type(self.api), operation))[0]] = kwargs.pop("body")
        try:
            answer = method(*args, **kwargs)
        except self.exception as error:
            return int(error.status), error.data
        return int(answer.status_code), answer.data


OPERATIONS = (
    "create_task",
    "read_task",
    "read_tasks",
    "replace_task",
    "update_task",
    "delete_task",
)
DRIVERS = {PYTHON_CLIENT: PythonClientDriver, OPENAPI_GENERATOR: GeneratorDriver}
