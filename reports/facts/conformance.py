"""What each implementation added to meet the contract: reports/conformance.yaml, checked
against the code it points at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

LIST = Path(__file__).resolve().parent.parent / "conformance.yaml"


def load(path: Path = LIST) -> dict[str, Any]:
    """The curated list as written."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def check(entry: dict[str, Any], root: Path) -> list[str]:
    """Every reference of an entry that no longer holds: a missing file or string."""
    problems = []
    for ref in entry["where"]:
        path = root / ref["file"]
        if not path.is_file():
            problems.append(f"{ref['file']} does not exist")
        elif ref["find"] not in path.read_text(encoding="utf-8"):
            problems.append(f"{ref['file']} no longer contains {ref['find']!r}")
    return problems


def line_of(root: Path, ref: dict[str, str]) -> int | None:
    """The line a reference's string starts on, for links into the code."""
    path = root / ref["file"]
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    index = text.find(ref["find"])
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def gather(root: Path, impls: list[str], path: Path = LIST) -> dict[str, Any]:
    """The list with each entry's references located and checked."""
    listed = load(path)
    found: dict[str, Any] = {"rules": listed["rules"], "implementations": {}}
    for impl in impls:
        entries = []
        for entry in listed["implementations"].get(impl, []):
            where = [{**ref, "line": line_of(root, ref)} for ref in entry["where"]]
            entries.append({**entry, "where": where, "problems": check(entry, root)})
        found["implementations"][impl] = entries
    return found
