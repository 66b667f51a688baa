"""`taskbench report`: gather facts beside a results.json, then render the report from both.

Only the standard library is imported here, so `taskbench --help` works without the report extra.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from taskbench.commands import Command
from taskbench.links import LATEST, point_latest

if TYPE_CHECKING:
    from reports.results import Run

RESULTS_ROOT = Path("results")
REPORTS_ROOT = Path("reports")
CONTRACT_XML = Path("var/contract.xml")
FUZZ_SUMMARY = Path("var/fuzz/latest/summary.json")


class ReportError(RuntimeError):
    """A report that cannot be made, with a message fit for a terminal."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `taskbench report`."""
    parser.add_argument(
        "results", nargs="?", type=Path,
        help="a benchmark's results.json (default: results/latest/results.json, the newest)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=REPORTS_ROOT, help="reports folder")
    parser.add_argument("--name", help="report folder name (default: the results folder's)")
    parser.add_argument(
        "--contract-xml", type=Path, default=CONTRACT_XML,
        help="JUnit XML of the contract suite (default: var/contract.xml)",
    )  # fmt: skip
    parser.add_argument(
        "--fuzz-summary", type=Path, default=FUZZ_SUMMARY,
        help="summary.json of `taskbench fuzz` (default: var/fuzz/latest/summary.json)",
    )  # fmt: skip
    parser.add_argument(
        "--render-only", action="store_true",
        help="render from the facts.json already beside results.json; gather nothing",
    )  # fmt: skip
    parser.add_argument(
        "--no-dependencies", action="store_true", help="skip measuring installed dependencies"
    )
    parser.add_argument("--no-docs", action="store_true", help="skip starting servers for /docs")
    parser.add_argument(
        "--no-latest", action="store_true", help="leave the `latest` link where it points"
    )
    parser.add_argument(
        "--check", action="store_true",
        help="after writing the report, exit 1 if a contract test failed, schemathesis found "
        "something, or the run failed",
    )  # fmt: skip


def newest_results(root: Path = RESULTS_ROOT) -> Path:
    """The results.json of the newest run: `taskbench bench` points results/latest at it."""
    found = root / LATEST / "results.json"
    if not found.is_file():
        raise ReportError(f"no {found}: run `taskbench bench` first")
    return found.resolve()  # the run's own folder, which names the report


def run(args: argparse.Namespace) -> int:
    """Gather (unless --render-only) and render; print where the report is."""
    try:
        return _run(args)
    except ReportError as exc:
        print(f"taskbench: error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from reports import gather, render, results

    results_path = args.results or newest_results()
    if not results_path.is_file():
        raise ReportError(f"{results_path} does not exist")
    facts_path = results_path.parent / render.FACTS
    if args.render_only:
        if not facts_path.is_file():
            raise ReportError(f"{facts_path} does not exist: run without --render-only")
    else:
        impls = results.load(results_path).impls
        options = gather.Options(
            root=Path.cwd(),
            contract_xml=args.contract_xml,
            fuzz_summary=args.fuzz_summary,
            dependencies=not args.no_dependencies,
            docs=not args.no_docs,
        )
        print(f"taskbench: gathering facts for {', '.join(impls)}", file=sys.stderr)
        gather.write(gather.gather(impls, options), facts_path)
    name = args.name or results_path.parent.name
    written = render.report_dir(results_path, facts_path, args.out / name)
    if not args.no_latest:
        point_latest(args.out, name)
    for kind in ("html", "md"):
        print(written[kind])
    problems = check(results.load(results_path), facts_path) if args.check else []
    for problem in problems:
        print(f"taskbench: {problem}", file=sys.stderr)
    return 1 if problems else 0


def check(run: Run, facts_path: Path) -> list[str]:
    """Why a run cannot be trusted: failed contract tests, fuzz findings, an incomplete run."""
    from reports import reliability
    from reports.facts import model

    problems = []
    if run.status != "complete":
        problems.append(f"the benchmark run ended {run.status}")
    facts = model.load(facts_path)
    for impl in run.impls:
        totals = (
            facts.contract.totals(impl) if isinstance(facts.contract, model.ContractFacts) else None
        )
        if totals and totals.failed:
            problems.append(f"{impl}: {totals.failed} contract tests failed")
    return problems + reliability.fuzz_problems(facts, run.impls)


COMMAND = Command(
    "report", "gather facts and render the comparison report", "report", add_arguments, run
)
