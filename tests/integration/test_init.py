"""`supportbot init [DIR]`: the example policy and the starter knowledge base, written
from the package into an empty folder, are ready to use from anywhere (their kb path is
read relative to the policy file)."""

from __future__ import annotations

import tomllib
from importlib.resources import files

from tests.conftest import REPO_ROOT
from tests.serve_process import run_cli, serve_env


async def test_init_into_an_empty_folder_then_check_config_passes_and_the_kb_is_found(tmp_path, database_url):
    env = serve_env(database_url, "http://127.0.0.1:1/api/")
    target = tmp_path / "etc" / "supportbot"
    code, stdout, stderr = await run_cli(["init", str(target)], env=env, cwd=tmp_path)
    assert code == 0, stderr
    assert (target / "app.yaml").read_text() == (REPO_ROOT / "app.yaml").read_text()
    assert sorted(p.name for p in (target / "kb").iterdir()) == sorted(p.name for p in (REPO_ROOT / "kb").iterdir())
    steps = [line.strip()[:3] for line in stdout.splitlines() if line.strip()[:2] in ("1.", "2.", "3.")]
    assert steps == ["1. ", "2. ", "3. "], stdout
    assert f"supportbot check-config {target / 'app.yaml'}" in stdout and "supportbot manifest" in stdout
    assert f"supportbot serve --config {target / 'app.yaml'}" in stdout

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, stdout, stderr = await run_cli(["check-config", str(target / "app.yaml")], env=env, cwd=elsewhere)
    assert code == 0 and "OK" in stdout, stderr
    # Run from another folder: knowledge_base.path (kb/) is read next to the policy file.
    code, stdout, stderr = await run_cli(["kb", "reindex", "--config", str(target / "app.yaml")], env=env,
                                         cwd=elsewhere)
    assert code == 0, stderr
    articles = len([p for p in (REPO_ROOT / "kb").glob("*.md") if p.name != "README.md"])
    assert f"knowledge base: {articles} article(s) from {target / 'kb'} ({articles} added" in stdout


async def test_init_never_overwrites(tmp_path):
    env = serve_env(f"sqlite:///{tmp_path}/x.db", "http://127.0.0.1:1/api/")
    (tmp_path / "app.yaml").write_text("mine: true\n")
    code, stdout, stderr = await run_cli(["init"], env=env, cwd=tmp_path)
    assert code == 2 and stdout == ""
    assert stderr.strip().splitlines() == [
        "supportbot init: app.yaml already exist(s); nothing written (choose an empty folder, or move them away first)"]
    assert (tmp_path / "app.yaml").read_text() == "mine: true\n" and not (tmp_path / "kb").exists()


def test_the_starter_files_ship_as_package_data():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["package-data"]["bot"] == ["starter/app.yaml", "starter/kb/*.md"]
    starter = files("bot").joinpath("starter")
    assert starter.joinpath("app.yaml").read_bytes() == (REPO_ROOT / "app.yaml").read_bytes()
    assert {p.name for p in starter.joinpath("kb").iterdir()} == {p.name for p in (REPO_ROOT / "kb").glob("*.md")}
