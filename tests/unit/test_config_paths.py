"""Relative paths in app.yaml are read relative to the file, not to where the bot runs."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import REPO_ROOT
from workflows.kb.index import kb_folder
from workflows.policy.loader import load_config


def _policy(folder: Path, kb_path: str) -> Path:
    text = (REPO_ROOT / "app.yaml").read_text().replace("  path: kb/ ", f"  path: {kb_path} ", 1)
    assert f"path: {kb_path}" in text
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.yaml").write_text(text)
    return folder / "app.yaml"


def test_a_relative_kb_path_is_read_from_the_config_files_folder(tmp_path, monkeypatch):
    path = _policy(tmp_path / "etc" / "supportbot", "articles/")
    monkeypatch.chdir(tmp_path)  # elsewhere: the folder must not depend on it
    assert kb_folder(load_config(path)) == tmp_path / "etc" / "supportbot" / "articles"
    assert kb_folder(load_config(os.path.relpath(path))) == tmp_path / "etc" / "supportbot" / "articles"


def test_an_absolute_or_home_kb_path_is_kept(tmp_path):
    assert kb_folder(load_config(_policy(tmp_path / "a", "/srv/kb"))) == Path("/srv/kb")
    assert kb_folder(load_config(_policy(tmp_path / "b", "~/kb"))) == Path("~/kb").expanduser()
