"""Facts gathered from the code and the test results: roles, conformance, the contract matrix."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reports import gather
from reports.facts import code, conformance, contract, dependencies, docs, fuzz, model
from reports.facts.roles import ROLES
from taskbench import registry
from taskbench.provenance import git_state
from tests.helpers import REPORT_FIXTURES, read_fixture

ROOT = Path(__file__).resolve().parent.parent
IMPLS = list(registry.IMPLEMENTATIONS)


@pytest.mark.parametrize("impl", IMPLS)
def test_every_file_of_an_implementation_has_a_role(impl: str) -> None:
    found = code.implementation_metrics(impl)

    assert found["unassigned"] == [], "add these files to reports/facts/roles.py"
    assert found["total"]["sloc"] > 0
    assert set(found["roles"]) == set(ROLES)


def test_an_implementations_own_tests_are_not_counted_as_its_code() -> None:
    found = code.implementation_metrics("django")

    assert not [f for f in found["files"] if "/tests/" in f["path"]]


def test_complexity_counts_each_method_once(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text(
        "class A:\n    def f(self, x):\n        return 1 if x else 2\n\n"
        "def g():\n    def h():\n        pass\n"
    )

    found = code.file_metrics(source)

    assert (found["functions"], found["complexity"], found["most_complex"]) == (3, 4, "A.f")


@pytest.mark.parametrize("impl", IMPLS)
def test_conformance_references_still_point_at_the_code(impl: str) -> None:
    listed = conformance.load()

    problems = [
        f"{entry['rule']}: {problem}"
        for entry in listed["implementations"][impl]
        for problem in conformance.check(entry, ROOT)
    ]

    assert problems == [], "reports/conformance.yaml has drifted from the code"


def test_conformance_lists_only_rules_it_defines() -> None:
    listed = conformance.load()

    for impl, entries in listed["implementations"].items():
        assert impl in registry.IMPLEMENTATIONS
        assert {e["rule"] for e in entries} <= set(listed["rules"])


def test_gathered_conformance_quotes_the_code_around_each_reference() -> None:
    found = conformance.gather(ROOT, IMPLS)

    refs = [
        ref for entries in found["implementations"].values() for e in entries for ref in e["where"]
    ]
    assert refs
    for ref in refs:
        quoted = ref["excerpt"]
        first_line = ref["find"].splitlines()[0]
        assert quoted["first_line"] <= ref["line"] <= quoted["first_line"] + conformance.BEFORE
        assert first_line in quoted["lines"][ref["line"] - quoted["first_line"]], ref
        assert len(quoted["lines"]) <= conformance.BEFORE + conformance.AFTER + 1 + ref[
            "find"
        ].count("\n")
    assert found["excerpts_from"] == git_state()
    assert found["repository"] is None or found["repository"].startswith("https://")


def test_excerpts_leave_out_blank_lines_at_either_end() -> None:
    text = "a\n\n\ndef f():\n    return 1\n\n\n\n\n\nz\n"

    assert conformance.excerpt(text, "def f") == {
        "first_line": 4,
        "lines": ["def f():", "    return 1"],
    }
    assert conformance.excerpt(text, "absent") is None


@pytest.mark.parametrize(
    ("remote", "address"),
    [
        ("git@github.com:owner/taskbench.git", "https://github.com/owner/taskbench"),
        (
            # A remote with credentials in it, assembled so that this file holds none whole.
            "https://" + ":".join(["user", "token"]) + "@github.com/owner/taskbench.git\n",
            "https://github.com/owner/taskbench",
        ),
        (
            "ssh://git@gitlab.example.org:2222/group/taskbench",
            "https://gitlab.example.org/group/taskbench",
        ),
        ("/srv/git/taskbench.git", None),
        ("file:///srv/git/taskbench.git", None),
        ("", None),
    ],
)
def test_a_remote_gives_a_web_address_without_credentials(remote: str, address: str | None) -> None:
    assert conformance.web_address(remote) == address


def git(cwd: Path, *args: str) -> str:
    """Run git in a scratch repository, as a throwaway author."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def older_facts(tmp_path: Path, line: int) -> tuple[Path, str]:
    """A repository with one committed file, and facts.json gathered from it before excerpts."""
    (tmp_path / "impl").mkdir()
    (tmp_path / "impl" / "errors.py").write_text("import x\n\n\ndef handle():\n    pass\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "code")
    commit = git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "impl" / "errors.py").write_text("changed since\n")  # the tree moved on
    ref = {"file": "impl/errors.py", "find": "def handle", "line": line}
    facts = {
        "git": {"commit": commit, "dirty": False},
        "code": {"tool": "radon 6.0.1", "implementations": {}},
        "conformance": {
            "rules": {"r": "A rule"},
            "implementations": {"fastapi": [{"rule": "r", "added": "x", "where": [ref]}]},
        },
    }
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, indent=1) + "\n", encoding="utf-8")
    return path, commit


def test_older_facts_get_excerpts_from_their_own_commit_and_nothing_else_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, commit = older_facts(tmp_path, line=4)
    before = json.loads(path.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)

    assert conformance.main([str(path)]) == 0

    after = json.loads(path.read_text(encoding="utf-8"))
    ref = after["conformance"]["implementations"]["fastapi"][0]["where"][0]
    assert ref.pop("excerpt") == {"first_line": 4, "lines": ["def handle():", "    pass"]}
    assert after["conformance"].pop("excerpts_from") == {"commit": commit, "dirty": False}
    assert after == before


def test_excerpts_that_would_quote_other_lines_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = older_facts(tmp_path, line=7)
    before = path.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    assert conformance.main([str(path)]) == 1

    assert path.read_text(encoding="utf-8") == before
    assert "impl/errors.py: 'def handle' is at line 4, not 7" in capsys.readouterr().err


def test_the_samples_excerpts_quote_the_lines_its_facts_point_at() -> None:
    sample = model.load(ROOT / "reports" / "sample" / "facts.json")
    assert isinstance(sample.conformance, model.ConformanceFacts)

    assert sample.conformance.excerpts_from == sample.git
    for entries in sample.conformance.implementations.values():
        for ref in (r for e in entries for r in e.where):
            assert ref.excerpt is not None
            assert ref.line is not None
            numbered = dict(ref.excerpt.numbered)
            assert ref.find.splitlines()[0] in numbered[ref.line], ref


@pytest.mark.parametrize(
    ("test_id", "target"),
    [
        ("test_x[fastapi-sqlite]", ("fastapi", "sqlite")),
        ("test_x[django-postgresql-  two  words -x]", ("django", "postgresql")),
        ("test_v[flask-gunicorn-sync]", ("flask", "variants")),
        ("test_reference_document_is_openapi_3_1", (None, None)),
        ("test_y[base-url]", (None, None)),
    ],
)
def test_contract_test_ids_name_implementation_and_database(
    test_id: str, target: tuple[str | None, str | None]
) -> None:
    assert contract.target_of(test_id, IMPLS) == target


def test_contract_matrix_counts_passes_failures_and_skips() -> None:
    found = contract.parse(REPORT_FIXTURES / "contract.xml", IMPLS)

    flask, django = found["matrix"]["flask"], found["matrix"]["django"]
    assert (flask["sqlite"]["passed"], flask["sqlite"]["failed"]) == (13, 2)
    assert "422 != 201" in flask["sqlite"]["failures"][0]
    assert (django["postgresql"]["passed"], django["postgresql"]["skipped"]) == (0, 4)
    assert django["variants"]["passed"] == 2
    assert found["suite"]["passed"] == 1


def test_contract_counts_per_module_add_up_every_database_of_an_implementation() -> None:
    found = contract.parse(REPORT_FIXTURES / "contract.xml", IMPLS)

    fastapi, flask, django = (found["modules"][impl] for impl in IMPLS)
    assert fastapi["test_hostile_input"] == {
        "passed": 2, "failed": 0, "skipped": 0, "skip_reasons": []
    }  # fmt: skip
    assert (flask["test_faults"]["passed"], flask["test_faults"]["failed"]) == (0, 1)
    stopped = django["test_database_stopped"]
    assert (stopped["passed"], stopped["skipped"]) == (0, 1)
    assert "cannot connect" in stopped["skip_reasons"][0]
    assert "test_openapi" not in fastapi, "a suite test belongs to no implementation"
    assert found["matrix"]["fastapi"]["sqlite"]["passed"] == 15


def test_fixture_facts_are_what_the_fixture_inputs_give() -> None:
    facts = read_fixture("facts.json")
    fuzzed = fuzz.parse(REPORT_FIXTURES / "fuzz-summary.json")

    assert facts["contract"] == contract.parse(REPORT_FIXTURES / "contract.xml", IMPLS)
    skip = ("source", "run")
    assert {k: v for k, v in facts["fuzz"].items() if k not in skip} == {
        k: v for k, v in fuzzed.items() if k not in skip
    }


def test_fuzz_facts_keep_where_the_figures_came_from_and_every_pass() -> None:
    found = fuzz.parse(REPORT_FIXTURES / "fuzz-summary.json")

    assert (found["seed"], found["database"], found["schemathesis_version"]) == (
        20261122, "postgresql", "4.32.5",
    )  # fmt: skip
    assert found["git"]["commit"] == "89abcdef0123456789abcdef0123456789abcdef"
    assert found["budget"] == {"max_examples": 100, "max_time": 300}
    assert found["started_at"] == "2026-11-22T01:10:00Z"
    assert set(found["implementations"]) == set(IMPLS)
    own = found["implementations"]["flask"]["passes"]["own"]
    assert (own["passed"], own["findings_total"], own["server_errors"]) == (False, 3, 2)
    assert [f["code"] for f in own["findings"]] == ["ST101", "ST103"]
    assert own["test_cases"]["generated"] == 9876
    assert own["phases"]["stateful"] == "success"


def test_fuzz_facts_name_the_run_the_latest_link_points_at(tmp_path: Path) -> None:
    run = tmp_path / "fuzz" / "20261122-011000"
    run.mkdir(parents=True)
    shutil.copyfile(REPORT_FIXTURES / "fuzz-summary.json", run / "summary.json")
    (tmp_path / "fuzz" / "latest").symlink_to(run.name)

    found = fuzz.gather(tmp_path / "fuzz" / "latest" / "summary.json")

    assert found is not None
    assert found["run"] == "20261122-011000"


def test_missing_fuzz_summary_says_how_to_make_one(tmp_path: Path) -> None:
    absent = tmp_path / "latest" / "summary.json"

    assert fuzz.gather(absent) is None
    assert gather.fuzz_facts(absent) == {
        "missing": f"no fuzz summary at {absent}: run `taskbench fuzz` first"
    }


def test_missing_junit_xml_is_no_contract_fact(tmp_path: Path) -> None:
    assert contract.gather(tmp_path / "absent.xml", IMPLS) is None


@pytest.mark.parametrize("impl", IMPLS)
def test_each_implementation_extra_lists_its_requirements(impl: str) -> None:
    extra = registry.get(impl).extra

    requirements = dependencies.extra_requirements(ROOT / "pyproject.toml", extra)

    assert requirements
    assert all("==" in r for r in requirements)


def test_a_running_server_is_asked_for_its_docs_and_one_invalid_request() -> None:
    found = docs.gather_one("fastapi")

    assert "error" not in found, found.get("error")
    answer = found["invalid_request"]
    assert answer["status"] == 422
    assert answer["content_type"].startswith("application/problem+json")
    assert {e["field"] for e in answer["body"]["errors"]} == {"title", "done", "priority"}
    assert found["docs"]["viewer"] == "Swagger UI"
    assert len(found["openapi"]["operations"]) == 7


FACTS_SCHEMA = json.loads(model.SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_problems(document: dict[str, Any]) -> list[str]:
    """Where a facts.json document breaks its schema."""
    validator = jsonschema.Draft202012Validator(FACTS_SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize(
    "path", [ROOT / "reports" / "sample" / "facts.json", REPORT_FIXTURES / "facts.json"]
)
def test_committed_facts_follow_the_schema(path: Path) -> None:
    assert schema_problems(json.loads(path.read_text(encoding="utf-8"))) == []


def test_gathered_facts_follow_the_schema_with_gaps_in_the_one_form(tmp_path: Path) -> None:
    options = gather.Options(
        root=ROOT,
        contract_xml=REPORT_FIXTURES / "contract.xml",
        fuzz_summary=tmp_path / "absent" / "summary.json",
        dependencies=False,
        docs=False,
    )

    found = gather.gather(IMPLS, options)

    assert schema_problems(found) == []
    assert found["dependencies"] == {"missing": "skipped with --no-dependencies"}
    assert model.parse(found).fuzz == model.Missing(
        f"no fuzz summary at {tmp_path / 'absent' / 'summary.json'}: run `taskbench fuzz` first"
    )


def test_a_gap_reads_as_one_typed_form_whatever_its_spelling(facts_doc: dict[str, Any]) -> None:
    facts_doc["code"] = {"missing": "not counted"}
    facts_doc["fuzz"] = {"not_measured": "no fuzz summary"}  # before schema version 2
    facts_doc["docs"]["implementations"]["flask"] = {"error": "did not start"}
    del facts_doc["conformance"]

    found = model.parse(facts_doc)

    assert found.code == model.Missing("not counted")
    assert found.fuzz == model.Missing("no fuzz summary")
    assert found.conformance == model.Missing(model.NOT_GATHERED)
    assert isinstance(found.docs, model.DocsFacts)
    assert found.docs.implementations["flask"] == model.Missing("did not start")
    assert found.docs_of("flask") is None
    assert found.docs_of("fastapi") is not None


def test_facts_are_frozen(facts: model.Facts) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.git = model.Git(None, None)  # type: ignore[misc]
