"""Lines of code and cyclomatic complexity per implementation and role, counted by radon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from radon.complexity import cc_visit
from radon.raw import analyze
from radon.visitors import Class, Function

from reports.facts.roles import ROLES, excluded, role_of
from taskbench import registry


def package_dir(impl: str) -> Path:
    """The folder of an implementation's package."""
    return Path(registry.package_file(registry.get(impl).package, "")).resolve()


def python_files(root: Path) -> list[Path]:
    """Every Python file of a package, in a stable order."""
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _functions(blocks: list[Function | Class]) -> list[Function]:
    # radon lists methods on their own and again inside their class; closures only inside
    # the function that holds them. Count every function, method and closure once.
    found: list[Function] = []
    pending = [b for b in blocks if not isinstance(b, Class)]
    while pending:
        function = pending.pop(0)
        found.append(function)
        pending.extend(function.closures)
    return found


def file_metrics(path: Path) -> dict[str, Any]:
    """radon's raw counts and the cyclomatic complexity of one file's functions."""
    source = path.read_text(encoding="utf-8")
    raw = analyze(source)
    functions = _functions(cc_visit(source))
    return {
        "loc": raw.loc,
        "sloc": raw.sloc,
        "lloc": raw.lloc,
        "comments": raw.comments + raw.multi,
        "functions": len(functions),
        "complexity": sum(f.complexity for f in functions),
        "max_complexity": max((f.complexity for f in functions), default=0),
        "most_complex": max(functions, key=lambda f: f.complexity).fullname if functions else None,
    }


COUNTS = ("loc", "sloc", "lloc", "comments", "functions", "complexity", "files")


def _zero() -> dict[str, Any]:
    return dict.fromkeys((*COUNTS, "max_complexity"), 0)


def _add(total: dict[str, Any], metrics: dict[str, Any], files: int = 1) -> None:
    for key in COUNTS[:-1]:
        total[key] += metrics[key]
    total["files"] += files
    total["max_complexity"] = max(total["max_complexity"], metrics["max_complexity"])


def implementation_metrics(impl: str, root: Path | None = None) -> dict[str, Any]:
    """Every file of an implementation with its role, and the totals per role."""
    root = root or package_dir(impl)
    files = []
    by_role = {role: _zero() for role in ROLES}
    unassigned = []
    for path in python_files(root):
        relative = path.relative_to(root).as_posix()
        if excluded(relative):
            continue
        role = role_of(impl, relative)
        metrics = file_metrics(path)
        files.append({"path": f"{root.name}/{relative}", "role": role, **metrics})
        if role is None:
            unassigned.append(relative)
        else:
            _add(by_role[role], metrics)
    hand_written = _zero()
    for role, totals in by_role.items():
        if role != "migrations":
            _add(hand_written, totals, files=totals["files"])
    return {
        "package": root.name,
        "files": files,
        "roles": by_role,
        "total": hand_written,
        "unassigned": unassigned,
    }


def gather(impls: list[str]) -> dict[str, Any]:
    """Code metrics of every implementation, with the tool that counted them."""
    from importlib.metadata import version

    return {
        "tool": f"radon {version('radon')}",
        "implementations": {impl: implementation_metrics(impl) for impl in impls},
    }
