"""No secret is committed: every file git tracks is scanned with Yelp's detect-secrets."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings

ROOT = Path(__file__).resolve().parent.parent

# Findings that are no secret, each known by its type and by where its value stands on its
# line (the pattern's group), never by its file or its plugin alone: a real secret anywhere else
# in the same files is still found.
NOT_SECRETS = (
    # A git commit id under the key "commit": results.json and facts.json record the commit a
    # run measured (the committed sample report and the report fixtures hold one), and the
    # report's tests build such records. A commit id is public.
    ("Hex High Entropy String", re.compile(r'"commit"\]?\s*(?::|==)\s*"([0-9a-f]{40})"')),
    # The output prefix (`--csv`) of a Locust run, in the command lines results.json records:
    # a run id and a scenario name, whose digits and dashes read as entropy.
    ("Base64 High Entropy String", re.compile(r'"(results/\d{8}-\d{6}/raw/[\w.-]+/[\w.-]+)"')),
)

# The sample report as rendered: made only of files the scan reads (its results.json and
# facts.json, the templates, the code it quotes), and proved to be exactly their rendering by
# tests/test_report_sample.py. Scanning its 1 MB of inline charts again took a quarter of the scan.
RENDERED = re.compile(r"reports/sample/(report\.(html|md)|charts/[\w.-]+\.svg)")

# Realistic fake secrets, assembled here so that this file holds none of them whole.
FAKE_AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"  # the example key id of AWS's documentation
FAKE_KEY_BODY = base64.b64encode(hashlib.sha512(b"taskbench").digest() * 6).decode()
FAKE_PRIVATE_KEY = "\n".join(
    [
        "-----" + " ".join(["BEGIN", "RSA", "PRIVATE", "KEY"]) + "-----",
        *(FAKE_KEY_BODY[i : i + 64] for i in range(0, len(FAKE_KEY_BODY), 64)),
        "-----" + " ".join(["END", "RSA", "PRIVATE", "KEY"]) + "-----",
    ]
)


@dataclass(frozen=True)
class Finding:
    """A potential secret: where it is and of which kind, never its value."""

    path: str
    line: int
    type: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.type}"


def tracked_files() -> list[str]:
    """Every file git tracks, relative to the repository's root."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [path for path in listed.stdout.split("\0") if path]


def find_secrets(root: Path, paths: Iterable[str]) -> list[Finding]:
    """Scan files under `root` with every detect-secrets plugin; leave out NOT_SECRETS."""
    with default_settings():
        collection = SecretsCollection(root=str(root))
        # One file at a time: scan_files forks a process pool, which a multi-threaded pytest
        # process should not do.
        for path in paths:
            collection.scan_file(path)
    findings = []
    for path, secret in collection:
        lines = (root / path).read_text(errors="replace").splitlines()
        line = lines[secret.line_number - 1] if secret.line_number <= len(lines) else ""
        if not is_known_not_secret(secret.type, secret.secret_value, line):
            findings.append(Finding(path, secret.line_number, secret.type))
    return sorted(findings, key=lambda finding: (finding.path, finding.line, finding.type))


def is_known_not_secret(kind: str, value: str | None, line: str) -> bool:
    """Whether a finding is one of NOT_SECRETS: its type, and its value where the rule has it."""
    return any(
        kind == rule_kind and any(match[1] == value for match in shape.finditer(line))
        for rule_kind, shape in NOT_SECRETS
    )


def test_no_secret_is_committed() -> None:
    sources = [path for path in tracked_files() if not RENDERED.fullmatch(path)]

    findings = find_secrets(ROOT, sources)

    assert not findings, "potential secrets:\n" + "\n".join(map(str, findings))


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("settings.py", f'AWS_ACCESS_KEY = "{FAKE_AWS_KEY_ID}"\n', "AWS Access Key"),
        ("deploy_key", FAKE_PRIVATE_KEY + "\n", "Private Key"),
        # Beside the commit id the scan leaves out, in a file shaped like the ones holding it.
        (
            "facts.json",
            json.dumps(
                {"commit": "c2aa1f42aa489a62e08c8d8ee9b7f6470f39f97c", "key": FAKE_AWS_KEY_ID},
                indent=2,
            ),
            "AWS Access Key",
        ),
    ],
    ids=["aws-key-in-python", "private-key-block", "aws-key-beside-a-commit-id"],
)
def test_the_scan_finds_a_planted_secret(
    tmp_path: Path, name: str, content: str, kind: str
) -> None:
    (tmp_path / name).write_text(content)

    findings = find_secrets(tmp_path, [name])

    assert [finding.type for finding in findings] == [kind], findings


def test_env_example_holds_no_secret_but_the_local_compose_password(tmp_path: Path) -> None:
    # detect-secrets reads unquoted NAME=value assignments only in files it knows as
    # configuration, by extension; `.env.example` is not one, so a copy is read as one.
    copy = tmp_path / "env.cfg"
    copy.write_text((ROOT / ".env.example").read_text())
    lines = copy.read_text().splitlines()

    findings = find_secrets(tmp_path, [copy.name])

    named = {lines[finding.line - 1].partition("=")[0] for finding in findings}
    # docker-compose.yml's own fallback, documented in .env.example as a local-only password.
    assert named == {"POSTGRES_PASSWORD"}
