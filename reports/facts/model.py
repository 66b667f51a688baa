"""facts.json, read once into frozen models: everything the report knows besides results.json.

This is the one module that knows the layout of facts.json (facts.schema.json beside it);
everything else in reports/ reads the attributes of the dataclasses below. A section that was
not gathered, or an implementation's entry that could not be measured, is a `Missing` carrying
its reason, the one form a gap takes. facts.json only ever gains sections and keys, so an older
one still parses: what it lacks is Missing, and its two older spellings of a gap
(`{"not_measured": reason}` for a section, `{"error": reason}` for an entry) read as Missing too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("facts.schema.json")
NOT_GATHERED = "not gathered for this run"


@dataclass(frozen=True)
class Missing:
    """A section or entry of facts.json that holds no figures, and why."""

    reason: str

    def as_json(self) -> dict[str, str]:
        """How facts.json writes it."""
        return {"missing": self.reason}


def missing_in(raw: Any) -> Missing | None:
    """The gap a raw section or entry stands for, in any spelling; None when it holds figures."""
    if raw is None:
        return Missing(NOT_GATHERED)
    if isinstance(raw, dict):
        for key in ("missing", "not_measured", "error"):
            if key in raw:
                return Missing(str(raw[key]))
    return None


def present[T](value: T | Missing | None) -> T | None:
    """The value when it holds figures; None for a gap."""
    return None if value is None or isinstance(value, Missing) else value


# Code: radon's counts per file, role and implementation.


@dataclass(frozen=True)
class Counts:
    """radon's counts over some files."""

    loc: int
    sloc: int
    lloc: int
    comments: int
    functions: int
    complexity: int
    files: int
    max_complexity: int

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Counts:
        """Counts from facts.json."""
        return cls(**{name: raw.get(name, 0) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class CodeFile:
    """One file of an implementation, its role and its counts."""

    path: str
    role: str | None
    sloc: int
    functions: int
    complexity: int
    max_complexity: int
    most_complex: str | None


@dataclass(frozen=True)
class Code:
    """An implementation's code: its files, and totals per role and without migrations."""

    package: str
    files: tuple[CodeFile, ...]
    roles: Mapping[str, Counts]
    total: Counts

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Code:
        """An implementation's code facts."""
        files = tuple(
            CodeFile(
                f["path"], f["role"], f["sloc"], f["functions"], f["complexity"],
                f["max_complexity"], f["most_complex"],
            )
            for f in raw["files"]
        )  # fmt: skip
        roles = {role: Counts.parse(counts) for role, counts in raw["roles"].items()}
        return cls(raw["package"], files, roles, Counts.parse(raw["total"]))

    def sloc(self, role: str) -> int:
        """Source lines of one role (0 when the implementation has no such file)."""
        counts = self.roles.get(role)
        return counts.sloc if counts else 0


@dataclass(frozen=True)
class CodeFacts:
    """The code section: the tool that counted, and each implementation's code."""

    tool: str
    implementations: Mapping[str, Code]


# Conformance: what each implementation added to meet the contract.


@dataclass(frozen=True)
class Excerpt:
    """A few lines of code, quoted when the facts were gathered, and the first one's number."""

    first_line: int
    lines: tuple[str, ...]

    @property
    def numbered(self) -> list[tuple[int, str]]:
        """Each line with its number."""
        return list(enumerate(self.lines, start=self.first_line))


@dataclass(frozen=True)
class CodeRef:
    """A place in the code: a file, a string that must be there, its line, and the code there.

    The excerpt is None in facts gathered before excerpts were kept.
    """

    file: str
    find: str
    line: int | None
    excerpt: Excerpt | None = None

    @property
    def lines(self) -> range:
        """The lines the string spans (empty when it was not found)."""
        return range(self.line, self.line + self.find.count("\n") + 1) if self.line else range(0)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> CodeRef:
        """A reference from facts.json."""
        quoted = raw.get("excerpt")
        return cls(
            raw["file"],
            raw["find"],
            raw.get("line"),
            Excerpt(quoted["first_line"], tuple(quoted["lines"])) if quoted else None,
        )


@dataclass(frozen=True)
class Adjustment:
    """One thing an implementation added to meet a rule of the contract."""

    rule: str
    added: str
    where: tuple[CodeRef, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class ConformanceFacts:
    """The rules, each implementation's adjustments, and where their code was quoted from.

    `repository` is the web address of the repository's remote, if it had one; `excerpts_from`
    the commit the excerpts were read at (None in facts gathered before excerpts were kept).
    """

    rules: Mapping[str, str]
    implementations: Mapping[str, tuple[Adjustment, ...]]
    repository: str | None = None
    excerpts_from: Git | None = None
    # How each talks to PostgreSQL (conformance.yaml `database`); None in older facts.
    database: DatabaseSettings | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ConformanceFacts:
        """The conformance section."""
        source = raw.get("excerpts_from")
        database = raw.get("database")
        return cls(
            dict(raw["rules"]),
            _adjustments(raw["implementations"]),
            raw.get("repository"),
            Git.parse(source) if source else None,
            DatabaseSettings.parse(database) if database else None,
        )


@dataclass(frozen=True)
class DatabaseSettings:
    """What each implementation set for its database connections and why, and the round trips
    per operation its code is documented to make (by variant)."""

    rules: Mapping[str, str]
    implementations: Mapping[str, tuple[Adjustment, ...]]
    round_trips: Mapping[str, Mapping[str, Mapping[str, int]]]

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> DatabaseSettings:
        """The database part of the conformance section."""
        return cls(
            dict(raw["rules"]),
            _adjustments(raw["implementations"]),
            raw.get("round_trips") or {},
        )


def _adjustments(raw: dict[str, Any]) -> dict[str, tuple[Adjustment, ...]]:
    return {
        impl: tuple(
            Adjustment(
                e["rule"],
                e["added"],
                tuple(CodeRef.parse(r) for r in e["where"]),
                tuple(e.get("problems", ())),
            )
            for e in entries
        )
        for impl, entries in raw.items()
    }


# Contract: the pass matrix from pytest's JUnit XML.


@dataclass(frozen=True)
class Tally:
    """Passed, failed and skipped tests, with the failures listed and the reasons for skips."""

    passed: int
    failed: int
    skipped: int
    failures: tuple[str, ...] = ()
    skip_reasons: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Tally:
        """A cell or a module's counts."""
        return cls(
            raw["passed"],
            raw["failed"],
            raw["skipped"],
            tuple(raw.get("failures", ())),
            tuple(raw.get("skip_reasons", ())),
        )

    @property
    def ran(self) -> int:
        """Tests that ran: passed or failed."""
        return self.passed + self.failed


def total(tallies: list[Tally]) -> Tally:
    """The sum of some tallies, their failures and skip reasons kept in order."""
    return Tally(
        sum(t.passed for t in tallies),
        sum(t.failed for t in tallies),
        sum(t.skipped for t in tallies),
        tuple(f for t in tallies for f in t.failures),
        tuple(dict.fromkeys(r for t in tallies for r in t.skip_reasons)),
    )


@dataclass(frozen=True)
class ContractFacts:
    """The contract suite's results: per implementation and column, per test module."""

    source: str
    columns: tuple[str, ...]
    matrix: Mapping[str, Mapping[str, Tally]]
    suite: Tally
    # Per implementation and test module; None in facts gathered before modules were counted.
    modules: Mapping[str, Mapping[str, Tally]] | None
    seconds: float
    # The generated-client tests per generator, document and server, over every database;
    # None in facts gathered before they were counted.
    generated_clients: GeneratedClients | None = None

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ContractFacts:
        """The contract section."""
        modules = raw.get("modules")
        clients = raw.get("generated_clients")
        return cls(
            raw["source"],
            tuple(raw["columns"]),
            {
                impl: {col: Tally.parse(cell) for col, cell in cells.items()}
                for impl, cells in raw["matrix"].items()
            },
            Tally.parse(raw["suite"]),
            None
            if modules is None
            else {
                impl: {name: Tally.parse(counts) for name, counts in found.items()}
                for impl, found in modules.items()
            },
            raw["seconds"],
            None if clients is None else GeneratedClients.parse(clients),
        )

    def totals(self, impl: str) -> Tally | None:
        """An implementation's tests over every column; None when none of its tests ran."""
        cells = self.matrix.get(impl)
        if cells is None:
            return None
        summed = total(list(cells.values()))
        return summed if summed.ran else None


@dataclass(frozen=True)
class GeneratedClients:
    """Clients generated from each OpenAPI document, driven against each server.

    `pairs[generator][document][server]` counts that pair's test over every database the suite
    ran; a document is an implementation's /openapi.json, or `reference` (openapi.yaml).
    """

    pairs: Mapping[str, Mapping[str, Mapping[str, Tally]]]

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> GeneratedClients:
        """The generated_clients part of the contract section."""
        return cls({
            generator: {
                document: {server: Tally.parse(t) for server, t in servers.items()}
                for document, servers in documents.items()
            }
            for generator, documents in raw.items()
        })  # fmt: skip

    @property
    def generators(self) -> list[str]:
        """The generators whose tests were in the suite's results."""
        return list(self.pairs)

    def tallies(
        self, generator: str, document: str | None = None, server: str | None = None
    ) -> list[Tally]:
        """A generator's pairs, narrowed to one document and/or one server."""
        return [
            tally
            for doc, servers in self.pairs.get(generator, {}).items()
            if document in (None, doc)
            for srv, tally in servers.items()
            if server in (None, srv)
        ]

    def passing(
        self, generator: str, document: str | None = None, server: str | None = None
    ) -> tuple[int, int]:
        """(pairs that passed, pairs that ran): a pair passed when its test ran on some
        database and failed on none."""
        ran = [t for t in self.tallies(generator, document, server) if t.ran]
        return sum(not t.failed for t in ran), len(ran)


# Dependencies: what each implementation's extra installs.


@dataclass(frozen=True)
class Package:
    """One installed distribution and its size."""

    name: str
    version: str
    bytes: int


@dataclass(frozen=True)
class Installed:
    """What an implementation's extra installs into a clean venv."""

    extra: str
    requirements: tuple[str, ...]
    packages: tuple[Package, ...]
    count: int
    bytes: int

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Installed:
        """One implementation's dependency facts."""
        return cls(
            raw["extra"],
            tuple(raw["requirements"]),
            tuple(Package(p["name"], p["version"], p["bytes"]) for p in raw["packages"]),
            raw["count"],
            raw["bytes"],
        )

    @property
    def names(self) -> set[str]:
        """Lower-cased names of the packages installed."""
        return {p.name.lower() for p in self.packages}


@dataclass(frozen=True)
class DependencyFacts:
    """How the dependencies were measured, and each implementation's extra."""

    method: str
    python: str
    implementations: Mapping[str, Installed | Missing]


# Docs: what /docs, /redoc and /openapi.json offer, and one invalid request's answer.


@dataclass(frozen=True)
class Page:
    """A docs page as served."""

    status: int
    content_type: str
    title: str | None
    viewer: str | None
    asset_hosts: tuple[str, ...]
    works_offline: bool
    bytes: int


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one operation."""

    operation: str
    summary: str
    has_examples: bool
    parameters: int
    bounded_parameters: int
    error_statuses: tuple[str, ...]
    problem_json_errors: int


@dataclass(frozen=True)
class OpenApi:
    """The OpenAPI document as served: version, title, operations, schemas, size."""

    status: int
    openapi: str | None = None
    title: str | None = None
    operations: tuple[Operation, ...] = ()
    schemas: int = 0
    bytes: int | None = None


@dataclass(frozen=True)
class Answer:
    """The answer to the invalid request."""

    status: int
    content_type: str
    body: Any


@dataclass(frozen=True)
class Docs:
    """An implementation's docs pages, OpenAPI document and answer to an invalid request."""

    variant: str
    invalid_request: Answer
    docs: Page
    redoc: Page
    openapi: OpenApi

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Docs:
        """One implementation's docs facts."""
        spec = raw["openapi"]
        answer = raw["invalid_request"]
        return cls(
            raw["variant"],
            Answer(answer["status"], answer["content_type"], answer["body"]),
            _page(raw["docs"]),
            _page(raw["redoc"]),
            OpenApi(
                spec["status"],
                spec.get("openapi"),
                spec.get("title"),
                tuple(
                    Operation(
                        o["operation"], o["summary"], o["has_examples"], o["parameters"],
                        o["bounded_parameters"], tuple(map(str, o["error_statuses"])),
                        o["problem_json_errors"],
                    )
                    for o in spec.get("operations", [])
                ),
                spec.get("schemas", 0),
                spec.get("bytes"),
            ),
        )  # fmt: skip


def _page(raw: dict[str, Any]) -> Page:
    return Page(
        raw["status"],
        raw.get("content_type", ""),
        raw.get("title"),
        raw.get("viewer"),
        tuple(raw.get("asset_hosts", ())),
        raw.get("works_offline", False),
        raw.get("bytes", 0),
    )


@dataclass(frozen=True)
class DocsFacts:
    """The invalid body sent to every implementation, and each one's docs facts."""

    invalid_body: Any
    implementations: Mapping[str, Docs | Missing]


# Fuzz: what schemathesis found.


@dataclass(frozen=True)
class Finding:
    """One kind of finding of a schemathesis pass."""

    type: str | None
    code: str | None
    title: str | None
    count: int | None
    operations: tuple[str, ...]


@dataclass(frozen=True)
class FuzzPass:
    """One schemathesis pass of an implementation against one document."""

    passed: bool
    exit_code: int | None
    seconds: float | None
    stop_reason: str | None
    test_cases: Mapping[str, Any]
    phases: Mapping[str, Any]
    findings_total: int
    server_errors: int | None
    errors: int | None
    findings: tuple[Finding, ...]

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> FuzzPass:
        """One pass from facts.json."""
        findings = tuple(
            Finding(
                f.get("type"), f.get("code"), f.get("title"), f.get("count"),
                tuple(f.get("operations") or ()),
            )
            for f in raw.get("findings") or []
        )  # fmt: skip
        return cls(
            bool(raw.get("passed")),
            raw.get("exit_code"),
            raw.get("seconds"),
            raw.get("stop_reason"),
            raw.get("test_cases") or {},
            raw.get("phases") or {},
            raw.get("findings_total") or 0,
            raw.get("server_errors"),
            raw.get("errors"),
            findings,
        )

    @property
    def generated(self) -> int | None:
        """Test cases generated, if counted."""
        return self.test_cases.get("generated")


@dataclass(frozen=True)
class Git:
    """A commit, and whether the tree had changes."""

    commit: str | None
    dirty: bool | None

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> Git:
        """A git state; unknown when absent."""
        raw = raw or {}
        return cls(raw.get("commit"), raw.get("dirty"))


@dataclass(frozen=True)
class FuzzFacts:
    """Where the schemathesis figures came from, and each implementation's passes."""

    source: str
    run: str
    seed: int | None
    database: str | None
    started_at: str | None
    git: Git
    max_examples: int | None
    max_time: int | None
    schemathesis_version: str | None
    passes: Mapping[str, Mapping[str, FuzzPass]]

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> FuzzFacts:
        """The fuzz section."""
        budget = raw.get("budget") or {}
        return cls(
            raw["source"],
            raw["run"],
            raw.get("seed"),
            raw.get("database"),
            raw.get("started_at"),
            Git.parse(raw.get("git")),
            budget.get("max_examples"),
            budget.get("max_time"),
            raw.get("schemathesis_version"),
            {
                impl: {spec: FuzzPass.parse(p) for spec, p in entry.get("passes", {}).items()}
                for impl, entry in raw["implementations"].items()
            },
        )

    def of(self, impl: str, spec: str) -> FuzzPass | None:
        """One implementation's pass against a document ('own' or 'contract'), if it ran."""
        return self.passes.get(impl, {}).get(spec)


# The whole document.


@dataclass(frozen=True)
class Facts:
    """Every section of facts.json; a section that was not gathered is Missing."""

    schema_version: int
    git: Git
    code: CodeFacts | Missing
    conformance: ConformanceFacts | Missing
    contract: ContractFacts | Missing
    dependencies: DependencyFacts | Missing
    docs: DocsFacts | Missing
    fuzz: FuzzFacts | Missing

    def code_of(self, impl: str) -> Code | None:
        """An implementation's code facts, when counted."""
        return self.code.implementations.get(impl) if isinstance(self.code, CodeFacts) else None

    def installed(self, impl: str) -> Installed | None:
        """What an implementation's extra installs, when measured."""
        if not isinstance(self.dependencies, DependencyFacts):
            return None
        return present(self.dependencies.implementations.get(impl))

    def docs_of(self, impl: str) -> Docs | None:
        """An implementation's docs facts, when its server could be probed."""
        if not isinstance(self.docs, DocsFacts):
            return None
        return present(self.docs.implementations.get(impl))

    def database_settings(self) -> DatabaseSettings | None:
        """What each implementation set for its database, when the list was read with it."""
        if not isinstance(self.conformance, ConformanceFacts):
            return None
        return self.conformance.database

    def generated_clients(self) -> GeneratedClients | None:
        """The generated-client pairs, when the contract suite's results counted them."""
        if not isinstance(self.contract, ContractFacts):
            return None
        return self.contract.generated_clients

    def adjustments(self, impl: str) -> tuple[Adjustment, ...] | None:
        """An implementation's adjustments, when the list was read."""
        if not isinstance(self.conformance, ConformanceFacts):
            return None
        return self.conformance.implementations.get(impl)


def _section(raw: Any, parse: Any) -> Any:
    gap = missing_in(raw)
    return gap if gap else parse(raw)


def _entries(raw: dict[str, Any], parse: Any) -> dict[str, Any]:
    return {impl: _section(entry, parse) for impl, entry in raw.items()}


def parse(raw: dict[str, Any]) -> Facts:
    """Read a facts.json document."""
    return Facts(
        schema_version=raw.get("schema_version", 1),
        git=Git.parse(raw.get("git")),
        code=_section(
            raw.get("code"),
            lambda s: CodeFacts(
                s["tool"], {i: Code.parse(c) for i, c in s["implementations"].items()}
            ),
        ),
        conformance=_section(raw.get("conformance"), ConformanceFacts.parse),
        contract=_section(raw.get("contract"), ContractFacts.parse),
        dependencies=_section(
            raw.get("dependencies"),
            lambda s: DependencyFacts(
                s["method"], s["python"], _entries(s["implementations"], Installed.parse)
            ),
        ),
        docs=_section(
            raw.get("docs"),
            lambda s: DocsFacts(s["invalid_body"], _entries(s["implementations"], Docs.parse)),
        ),
        fuzz=_section(raw.get("fuzz"), FuzzFacts.parse),
    )


def load(path: Path) -> Facts:
    """Read a facts.json file."""
    return parse(json.loads(path.read_text(encoding="utf-8")))
