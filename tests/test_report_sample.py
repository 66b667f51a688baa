"""The committed sample report is exactly what the code renders from its own inputs today."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reports import render

SAMPLE = Path(__file__).resolve().parent.parent / "reports" / "sample"


def test_committed_sample_matches_what_the_code_renders_today(tmp_path: Path) -> None:
    if not (SAMPLE / render.RESULTS).is_file():
        pytest.skip("reports/sample/ has not been produced yet (reports/README.md says how)")
    for name in (render.RESULTS, render.FACTS):
        shutil.copyfile(SAMPLE / name, tmp_path / name)

    written = render.report_dir(tmp_path / render.RESULTS, tmp_path / render.FACTS, tmp_path)

    for kind in ("md", "html"):
        assert written[kind].read_text(encoding="utf-8") == (SAMPLE / f"report.{kind}").read_text(
            encoding="utf-8"
        ), f"re-render reports/sample: report.{kind} is stale"
    charts = sorted(p.name for p in written["charts"].iterdir())
    assert charts == sorted(p.name for p in (SAMPLE / "charts").iterdir())
    for name in charts:
        assert (written["charts"] / name).read_bytes() == (SAMPLE / "charts" / name).read_bytes()
