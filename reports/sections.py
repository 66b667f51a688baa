"""The report's sections as rows of formatted text, shared by the HTML and Markdown templates.

Everything shown is taken from the run (results.json) or the facts (facts.json); formatting
happens here so that both templates show exactly the same figures.
"""

from __future__ import annotations

import json
from typing import Any

from benchmarks.crosscheck import AGREE_PERCENT as WRK_AGREE_PERCENT
from reports import claims, fmt, measures, reliability, variants, verdict
from reports.choose import Choice
from reports.claims import Verdict
from reports.facts.model import (
    Code,
    CodeRef,
    ConformanceFacts,
    ContractFacts,
    DependencyFacts,
    DocsFacts,
    Facts,
    Git,
    Missing,
    Page,
    Tally,
)
from reports.facts.roles import ROLES
from reports.results import LATENCIES, Point, Run, Server, Spread
from reports.verdict import Dimension

CLIENT_BOUND = "client-bound"
DRIFTED = verdict.DRIFTED
LATENCY_NAMES = {"p50": "p50", "p90": "p90", "p99": "p99", "p99_9": "p99.9", "max": "max"}
Row = dict[str, Any]


def titles(run: Run) -> list[dict[str, str]]:
    """The implementations as columns: name and title."""
    found = []
    for impl in run.impls:
        server = run.server(impl)
        found.append({"impl": impl, "title": server.title if server else impl})
    return found


def choice_rows(choices: list[Choice]) -> list[Row]:
    """The situations of "What to choose": each with its choice (None: none), sentence and rule."""
    keys = ("situation", "choice", "sentence", "text", "rule")
    return [{key: getattr(c, key) for key in keys} for c in choices]


def verdict_rows(dimensions: list[Dimension]) -> list[Row]:
    """The verdict table: per dimension, each implementation's rank and figure."""
    rows = []
    for dim in dimensions:
        cells = []
        for entry in dim.entries:
            if entry.measure is None:
                cells.append({"text": fmt.NOT_MEASURED, "rank": None, "flags": [], "workers": None})
                continue
            figure = fmt.number(entry.measure.value, dim.unit)
            flags = ["tie"] if entry.tied else []
            if entry.measure.client_bound:
                flags.append(CLIENT_BOUND)
            flags += entry.flags
            cells.append(
                {"text": figure, "rank": entry.rank, "flags": flags, "workers": entry.workers}
            )
        better = "higher is better" if dim.better == "higher" else "lower is better"
        rows.append({
            "title": dim.title, "better": better, "source": dim.source, "cells": cells,
            "caveat": dim.caveat,
        })  # fmt: skip
    return rows


FLAG_TEXT = {
    "below_offered": "below the offered load",
    "audit_failed": "data audit FAILED",
    "shared_cores": "server and Locust shared cores",
    "unsampled": "no CPU samples",
    "error": "a window failed",
    "drift": DRIFTED,
}


def point_flags(point: Any) -> list[str]:
    """What a reader must know about a figure: client-bound, and the benchmark's other flags."""
    flags = [CLIENT_BOUND] if point.client_bound else []
    flags += [FLAG_TEXT[f] for f in point.flags if f in FLAG_TEXT]
    if point.wrk_disagrees and point.crosscheck.get("wrk_to_locust"):
        flags.append(f"wrk {(point.crosscheck['wrk_to_locust'] - 1) * 100:+.0f}%")
    return flags


def wrk_cell(point: Point) -> dict[str, Any]:
    """wrk's figure at a point (its median and range across rounds when it ran in several), and
    why it differs from Locust's by more than the agreement bound, when it does."""
    check = point.crosscheck
    if check and check.get("wrk"):
        wrk = check["wrk"]
        spread = Spread(wrk["median"], wrk["min"], wrk["max"], wrk["rounds"])
        text = fmt.spread(spread, "req/s")
    else:
        text = fmt.number(point.crosscheck_rps, "req/s") if point.crosscheck_rps else ""
    why = ""
    if point.wrk_disagrees:
        ratio = check["wrk_to_locust"]  # type: ignore[index]
        differs = f"wrk {(ratio - 1) * 100:+.0f}% from Locust" if ratio else "wrk differs"
        reasons = "; ".join(check.get("explanation") or [])  # type: ignore[union-attr]
        why = f"{differs}, beyond the {WRK_AGREE_PERCENT:g}% bound" + (
            f": {reasons}." if reasons else "."
        )
    return {"text": text, "why": why}


def drift_note(run: Run) -> str | None:
    """Which rounds drifted, by how much, and what their flag means; None when none did."""
    drifted = [r for r in run.rounds if r.get("drift")]
    if not drifted:
        return None
    moves = []
    for found in drifted:
        deviation = found.get("deviation_percent")
        if isinstance(deviation, dict):
            text = ", ".join(
                f"{k.replace('_', ' ')} {v:+.1f}%"
                for k, v in sorted(deviation.items())
                if v is not None
            )
        elif deviation is not None:
            text = f"{deviation:+.1f}%"
        else:
            text = "moved"
        moves.append(f"round {found['round']} ({text})")
    bound = run.settings.get("drift_percent") or run.conditions.get("drift_percent")
    limit = f" more than {bound:g}%" if bound else ""
    return (
        f"Machine drift: the reference measurement that opens each round (a fixed CPU workload "
        f"and a fixed query loop, the same whatever the framework) moved{limit} from the run's "
        f"median in {', '.join(moves)}. The machine was faster or slower then, so a figure "
        f"with a value from such a round is flagged '{DRIFTED}': compare it with care."
    )


def _point_row(server: Server, scenario: str, point: Any) -> Row:
    flags = point_flags(point)
    return {
        "server": f"{server.title} ({server.variant})",
        "scenario": scenario,
        "load": point.label,
        "throughput": fmt.spread(point.throughput, "req/s"),
        "p50": fmt.spread(point.latency.get("p50"), "ms"),
        "p99": fmt.spread(point.latency.get("p99"), "ms"),
        "errors": f"{point.failures:,} ({fmt.percent(point.error_rate)})",
        "client_cpu": fmt.number(point.client_cpu_max, "%"),
        "crosscheck": wrk_cell(point),
        "flags": flags,
    }


def throughput_rows(run: Run) -> list[Row]:
    """Every closed-loop point of every measured server."""
    return [
        _point_row(server, scenario, point)
        for server in run.servers
        if server.measured
        for scenario in run.scenarios
        for point in server.closed(scenario)
    ]


def _variant_flags(cell: variants.Cell) -> list[str]:
    return (["tie"] if cell.tied else []) + (point_flags(cell.point) if cell.point else [])


def variant_view(run: Run) -> dict[str, Any]:
    """Variants compared within each framework: the columns, and a row per variant with its
    cells (rank, figure, tie) or why it was not measured, then which variant leads."""
    cols, frameworks = variants.compare(run)
    rows = []
    for framework in frameworks:
        for row in framework.rows:
            rows.append({
                "framework": framework.title, "variant": row.variant, "workers": row.workers,
                "reason": row.reason, "leads": False,
                "cells": [
                    {"text": c.text, "rank": c.rank, "flags": _variant_flags(c)}
                    for c in row.cells
                ],
            })  # fmt: skip
        rows.append({
            "framework": framework.title, "variant": "which leads", "workers": "",
            "reason": None, "leads": True,
            "cells": [{"text": o, "rank": None, "flags": []} for o in framework.outcomes],
        })  # fmt: skip
    return {"columns": [c.title for c in cols], "rows": rows}


def latency_rows(run: Run) -> list[Row]:
    """Latency percentiles at the fixed offered load."""
    rows = []
    for scenario in measures.fixed_scenarios(run):
        for server in run.servers:
            point = server.fixed(scenario) if server.measured else None
            if point is None:
                continue
            rows.append({
                "server": f"{server.title} ({server.variant})",
                "scenario": scenario,
                "achieved": fmt.spread(point.throughput, "req/s"),
                **{LATENCY_NAMES[n]: fmt.spread(point.latency.get(n), "ms") for n in LATENCIES},
                "errors": f"{point.failures:,} ({fmt.percent(point.error_rate)})",
                "flags": point_flags(point),
            })  # fmt: skip
    return rows


def floor_rows(run: Run) -> list[Row]:
    """Each database scenario's throughput as a share of the framework's own floor."""
    users = run.settings.get("peak_users", 0)
    rows = []
    for server in run.defaults():
        if not server.measured:
            continue
        for scenario in measures.database_scenarios(run):
            share = measures.floor_fraction(server, scenario, users)
            if share is None:
                continue
            rows.append({
                "server": server.title,
                "scenario": scenario,
                "share": fmt.percent(share.value),
                "range": fmt.RANGE.join(map(fmt.percent, (share.spread.low, share.spread.high))),
                "cost": fmt.percent(1 - share.value),
                "flags": [CLIENT_BOUND] if share.client_bound else [],
            })  # fmt: skip
    return rows


def resource_rows(run: Run) -> list[Row]:
    """Workers, CPU per 1,000 requests, memory and startup per server."""
    main = measures.main_scenario(run) or ""
    rows = []
    for server in run.servers:
        if not server.measured:
            continue
        cpu = measures.cpu_per_1000(server, main)
        rows.append({
            "server": f"{server.title} ({server.variant})",
            "workers": fmt.workers(server.workers, server.worker_model, server.threads),
            "cpu": fmt.spread(cpu.spread, "CPU-s") if cpu else fmt.NOT_MEASURED,
            "idle": _measure(measures.idle_memory_per_worker(server), "MiB"),
            "peak_worker": _measure(measures.memory_per_worker(server, main), "MiB"),
            "peak_total": _measure(measures.memory_total(server, main), "MiB"),
            "startup": _measure(measures.startup(server), "s"),
        })  # fmt: skip
    return rows


def _measure(measure: measures.Measure | None, unit: str) -> str:
    return fmt.spread(measure.spread, unit) if measure else fmt.NOT_MEASURED


def failure_rows(run: Run) -> list[Row]:
    """Failed requests by kind, for every point that had any."""
    return [
        {
            "server": f"{server.title} ({server.variant})",
            "scenario": point.scenario,
            "load": point.label,
            "failures": f"{point.failures:,} of {point.requests:,}",
            "kinds": ", ".join(f"{k} {n:,}" for k, n in sorted(point.failure_kinds.items())),
        }
        for server in run.servers
        for point in server.points
        if point.failures
    ]


def audit_summary(run: Run) -> dict[str, int]:
    """How many write windows were audited, and how many lost or invented data."""
    audited = [p for s in run.servers for p in s.points if p.audit_passed is not None]
    return {"points": len(audited), "failed": sum(not p.audit_passed for p in audited)}


def unmeasured_servers(run: Run) -> list[Row]:
    """Servers that failed their smoke check or were skipped, and why."""
    rows = [
        {"server": f"{s.title} ({s.variant})", "reason": s.reason or s.status}
        for s in run.servers
        if not s.measured
    ]
    rows += [{"server": name, "reason": why} for name, why in run.skipped.items()]
    return rows


def contract_rows(run: Run, facts: Facts) -> dict[str, Any] | None:
    """The pass matrix: one row per implementation, a cell per database column."""
    found = facts.contract
    if not isinstance(found, ContractFacts):
        return None
    rows = []
    for impl in run.impls:
        cells = found.matrix.get(impl)
        if cells is None:
            continue
        rows.append({
            "impl": run.title(impl),
            "cells": [_contract_cell(cells[col]) for col in found.columns],
            "failures": [f for col in found.columns for f in cells[col].failures],
            "skip_reasons": sorted({r for c in found.columns for r in cells[c].skip_reasons}),
        })  # fmt: skip
    return {
        "columns": list(found.columns),
        "rows": rows,
        "suite": _contract_cell(found.suite),
        "suite_failures": list(found.suite.failures),
        "seconds": found.seconds,
    }


def _contract_cell(cell: Tally) -> dict[str, Any]:
    if not cell.ran and not cell.skipped:
        return {"text": "no tests", "ok": None}
    text = f"{cell.passed}/{cell.ran} passed" if cell.ran else "not run"
    if cell.skipped:
        text += f", {cell.skipped} skipped"
    return {"text": text, "ok": cell.failed == 0 if cell.ran else None}


def reliability_view(run: Run, facts: Facts) -> dict[str, Any]:
    """The reliability table, where the schemathesis figures came from, and what it found."""
    rows = [
        {
            "title": row.check.title,
            "source": row.check.source,
            "missing": row.missing,
            "cells": [{"text": c.text, "ok": c.ok} for c in row.cells],
        }
        for row in reliability.table(run, facts)
    ]
    findings = [
        {"impl": run.title(f.impl), "document": f.document, "listed": list(f.listed)}
        for f in reliability.fuzz_findings(run, facts)
    ]
    return {"rows": rows, "fuzz_source": reliability.fuzz_source(facts), "findings": findings}


def code_rows(run: Run, facts: Facts) -> list[Row]:
    """Per implementation: source lines per role, files, functions and complexity."""
    rows = []
    for impl in run.impls:
        found = facts.code_of(impl)
        if not found:
            continue
        total = found.total
        rows.append({
            "impl": run.title(impl),
            "roles": [found.sloc(role) for role in ROLES],
            "total": total.sloc,
            "files": total.files,
            "functions": total.functions,
            "complexity": total.complexity,
            "average": fmt.number(total.complexity / total.functions, "")
            if total.functions else "-",
            "max": f"{total.max_complexity}",
            "most_complex": _most_complex(found),
        })  # fmt: skip
    return rows


def _most_complex(found: Code) -> str:
    files = [f for f in found.files if f.role != "migrations" and f.most_complex]
    if not files:
        return "-"
    top = max(files, key=lambda f: (f.max_complexity, f.path))
    return f"{top.most_complex} ({top.path}, {top.max_complexity})"


def conformance_view(run: Run, facts: Facts, link_prefix: str) -> dict[str, Any] | None:
    """The rules x implementations matrix, and each implementation's list with its code.

    Every reference carries the excerpt quoted when the facts were gathered (the HTML shows it
    folded, so the page needs no checkout beside it), a link to the commit when the repository
    had a remote, and for the Markdown, which lives in the repository, a link into the checkout
    (`link_prefix` leads from the report's folder to the repository's root).
    """
    found = facts.conformance
    if not isinstance(found, ConformanceFacts):
        return None
    per_impl = {impl: found.implementations.get(impl, ()) for impl in run.impls}
    matrix = []
    for rule, text in found.rules.items():
        cells = []
        for entries in per_impl.values():
            mine = [e for e in entries if e.rule == rule]
            files = sorted({ref.file.split("/", 1)[-1] for e in mine for ref in e.where})
            cells.append(", ".join(files) if files else "—")
        matrix.append({"rule": text, "cells": cells})
    source = found.excerpts_from
    commit = source.commit if source else None
    web = f"{found.repository}/blob/{commit}/" if found.repository and commit else None
    if source and source.dirty is not False:
        web = None  # the code quoted may differ from the commit's
    details = [
        {
            "impl": run.title(impl),
            "count": len(entries),
            "files": len({ref.file for e in entries for ref in e.where}),
            "entries": [
                {
                    "rule": found.rules.get(e.rule, e.rule),
                    "added": e.added,
                    "where": [code_ref(ref, link_prefix, web) for ref in e.where],
                    "problems": list(e.problems),
                }
                for e in entries
            ],
        }
        for impl, entries in per_impl.items()
    ]
    return {
        "matrix": matrix,
        "details": details,
        "rules": len(matrix),
        "excerpts": _excerpts_source(source, facts.git.commit),
    }


def _excerpts_source(source: Git | None, facts_commit: str | None) -> str:
    if source is None or not source.commit:
        return "These facts predate excerpts: each reference names its file and line only."
    text = f"Code quoted from commit {source.commit[:12]}"
    if source.dirty:
        text += " with uncommitted changes"
    if source.commit == facts_commit:
        return text + ", the commit these facts were gathered from."
    return text + "."


def code_ref(ref: CodeRef, prefix: str, web: str | None) -> dict[str, Any]:
    anchor = f"#L{ref.line}" if ref.line else ""
    commit_link = f"{web}{ref.file}{anchor}" if web else None
    return {
        "label": f"{ref.file}:{ref.line}" if ref.line else ref.file,
        "href": commit_link or f"{prefix}{ref.file}{anchor}",
        "web": commit_link,
        "excerpt": [
            {"number": number, "text": text, "hit": number in ref.lines}
            for number, text in ref.excerpt.numbered
        ]
        if ref.excerpt
        else [],
    }


def dependency_rows(run: Run, facts: Facts) -> list[Row]:
    """Per implementation: its extra, package count, installed size and the largest packages."""
    rows = []
    found = facts.dependencies
    for impl in run.impls:
        entry = found.implementations.get(impl) if isinstance(found, DependencyFacts) else None
        if entry is None:
            continue
        if isinstance(entry, Missing):
            rows.append({
                "impl": run.title(impl), "extra": "",
                "count": fmt.NOT_MEASURED, "size": entry.reason, "largest": "",
            })  # fmt: skip
            continue
        largest = sorted(entry.packages, key=lambda p: (-p.bytes, p.name))[:5]
        rows.append({
            "impl": run.title(impl),
            "extra": entry.extra,
            "count": str(entry.count),
            "size": fmt.mib(entry.bytes),
            "largest": ", ".join(f"{p.name} {fmt.mib(p.bytes)}" for p in largest),
        })  # fmt: skip
    return rows


def docs_rows(run: Run, facts: Facts) -> list[Row]:
    """Per implementation: what /docs, /redoc and /openapi.json offer."""
    rows = []
    for impl in run.impls:
        found = facts.docs_of(impl)
        if not found:
            continue
        spec = found.openapi
        operations = spec.operations
        params = sum(o.parameters for o in operations)
        errors = sum(len(o.error_statuses) for o in operations)
        summaries = sum(bool(o.summary) for o in operations)
        problems = sum(o.problem_json_errors for o in operations)
        size = fmt.number(spec.bytes, "bytes")
        rows.append({
            "impl": run.title(impl),
            "docs": _page(found.docs),
            "redoc": _page(found.redoc),
            "openapi": f"OpenAPI {spec.openapi or '?'}, {size}",
            "operations": f"{len(operations)} ({summaries} with a summary)",
            "examples": f"{sum(o.has_examples for o in operations)} of {len(operations)}",
            "errors": f"{problems} of {errors} as problem+json",
            "bounds": f"{sum(o.bounded_parameters for o in operations)} of {params}",
            "schemas": str(spec.schemas),
        })  # fmt: skip
    return rows


REFERENCE_DOCUMENT = "reference"


def generated_client_view(run: Run, facts: Facts) -> dict[str, Any] | None:
    """Clients generated from each OpenAPI document, driven against each server: a row per
    document, a column per generator, and the pairs in all; None when not counted."""
    found = facts.generated_clients()
    if found is None or not found.generators:
        return None
    documents = [REFERENCE_DOCUMENT, *run.impls]
    named = {REFERENCE_DOCUMENT: "the contract's openapi.yaml"} | {
        impl: f"{run.title(impl)}'s /openapi.json" for impl in run.impls
    }
    rows = []
    for document in documents:
        if not any(found.tallies(g, document) for g in found.generators):
            continue
        cells = []
        for generator in found.generators:
            passed, ran = found.passing(generator, document)
            failing = [
                run.title(server)
                for server in run.impls
                if any(t.failed for t in found.tallies(generator, document, server))
            ]
            text = f"{passed} of {ran} servers" if ran else "not run"
            if failing:
                text += f" (fails against {', '.join(failing)})"
            cells.append({"text": text, "ok": passed == ran if ran else None})
        rows.append({"document": named[document], "cells": cells})
    totals = []
    for generator in found.generators:
        passed, ran = found.passing(generator)
        reasons = sorted({r for t in found.tallies(generator) for r in t.skip_reasons})
        text = f"{passed} of {ran} pairs pass" if ran else "not run"
        if not ran and reasons:
            text += f": {reasons[0]}"
        totals.append({"text": text, "ok": passed == ran if ran else None})
    return {"generators": found.generators, "rows": rows, "totals": totals}


def _page(page: Page) -> str:
    if page.status != 200:
        return f"HTTP {page.status}"
    hosts = ", ".join(page.asset_hosts) or "the server itself"
    return f"{page.viewer or 'a page'}, assets from {hosts}"


def invalid_request(run: Run, facts: Facts) -> dict[str, Any] | None:
    """The invalid request sent to every implementation, and each answer."""
    answers = []
    for impl in run.impls:
        found = facts.docs_of(impl)
        if not found:
            continue
        answer = found.invalid_request
        answers.append({
            "impl": run.title(impl),
            "status": answer.status,
            "content_type": answer.content_type,
            "body": json.dumps(answer.body, indent=2, ensure_ascii=False)
            if not isinstance(answer.body, str) else answer.body,
        })  # fmt: skip
    if not answers:
        return None
    docs = facts.docs
    body = json.dumps(docs.invalid_body if isinstance(docs, DocsFacts) else {}, ensure_ascii=False)
    return {
        "request": f"POST /api/v1/tasks\nContent-Type: application/json\n\n{body}",
        "answers": answers,
    }


def verdict_kind(verdict: str) -> str:
    """The class of a verdict for styling: supported, not-supported, depends, not-measured."""
    for kind in (claims.NOT_SUPPORTED, claims.NOT_MEASURED, claims.SUPPORTED, claims.DEPENDS):
        if verdict.startswith(kind):
            return kind.replace(" ", "-")
    return "depends"


def claim_rows(verdicts: list[Verdict]) -> list[Row]:
    """The claims table."""
    return [
        {
            "claim": v.claim,
            "measured": v.measured,
            "verdict": v.verdict,
            "kind": verdict_kind(v.verdict),
            "rule": v.rule,
        }
        for v in verdicts
    ]


def reproduce(run: Run, facts: Facts) -> dict[str, Any]:
    """Machine, database, versions, commit and the exact commands."""
    machine = run.machine
    memory = machine.get("memory_bytes")
    versions = {k: v for k, v in sorted(run.versions.items()) if v}
    commit = run.git.get("commit") or "unknown"
    database = f"{run.database.get('kind', '?')} {run.database.get('version', '')}".strip()
    cpu = f"{machine.get('cpu_model', '?')}, {machine.get('cores', '?')} cores"
    server_cpus, client_cpus = _cpus(run.cpus.get("server")), _cpus(run.cpus.get("client"))
    return {
        "cpu": cpu,
        "database": database,
        "machine": [
            ("CPU", cpu),
            ("memory", fmt.number(memory / 2**30, "GiB") if memory else fmt.NOT_MEASURED),
            ("OS", f"{machine.get('os', '?')} (kernel {machine.get('kernel', '?')})"),
            (
                "Python",
                f"{machine.get('python_implementation', 'CPython')} {machine.get('python', '?')}",
            ),
            ("database", database),
            ("cores", f"server on {server_cpus}, Locust on {client_cpus}"),
            ("run", f"{run.started_at} to {run.finished_at}"),
            ("commit", commit + (" (with uncommitted changes)" if run.git.get("dirty") else "")),
            ("load generator", _load_generator(run)),
        ],
        "versions": list(versions.items()),
        "settings": [(k, _setting(v)) for k, v in run.settings.items()],
        "bench_command": " ".join(["taskbench", "bench", *run.bench_args]),
        "bench_args": " ".join(run.bench_args),
        "status": run.status,
        "problems": list(run.problems),
        "facts_commit": facts.git.commit or "unknown",
    }


def _load_generator(run: Run) -> str:
    locust = f"Locust {run.versions.get('locust') or '?'}"
    if run.wrk.get("used"):
        return f"{locust}; {run.wrk.get('version') or 'wrk'} as a cross-check"
    return f"{locust}; no wrk cross-check"


def _cpus(cpus: list[int] | None) -> str:
    if not cpus:
        return "any core"
    return f"core{'s' if len(cpus) > 1 else ''} {', '.join(map(str, cpus))}"


def _setting(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
