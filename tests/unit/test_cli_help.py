"""`supportbot --version`, and help text on every option of every command."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import _parser, main
from bot.startup_line import package_version


def _options(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, (*path, name))
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def test_every_option_of_every_command_has_help():
    options = list(_options(_parser()))
    assert len(options) > 25
    missing = [(" ".join(path), action.option_strings or action.dest) for path, action in options
               if not (action.help or "").strip()]
    assert missing == []


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"supportbot {package_version()}" != "supportbot unknown"


def test_a_port_that_is_not_a_number_is_one_line_and_exit_2(capsys, tmp_path):
    env = {"PORT": "http", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
           "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    assert main(["serve", "--log-level", "ERROR"], environ=env) == 2
    assert capsys.readouterr().err.strip() == "supportbot serve: PORT='http' is not a port number (0-65535)"
    assert not (tmp_path / "x.db").exists()
