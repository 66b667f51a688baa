"""`taskbench report`: where it writes, the `latest` link, and its exit status."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from taskbench.links import point_latest
from tests.helpers import REPORT_FIXTURES


def taskbench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m taskbench` in a folder and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "taskbench", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def a_results_folder(root: Path, name: str = "20261122-030000") -> Path:
    """results/<name>/ holding the fixture's results.json and facts.json."""
    folder = root / "results" / name
    folder.mkdir(parents=True)
    for file in ("results.json", "facts.json"):
        shutil.copyfile(REPORT_FIXTURES / file, folder / file)
    return folder


def test_report_renders_the_newest_results_and_points_latest_at_it(tmp_path: Path) -> None:
    a_results_folder(tmp_path, "20261122-030000")
    a_results_folder(tmp_path, "20261122-020000")
    point_latest(tmp_path / "results", "20261122-030000")  # as `taskbench bench` leaves it

    done = taskbench("report", "--render-only", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    report = tmp_path / "reports" / "20261122-030000"
    assert done.stdout.split() == [str(Path("reports/20261122-030000/report.html")),
                                   str(Path("reports/20261122-030000/report.md"))]  # fmt: skip
    assert (report / "results.json").read_bytes() == (REPORT_FIXTURES / "results.json").read_bytes()
    assert (report / "facts.json").is_file()
    assert (report / "charts").is_dir()
    assert (tmp_path / "reports" / "latest").resolve() == report.resolve()


def test_check_fails_after_writing_when_contract_tests_failed(tmp_path: Path) -> None:
    folder = a_results_folder(tmp_path)

    done = taskbench(
        "report", str(folder / "results.json"), "--render-only", "--check", "--no-latest",
        cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 1
    assert "taskbench: the benchmark run ended failed" in done.stderr
    assert "taskbench: flask: 2 contract tests failed" in done.stderr
    assert (
        "taskbench: flask: 3 schemathesis findings (2 server errors) against its own "
        "/openapi.json\n" in done.stderr
    )
    assert (tmp_path / "reports" / folder.name / "report.html").is_file()
    assert not (tmp_path / "reports" / "latest").exists()


def test_report_without_any_results_is_a_one_line_error(tmp_path: Path) -> None:
    done = taskbench("report", cwd=tmp_path)

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"taskbench: error: no {Path('results/latest/results.json')}: run `taskbench bench` first"
    ]


def test_render_only_needs_facts_beside_the_results(tmp_path: Path) -> None:
    folder = a_results_folder(tmp_path)
    (folder / "facts.json").unlink()

    done = taskbench("report", str(folder / "results.json"), "--render-only", cwd=tmp_path)

    assert done.returncode == 2
    assert "facts.json does not exist: run without --render-only" in done.stderr


def test_gathering_reads_the_fuzz_summary_it_is_given(tmp_path: Path) -> None:
    folder = a_results_folder(tmp_path)
    (folder / "facts.json").unlink()

    done = taskbench(
        "report", str(folder / "results.json"), "--no-docs", "--no-dependencies", "--no-latest",
        "--contract-xml", str(REPORT_FIXTURES / "contract.xml"),
        "--fuzz-summary", str(REPORT_FIXTURES / "fuzz-summary.json"),
        cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))
    assert facts["fuzz"]["seed"] == 20261122
    assert facts["fuzz"]["implementations"]["flask"]["passes"]["own"]["server_errors"] == 2
    assert facts["contract"]["modules"]["flask"]["test_faults"]["failed"] == 1
    markdown = (tmp_path / "reports" / folder.name / "report.md").read_text(encoding="utf-8")
    assert "**FAILED: 9,876 test cases, 3 findings, 2 server errors**" in markdown


def test_without_a_fuzz_summary_the_facts_say_how_to_make_one(tmp_path: Path) -> None:
    folder = a_results_folder(tmp_path)

    done = taskbench(
        "report", str(folder / "results.json"), "--no-docs", "--no-dependencies", "--no-latest",
        cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))
    assert facts["fuzz"] == {
        "missing": f"no fuzz summary at {Path('var/fuzz/latest/summary.json')}: "
        "run `taskbench fuzz` first"
    }
