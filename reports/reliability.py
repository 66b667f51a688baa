"""The reliability table: a row per check, each from a named source, a cell per implementation.

CHECKS is the one place that says which contract test modules, which schemathesis pass or
which benchmark figure stands behind each row. A cell counts over both databases; a check the
facts lack is "not measured", with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports import fmt
from reports.facts.model import Facts, FuzzFacts, FuzzPass, Git, Missing, total
from reports.results import Run

CONTRACT = "contract"
FUZZ = "fuzz"
AUDIT = "audit"
FAILED_REQUESTS = "failed requests"
SLOW_CLIENTS = "slow clients"
DOCUMENTS = {"own": "its own /openapi.json", "contract": "contract_tests/openapi.yaml"}
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Check:
    """One row: what is checked, and where its figures come from."""

    title: str
    kind: str
    modules: tuple[str, ...] = ()
    spec: str = ""

    @property
    def source(self) -> str:
        """Where the row's figures come from, as the table names it."""
        if self.kind == CONTRACT:
            return ", ".join(f"contract_tests/{m}.py" for m in self.modules)
        if self.kind == FUZZ:
            return "summary.json of taskbench fuzz"
        if self.kind == AUDIT:
            return "results.json, the audit after each write load point"
        if self.kind == SLOW_CLIENTS:
            return "results.json, benchmarks/slowclients.py on the default variant"
        return "results.json, every measured window"


CHECKS = (
    Check(
        "Hostile input (nesting, repeated parameters, lying lengths, oversized lines and headers)",
        CONTRACT, ("test_hostile_input",),
    ),
    Check(
        "Slow clients (trickled requests served, half-sent ones never acknowledged)",
        CONTRACT, ("test_slow_clients",),
    ),
    Check("Others served while slow clients hold connections half-sent", SLOW_CLIENTS),
    Check("Security headers (nosniff, no version banner)", CONTRACT, ("test_headers",)),
    Check("Debug modes off in every served configuration", CONTRACT, ("test_served_config",)),
    Check("SIGTERM and killed workers under load", CONTRACT, ("test_faults",)),
    Check(
        "Database unreachable or stopped under load (503, then recovery without a restart)",
        CONTRACT, ("test_database_down", "test_database_stopped"),
    ),
    Check(
        "Concurrent writers (create, update, delete), rows audited",
        CONTRACT, ("test_concurrency",),
    ),
    Check("Schemathesis against its own /openapi.json", FUZZ, spec="own"),
    Check("Schemathesis against contract_tests/openapi.yaml", FUZZ, spec="contract"),
    Check(
        "Write load points audited (acknowledged creates readable, no row lost or invented)",
        AUDIT,
    ),
    Check("Failed requests in measured benchmark windows", FAILED_REQUESTS),
)  # fmt: skip


def contract_modules() -> list[str]:
    """Every contract test module a row of the table reads."""
    return [m for check in CHECKS for m in check.modules]


@dataclass(frozen=True)
class Cell:
    """One implementation's figure for a check; ok is None when it was not measured."""

    text: str
    ok: bool | None
    reason: str | None = None


@dataclass(frozen=True)
class Row:
    """A check and its cells, in the run's order of implementations."""

    check: Check
    cells: tuple[Cell, ...]

    @property
    def missing(self) -> str | None:
        """The reason, when no implementation was measured and all for the same reason."""
        reasons = {c.reason for c in self.cells}
        return reasons.pop() if len(reasons) == 1 else None


def missing(reason: str) -> Cell:
    """A check the facts lack, and why."""
    return Cell(f"{fmt.NOT_MEASURED}: {reason}", None, reason)


def count_cell(passed: int, total: int) -> Cell:
    """`14 of 14 passed`, or `2 of 14 FAILED`."""
    if passed < total:
        return Cell(f"{total - passed:,} of {total:,} FAILED", False)
    return Cell(f"{passed:,} of {total:,} passed", True)


def contract_cell(facts: Facts, impl: str, modules: tuple[str, ...]) -> Cell:
    """Passed of run tests in some contract modules, over every database and variant."""
    found = facts.contract
    if isinstance(found, Missing):
        return missing(found.reason)
    if found.modules is None:
        return missing("these facts predate per-module contract counts")
    per_module = found.modules.get(impl, {})
    counts = [per_module[m] for m in modules if m in per_module]
    if not counts:
        return missing(f"no {' or '.join(modules)} results in {found.source}")
    summed = total(counts)
    if not summed.ran:
        reasons = sorted({r for r in summed.skip_reasons if r})
        return missing(
            f"all {summed.skipped} skipped" + (f" ({'; '.join(reasons)})" if reasons else "")
        )
    cell = count_cell(summed.passed, summed.ran)
    return Cell(cell.text + (f", {summed.skipped} skipped" if summed.skipped else ""), cell.ok)


def plural(count: int, noun: str) -> str:
    """`1 finding`, `0 findings`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def fuzz_cell(facts: Facts, impl: str, spec: str) -> Cell:
    """Test cases, findings and server errors of one schemathesis pass."""
    if isinstance(facts.fuzz, Missing):
        return missing(facts.fuzz.reason)
    found = facts.fuzz.of(impl, spec)
    if found is None:
        return missing("not fuzzed in this run")
    cases = found.generated
    findings, server_errors = found.findings_total, found.server_errors
    parts = [
        f"{cases:,} test cases" if cases is not None else "test cases not counted",
        plural(findings, "finding"),
        plural(server_errors, "server error")
        if server_errors is not None
        else "server errors not counted",
    ]
    if found.errors:
        parts.append(plural(found.errors, "error"))
    ok = found.passed and not findings and not server_errors
    if not ok and not findings and not found.errors:
        parts.append(f"exit code {found.exit_code}")
    text = ", ".join(parts)
    return Cell(text if ok else f"FAILED: {text}", ok)


def audit_cell(run: Run, impl: str) -> Cell:
    """Write load points whose audit found every acknowledged write and nothing else."""
    audits = [
        p.audit_passed
        for s in run.servers
        if s.impl == impl
        for p in s.points
        if p.audit_passed is not None
    ]
    if not audits:
        return missing("no write load point was audited")
    return count_cell(sum(audits), len(audits))


def failed_requests_cell(run: Run, impl: str) -> Cell:
    """Failed requests of every measured window of every variant."""
    points = [p for s in run.servers if s.impl == impl and s.measured for p in s.points]
    if not points:
        return missing("no window was measured")
    requests, failures = sum(p.requests for p in points), sum(p.failures for p in points)
    if failures:
        return Cell(f"{failures:,} of {requests:,} requests FAILED", False)
    return Cell(f"0 of {requests:,} requests failed", True)


def slow_clients_cell(run: Run, impl: str) -> Cell:
    """How /health fared while the probe's slow clients held connections, default variant."""
    server = run.server(impl)
    found = server.slow_clients if server else None
    if not found:
        return missing("no slow-client probe in this run")
    held = f"{found['holders']} held for {found['hold_seconds']:g} s"
    latency = found["latency_ms"]
    if not found["answered_while_held"]:
        waited = fmt.number((latency["max"] or 0) / 1000, "s")
        return Cell(f"stalled: no probe answered while {held} (the first waited {waited})", False)
    text = (
        f"{found['answered_while_held']:,} probes answered while {held}; "
        f"p50 {fmt.number(latency['p50'], 'ms')}, max {fmt.number(latency['max'], 'ms')}"
    )
    if found["failed"]:
        return Cell(f"{text}; {found['failed']:,} FAILED", False)
    return Cell(text, True)


def cell(check: Check, run: Run, facts: Facts, impl: str) -> Cell:
    """The cell of one check for one implementation."""
    if check.kind == CONTRACT:
        return contract_cell(facts, impl, check.modules)
    if check.kind == FUZZ:
        return fuzz_cell(facts, impl, check.spec)
    if check.kind == AUDIT:
        return audit_cell(run, impl)
    if check.kind == SLOW_CLIENTS:
        return slow_clients_cell(run, impl)
    return failed_requests_cell(run, impl)


def table(run: Run, facts: Facts) -> list[Row]:
    """Every check, in order, with a cell per implementation of the run."""
    return [Row(c, tuple(cell(c, run, facts, impl) for impl in run.impls)) for c in CHECKS]


def fuzz_source(facts: Facts) -> str | None:
    """Where the schemathesis figures came from, and whether it is the facts' own commit."""
    found = facts.fuzz
    if not isinstance(found, FuzzFacts):
        return None
    limits = (
        f"at most {found.max_examples:,} examples per operation and {found.max_time:,} s per pass"
        if found.max_examples is not None and found.max_time is not None
        else "budget not recorded"
    )
    version = found.schemathesis_version or "(version unknown)"
    database = found.database
    where = f"seed {found.seed}, {DATABASES.get(database or '', database or '?')}, {limits}"
    started = f", started {found.started_at}" if found.started_at else ""
    return (
        f"Schemathesis {version} figures from taskbench fuzz run {found.run} "
        f"({where}{started}), {_commit_note(found.git, facts.git)}."
    )


def _commit_note(fuzzed: Git, gathered: Git) -> str:
    commit = fuzzed.commit
    if not commit:
        return "commit not recorded"
    dirty = " with uncommitted changes" if fuzzed.dirty else ""
    if commit == gathered.commit:
        return f"at commit {commit[:12]}{dirty}, the commit these facts were gathered from"
    other = (gathered.commit or "unknown")[:12]
    return f"at commit {commit[:12]}{dirty}, NOT the one these facts were gathered from ({other})"


@dataclass(frozen=True)
class Findings:
    """What one schemathesis pass found: a line per kind of finding."""

    impl: str
    document: str
    listed: tuple[str, ...]


def _pass(facts: Facts, impl: str, spec: str) -> FuzzPass | None:
    return facts.fuzz.of(impl, spec) if isinstance(facts.fuzz, FuzzFacts) else None


def fuzz_findings(run: Run, facts: Facts) -> list[Findings]:
    """Each pass that found something, in the table's order."""
    passes = []
    for impl in run.impls:
        for spec, document in DOCUMENTS.items():
            found = _pass(facts, impl, spec)
            if not found or not found.findings:
                continue
            listed = tuple(
                f"{f.code or '?'} {f.title}: {f.count}"
                + (f" ({', '.join(f.operations)})" if f.operations else "")
                for f in found.findings
            )
            passes.append(Findings(impl, document, listed))
    return passes


def fuzz_problems(facts: Facts, impls: list[str]) -> list[str]:
    """One line per schemathesis pass that found something or did not finish cleanly."""
    problems = []
    for impl in impls:
        for spec, document in DOCUMENTS.items():
            found = _pass(facts, impl, spec)
            if found is None:
                continue
            if found.findings_total:
                servers = found.server_errors
                extra = f" ({plural(servers, 'server error')})" if servers else ""
                problems.append(
                    f"{impl}: {plural(found.findings_total, 'schemathesis finding')}{extra} "
                    f"against {document}"
                )
            elif not found.passed:
                problems.append(
                    f"{impl}: schemathesis against {document} failed (exit code {found.exit_code})"
                )
    return problems
