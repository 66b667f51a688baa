"""The `latest` link of a folder of runs (var/fuzz/latest, reports/latest)."""

from __future__ import annotations

import os
from pathlib import Path

LATEST = "latest"


def point_latest(root: Path, name: str) -> Path:
    """Make root/latest point at root/name (a relative symlink)."""
    link = root / LATEST
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(name, link, target_is_directory=True)
    return link
