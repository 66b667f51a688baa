"""Subcommands that the packages above taskbench add to it, found through entry points.

A package announces a subcommand with an entry point in the `taskbench.commands` group whose
object is a `Command`. The module that defines it imports only the standard library and
taskbench, so `taskbench --help` works whatever is installed. A command runs only when every
package of its extra is installed; otherwise it answers one line naming the extra to install.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from packaging.requirements import Requirement

GROUP = "taskbench.commands"
DISTRIBUTION = "taskbench"


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, help, the extra it needs, its options and what it runs."""

    name: str
    help: str
    extra: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class MissingExtraError(RuntimeError):
    """A command whose extra is not installed, with a message fit for a terminal."""


def discover() -> list[Command]:
    """Every command announced in the entry point group, by name."""
    found = [entry.load() for entry in metadata.entry_points(group=GROUP)]
    return sorted(found, key=lambda command: command.name)


def missing_packages(extra: str, distribution: str = DISTRIBUTION) -> list[str]:
    """The packages an extra of the distribution requires that are not installed."""
    missing: list[str] = []
    for text in metadata.requires(distribution) or []:
        requirement = Requirement(text)
        if requirement.marker is None or not requirement.marker.evaluate({"extra": extra}):
            continue
        if requirement.name == distribution:  # an extra made of other extras
            for inner in sorted(requirement.extras):
                missing += missing_packages(inner, distribution)
            continue
        try:
            metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            missing.append(requirement.name)
    return list(dict.fromkeys(missing))


def require_extra(command: Command) -> None:
    """Raise MissingExtraError when a package of the command's extra is not installed."""
    missing = missing_packages(command.extra)
    if missing:
        raise MissingExtraError(
            f"`taskbench {command.name}` needs the {command.extra} extra "
            f"({', '.join(missing)} not installed): pip install -e '.[{command.extra}]'"
        )
