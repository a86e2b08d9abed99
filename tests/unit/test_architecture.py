"""The layer rules of docs/architecture.md, read from the imports (tests/architecture.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.architecture import (
    Project,
    import_cycles,
    layer_violations,
    lines_of_code,
    oversized_modules,
    workflows_module_count,
)


@pytest.fixture(scope="module")
def project() -> Project:
    return Project()


def _problems(problems: list[str]) -> str:
    return "\n" + "\n".join(problems)


# The project itself.


def test_project_is_read(project):
    assert {"bot.cli", "handlers", "workflows.deps", "models.tickets"} <= set(project.modules)
    assert len(project.imports) > 500


def test_imports_point_down_only(project):
    # bot imports nothing above it and nothing imports bot; handlers never import models;
    # workflows never import handlers; models import nothing of ours above them.
    problems = layer_violations(project)
    assert not problems, _problems(problems)


def test_no_import_cycles(project):
    problems = import_cycles(project)
    assert not problems, _problems(problems)


def test_workflows_keeps_at_most_15_modules_directly():
    problems = workflows_module_count()
    assert not problems, _problems(problems)


def test_no_module_over_400_lines_of_code(project):
    problems = oversized_modules(project)
    assert not problems, _problems(problems)


# The checker, on small made-up projects: it must see what it claims to check.


def _write(root: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return Project(root)


def _packages(*names: str) -> dict[str, str]:
    return {f"{name}/__init__.py": "" for name in names}


def test_an_import_inside_a_function_counts_and_names_file_line_and_statement(tmp_path):
    project = _write(tmp_path, {
        **_packages("bot", "handlers", "workflows", "models"),
        "workflows/rules.py": """
            def decide():
                from bot.config import load  # looks harmless
                return load()
        """,
    })
    assert layer_violations(project) == [
        "workflows/rules.py:3: workflows.rules imports bot.config (`from bot.config import load`): "
        "workflows must not import bot"
    ]


@pytest.mark.parametrize(
    ("importer", "statement", "rule"),
    [
        ("handlers/listen.py", "import bot.app", "handlers must not import bot"),
        ("handlers/listen.py", "from models import tickets", "handlers must not import models"),
        ("workflows/rules.py", "from handlers.ids import Action", "workflows must not import handlers"),
        ("models/rows.py", "from workflows import rules", "models must not import workflows"),
        ("models/rows.py", "import handlers", "models must not import handlers"),
        ("models/rows.py", "from bot import app", "models must not import bot"),
    ],
)
def test_each_layer_rule_is_enforced(tmp_path, importer, statement, rule):
    project = _write(tmp_path, {
        **_packages("bot", "handlers", "workflows", "models"),
        "bot/app.py": "",
        "workflows/rules.py": "",
        "models/tickets.py": "",
        importer: f"if True:\n    {statement}\n",
    })
    problems = layer_violations(project)
    assert len(problems) == 1 and problems[0].startswith(f"{importer}:2:") and problems[0].endswith(rule)
    assert f"`{statement}`" in problems[0]


def test_downward_imports_and_third_party_names_are_fine(tmp_path):
    project = _write(tmp_path, {
        **_packages("bot", "handlers", "workflows", "models"),
        "bot/app.py": "from handlers import register\nimport workflows.rules\nfrom models import rows\n",
        "handlers/listen.py": "from workflows.rules import decide\nimport botocore\n",
        "workflows/rules.py": "from models.rows import Row\nfrom .sibling import x\n",
        "workflows/sibling.py": "",
        "models/rows.py": "from sqlalchemy import select\nfrom . import base\n",
        "models/base.py": "",
    })
    assert layer_violations(project) == []
    assert import_cycles(project) == []


def test_relative_imports_are_resolved(tmp_path):
    project = _write(tmp_path, {
        **_packages("bot", "workflows", "workflows/tickets"),
        "workflows/tickets/claim.py": "from ...bot import config\nfrom .. import deps\nfrom . import ids\n",
        "workflows/tickets/ids.py": "",
        "workflows/deps.py": "",
        "bot/config.py": "",
    })
    targets = sorted(found.target for found in project.imports)
    assert targets == ["bot.config", "workflows.deps", "workflows.tickets.ids"]
    assert len(layer_violations(project)) == 1


def test_a_cycle_through_function_level_imports_is_reported_with_its_path(tmp_path):
    project = _write(tmp_path, {
        **_packages("workflows"),
        "workflows/a.py": "from workflows.b import run\n",
        "workflows/b.py": "import workflows.c\n\ndef run():\n    pass\n",
        "workflows/c.py": "def later():\n    from workflows import a  # 'avoids a circle'\n",
        "workflows/d.py": "from workflows import a\n",  # depends on the cycle, not part of it
    })
    problems = import_cycles(project)
    assert len(problems) == 1
    assert problems[0] == (
        "import cycle among workflows.a, workflows.b, workflows.c:\n"
        "    workflows.a -> workflows.b  (workflows/a.py:1 `from workflows.b import run`)\n"
        "    workflows.b -> workflows.c  (workflows/b.py:1 `import workflows.c`)\n"
        "    workflows.c -> workflows.a  (workflows/c.py:2 `from workflows import a`)"
    )


def test_two_modules_importing_each_other_are_a_cycle_and_separate_cycles_are_each_reported(tmp_path):
    project = _write(tmp_path, {
        **_packages("bot", "workflows"),
        "bot/config.py": "from bot.config_loader import load\n",
        "bot/config_loader.py": "def load():\n    from bot.config import AppConfig\n",
        "workflows/deps.py": "from workflows import roles\n",
        "workflows/roles.py": "from workflows.deps import Deps\n",
    })
    problems = import_cycles(project)
    assert [p.splitlines()[0] for p in problems] == [
        "import cycle among bot.config, bot.config_loader:",
        "import cycle among workflows.deps, workflows.roles:",
    ]


def test_a_package_importing_its_own_modules_is_not_a_cycle(tmp_path):
    project = _write(tmp_path, {
        "handlers/__init__.py": "from handlers import commands\n",
        "handlers/commands/__init__.py": "from handlers.commands import ticket\n",
        "handlers/commands/ticket.py": "from handlers.ids import Action\n",
        "handlers/ids.py": "",
    })
    assert import_cycles(project) == []


def test_too_many_modules_directly_in_workflows_are_named(tmp_path):
    _write(tmp_path, {"workflows/__init__.py": "", **{f"workflows/m{i:02}.py": "" for i in range(15)}})
    assert workflows_module_count(tmp_path) == []
    (tmp_path / "workflows" / "tickets").mkdir()
    (tmp_path / "workflows" / "tickets" / "open.py").write_text("")
    assert workflows_module_count(tmp_path) == []  # modules in a domain package do not count
    (tmp_path / "workflows" / "m15.py").write_text("")
    (problem,) = workflows_module_count(tmp_path)
    assert problem.startswith("workflows/ holds 16 modules directly, at most 15") and "m15.py" in problem


def test_lines_of_code_skip_blank_lines_and_comments_and_the_oversized_file_is_named(tmp_path):
    assert lines_of_code("x = 1\n\n   \n# note\n    # indented note\ny = 2  # trailing\n") == 2
    project = _write(tmp_path, {
        "models/__init__.py": "",
        "models/small.py": "x = 1\n" * 400 + "# comment\n" * 50 + "\n" * 50,
        "models/big.py": "x = 1\n" * 401,
    })
    assert oversized_modules(project) == [
        "models/big.py: 401 lines of code, at most 400: split it by meaning"
    ]
