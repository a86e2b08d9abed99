"""Reading app.yaml: ``load_config(path)`` and ``parse_config(data)`` -> ``AppConfig``, or a
``ConfigError`` with one problem line per validation error (``workflows.policy.problems``).

The file is read with a slightly stricter YAML loader than ``yaml.safe_load``: ``18:00``
and ``1:30`` stay text instead of becoming the base-60 integers 1080 and 90, only
``true``/``false`` are booleans (so ``country: NO`` is Norway), and a key written twice
in one mapping is an error instead of silently losing the first.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from workflows.policy.problems import ConfigError, kind_of, problem_message, problem_path
from workflows.policy.schema import AppConfig

__all__ = ["load_config", "parse_config"]

# --------------------------------------------------------------------------- loading


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 style ints and booleans, refusing duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r}", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_BOOL, _INT, _MERGE = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                       "tag:yaml.org,2002:merge")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)"
                     r"|[-+]?0x[0-9a-fA-F_]+)$"), list("-+0123456789"))


def load_config(path: str | os.PathLike[str]) -> AppConfig:
    """Read and validate the app.yaml at ``path``; ConfigError lists what is wrong.
    Relative paths in it (``knowledge_base.path``) are read relative to the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: is not UTF-8 text"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError([f"{path}: {where}{exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: " + " ".join(str(exc).split())]) from None
    if data is None:
        raise ConfigError([f"{path}: file is empty"])
    return _relative_to(Path(os.path.abspath(path)).parent, parse_config(data))


def _relative_to(folder: Path, config: AppConfig) -> AppConfig:
    """``config`` with its relative paths made absolute from ``folder`` (the file's own),
    so the bot finds its knowledge base whatever directory it is started from."""
    kb = config.knowledge_base
    if kb is None or Path(kb.path).expanduser().is_absolute():
        return config
    return config.model_copy(update={"knowledge_base": kb.model_copy(update={"path": str(folder / kb.path)})})


def parse_config(data: dict) -> AppConfig:
    """Validate already-parsed app.yaml data; ConfigError has one line per problem."""
    if not isinstance(data, dict):
        raise ConfigError([f"top level: expected a mapping of settings (key: value), "
                           f"got {kind_of(data)}"])
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([f"{problem_path(e['loc'])}: {problem_message(e)}" for e in exc.errors()]) from None
