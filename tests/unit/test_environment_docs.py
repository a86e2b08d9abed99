"""The README's Environment table names every variable the code reads, and nothing else
(the table once lacked SLACK_APP_TOKEN and PORT)."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

READS = [
    re.compile(r"\b(?:environ|env)(?:\.get\(|\[)\s*\"([A-Z][A-Z0-9_]+)\""),  # environ.get("X"), env["X"]
    re.compile(r"\b_get\(\s*\w+,\s*\"([A-Z][A-Z0-9_]+)\""),                  # bot/settings.py's _get(environ, "X")
]


def variables_the_code_reads() -> set[str]:
    names: set[str] = set()
    for folder in ("bot", "workflows", "handlers", "models"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in READS:
                names |= set(pattern.findall(text))
    return names


def variables_the_readme_documents() -> set[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Environment\n")
    table = readme[start:readme.index("\n## ", start + 1)]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_readme_documents_every_variable_the_code_reads_and_no_other():
    read = variables_the_code_reads()
    assert {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "PORT", "DATABASE_URL", "LOG_LEVEL"} <= read  # the scan works
    documented = variables_the_readme_documents()
    assert read - documented == set(), "read by the code, missing from README's Environment table"
    assert documented - read == set(), "in README's Environment table, read by nothing"
