"""What each implementation added to meet the contract: reports/conformance.yaml, checked
against the code it points at, each reference with a few lines of that code.

The excerpts travel in facts.json, so a report shows the code as it was when its facts were
gathered, and report.html needs no link into a checkout to show it. When the repository has a
remote, its web address is kept too, for links to the commit.

`python -m reports.facts.conformance FACTS_JSON` adds the excerpts to a facts.json gathered
before they were kept, read with `git show` from the commit that facts.json was gathered from
(or --commit), and changes nothing else in it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from taskbench.provenance import git_state

LIST = Path(__file__).resolve().parent.parent / "conformance.yaml"
BEFORE = 2  # lines shown above the line a reference points at
AFTER = 5  # lines shown below the last line its string spans
SCP_LIKE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")  # git@host:owner/repo.git


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


def _read(root: Path, file: str) -> str | None:
    path = root / file
    return path.read_text(encoding="utf-8") if path.is_file() else None


def line_in(text: str, find: str) -> int | None:
    """The line a string starts on in a text, or None when it is not there."""
    index = text.find(find)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def line_of(root: Path, ref: dict[str, str]) -> int | None:
    """The line a reference's string starts on, for links into the code."""
    text = _read(root, ref["file"])
    return line_in(text, ref["find"]) if text is not None else None


def excerpt(text: str, find: str) -> dict[str, Any] | None:
    """The lines around where a string starts: BEFORE above it, AFTER below its last line.

    Blank lines at either end are left out.
    """
    line = line_in(text, find)
    if line is None:
        return None
    lines = text.splitlines()
    first = max(1, line - BEFORE)
    shown = lines[first - 1 : min(len(lines), line + find.count("\n") + AFTER)]
    while shown and not shown[0].strip() and first < line:
        shown.pop(0)
        first += 1
    while shown and not shown[-1].strip():
        shown.pop()
    return {"first_line": first, "lines": shown}


def web_address(remote: str | None) -> str | None:
    """A remote's web address (`https://host/owner/repo`), credentials dropped; None if local."""
    if not remote:
        return None
    remote = remote.strip().removesuffix("/").removesuffix(".git")
    if "://" in remote:
        scheme, rest = remote.split("://", 1)
        if scheme not in ("https", "http", "ssh", "git"):
            return None  # file:// and the like have no web page
        host, _, path = rest.partition("/")
        host = host.rsplit("@", 1)[-1].split(":", 1)[0]  # no user, token or port
    elif match := SCP_LIKE.match(remote):
        host, path = match.group(1), match.group(2)
    else:
        return None  # a path on this machine
    return f"https://{host}/{path.lstrip('/')}" if host and path else None


def repository(root: Path) -> str | None:
    """The web address of the repository's `origin` remote, if it has one."""
    try:
        done = subprocess.run(
            ["git", "remote", "get-url", "origin"],
            cwd=root, capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return web_address(done.stdout)


def _located(root: Path, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries with each reference located, checked and quoted."""
    found = []
    for entry in entries:
        where = []
        for ref in entry["where"]:
            text = _read(root, ref["file"])
            where.append({
                **ref,
                "line": line_in(text, ref["find"]) if text is not None else None,
                "excerpt": excerpt(text, ref["find"]) if text is not None else None,
            })  # fmt: skip
        found.append({**entry, "where": where, "problems": check(entry, root)})
    return found


def gather(root: Path, impls: list[str], path: Path = LIST) -> dict[str, Any]:
    """The list with each entry's references located, checked and quoted; with it, what each
    implementation set for its database and the round trips its operations are documented
    to make."""
    listed = load(path)
    found: dict[str, Any] = {
        "rules": listed["rules"],
        "implementations": {
            impl: _located(root, listed["implementations"].get(impl, [])) for impl in impls
        },
        "repository": repository(root),
        "excerpts_from": git_state(),
    }
    database = listed.get("database")
    if database:
        found["database"] = {
            "rules": database["rules"],
            "implementations": {
                impl: _located(root, database["implementations"].get(impl, [])) for impl in impls
            },
            "round_trips": {
                impl: database.get("round_trips", {})[impl]
                for impl in impls
                if impl in database.get("round_trips", {})
            },
        }
    return found


def add_excerpts(section: dict[str, Any], read: Callable[[str], str | None]) -> list[str]:
    """Quote every reference of a gathered conformance section from `read(file)`, in place.

    A reference's line must be where its string starts in what `read` gives: anything else
    would quote other code than the facts point at. Returns what did not hold.
    """
    problems = []
    for entries in section["implementations"].values():
        for entry in entries:
            for ref in entry["where"]:
                text = read(ref["file"])
                found = line_in(text, ref["find"]) if text is not None else None
                if found is None or found != ref.get("line"):
                    where = f"line {found}" if found else "nowhere"
                    problems.append(
                        f"{ref['file']}: {ref['find']!r} is at {where}, not {ref.get('line')}"
                    )
                    continue
                ref["excerpt"] = excerpt(text, ref["find"])  # type: ignore[arg-type]
    return problems


def git_reader(commit: str, cwd: Path) -> Callable[[str], str | None]:
    """Read a file as it was at a commit, with `git show`."""

    def read(file: str) -> str | None:
        done = subprocess.run(
            ["git", "show", f"{commit}:{file}"], cwd=cwd, capture_output=True, timeout=30
        )
        return done.stdout.decode("utf-8") if done.returncode == 0 else None

    return read


def full_commit(commit: str, cwd: Path) -> str | None:
    """The full hash of a commit, or None when git does not know it."""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}"],
        cwd=cwd, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    return done.stdout.strip() if done.returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    """Add excerpts to an older facts.json from the commit it was gathered from."""
    parser = argparse.ArgumentParser(
        prog="python -m reports.facts.conformance",
        description="Quote the code of every conformance reference of a facts.json gathered "
        "before excerpts were kept, as it was at the commit the facts were gathered from.",
    )
    parser.add_argument("facts", type=Path, help="the facts.json to add excerpts to")
    parser.add_argument("--commit", help="read the code at this commit (default: the facts')")
    args = parser.parse_args(argv)
    facts = json.loads(args.facts.read_text(encoding="utf-8"))
    section = facts.get("conformance")
    git = facts.get("git") or {}
    commit = args.commit or git.get("commit")
    if not isinstance(section, dict) or "implementations" not in section:
        parser.error(f"{args.facts} has no gathered conformance section")
    if not commit:
        parser.error(f"{args.facts} names no commit: give --commit")
    if not args.commit and git.get("dirty") is not False:
        parser.error(f"{args.facts} was gathered from a tree with changes: give --commit")
    commit = full_commit(commit, Path.cwd())
    if commit is None:
        parser.error(f"git knows no commit {args.commit or git.get('commit')} here")
    problems = add_excerpts(section, git_reader(commit, Path.cwd()))
    for problem in problems:
        print(f"conformance: {problem}", file=sys.stderr)
    if problems:
        return 1
    section["excerpts_from"] = {"commit": commit, "dirty": False}
    args.facts.write_text(json.dumps(facts, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
