"""The lock (constraints.txt, from scripts/lock) pins every dependency pyproject.toml
declares, within its range, and every install the project documents or runs uses it."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO_ROOT


def _locked() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version and "[" not in name, f"not a plain pin: {line!r}"
            pins[canonicalize_name(name)] = version
    return pins


def test_every_dependency_is_pinned_within_its_range():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *(d for extra in project["optional-dependencies"].values() for d in extra)]
    locked = _locked()
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in constraints.txt: run scripts/lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), \
            f"constraints.txt pins {name}=={locked[name]}, outside {requirement.specifier}: run scripts/lock"


def test_setup_tests_and_ci_install_with_the_lock():
    readme = (REPO_ROOT / "README.md").read_text()
    assert re.search(r"pip install -c constraints\.txt \. ", readme)
    for script in ("scripts/test", ".ci/run"):
        installs = [line for line in (REPO_ROOT / script).read_text().splitlines()
                    if "pip install" in line and "-e '.[dev]'" in line]
        assert installs and all("-c constraints.txt" in line for line in installs), script
