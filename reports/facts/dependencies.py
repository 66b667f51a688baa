"""Packages and installed size each implementation pulls in, measured in a clean venv per extra.

Each extra's requirements (pyproject.toml) are installed with constraints.txt into a new venv,
then every distribution but the venv's own pip is counted and its files' sizes summed (bytecode
compiled at install included). It takes about a minute, so the answer is cached under var/ by
a hash of everything that decides it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from taskbench import databases

OWN_TOOLS = {"pip", "setuptools", "wheel"}
MEASURE = """
import json, importlib.metadata as md
found = []
for dist in md.distributions():
    name = dist.metadata["Name"]
    if name.lower() in OWN:
        continue
    size = 0
    for file in dist.files or []:
        path = file.locate()
        if path.is_file():
            size += path.stat().st_size
    found.append({"name": name, "version": dist.version, "bytes": size})
print(json.dumps(sorted(found, key=lambda d: d["name"].lower())))
"""


def extra_requirements(pyproject: Path, extra: str) -> list[str]:
    """The requirements an extra of the project lists."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return list(project["optional-dependencies"][extra])


def cache_key(root: Path, requirements: list[str]) -> str:
    """A hash of the constraints, an extra's requirements and the Python that installs them."""
    digest = hashlib.sha256()
    digest.update((root / "constraints.txt").read_bytes())
    digest.update(json.dumps(requirements).encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def measure_extra(root: Path, requirements: list[str], python: str = sys.executable) -> dict:
    """Install requirements into a new venv and count what is there."""
    with tempfile.TemporaryDirectory(prefix="taskbench-deps-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip"]
        installed = subprocess.run(
            [*pip, "install", "--quiet", "--disable-pip-version-check", "--no-input",
             "-c", str(root / "constraints.txt"), *requirements],
            capture_output=True, text=True,
        )  # fmt: skip
        if installed.returncode != 0:
            tail = (installed.stderr or installed.stdout).strip().splitlines()[-3:]
            return {"missing": "pip install failed: " + " / ".join(tail)}
        counted = subprocess.run(
            [str(venv / "bin" / "python"), "-c", f"OWN = {sorted(OWN_TOOLS)!r}\n{MEASURE}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    packages = json.loads(counted.stdout)
    return {
        "requirements": requirements,
        "packages": packages,
        "count": len(packages),
        "bytes": sum(p["bytes"] for p in packages),
    }


def measured_extra(root: Path, extra: str, use_cache: bool = True) -> dict[str, Any]:
    """One extra's packages and size, from the cache under var/ when nothing changed."""
    requirements = extra_requirements(root / "pyproject.toml", extra)
    cache = databases.VAR_DIR / "report-cache" / f"{extra}-{cache_key(root, requirements)}.json"
    if use_cache and cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    found = {"extra": extra, **measure_extra(root, requirements)}
    if "missing" not in found:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(found, indent=1), encoding="utf-8")
    return found


def gather(root: Path, extras: dict[str, str], use_cache: bool = True) -> dict[str, Any]:
    """Measure each implementation's extra (impl -> extra name)."""
    return {
        "method": "a new venv per extra: pip install -c constraints.txt <the extra's requirements>",
        "python": sys.version.split()[0],
        "implementations": {
            impl: measured_extra(root, extra, use_cache) for impl, extra in extras.items()
        },
    }
