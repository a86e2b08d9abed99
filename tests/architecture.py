"""Reads the project's imports with `ast` and checks the layer rules of docs/architecture.md.

Every import statement counts, also one inside a function or under `if TYPE_CHECKING:`.
Each check returns a list of problem lines naming the file, the line and the import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "handlers", "workflows", "models")
# Which top-level packages each layer must not import (imports point down only).
FORBIDDEN = {
    "handlers": ("models", "bot"),
    "workflows": ("handlers", "bot"),
    "models": ("workflows", "handlers", "bot"),
}
MAX_WORKFLOWS_MODULES = 15
MAX_LINES_OF_CODE = 400


@dataclass(frozen=True)
class Module:
    name: str  # dotted, "workflows.tickets.claim"; a package is named by its __init__.py
    path: Path  # relative to the project root
    is_package: bool


@dataclass(frozen=True)
class Import:
    importer: Module
    line: int
    name: str  # the module imported, absolute, as the statement names it
    target: str  # the deepest project module in `name` (the name itself if none)
    statement: str  # the statement as written, on one line

    @property
    def where(self) -> str:
        return f"{self.importer.path}:{self.line}"


class Project:
    """The modules under the given top-level packages and every import statement in them."""

    def __init__(self, root: Path = PROJECT_ROOT, packages: Iterable[str] = LAYERS) -> None:
        self.root = root
        self.modules: dict[str, Module] = {}
        for package in packages:
            for path in sorted((root / package).rglob("*.py")):
                module = _module_for(root, path)
                self.modules[module.name] = module
        self.imports: list[Import] = [
            found for module in self.modules.values() for found in self._imports_of(module)
        ]

    def _imports_of(self, module: Module) -> Iterator[Import]:
        source = (self.root / module.path).read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(module.path))
        lines = source.splitlines()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    name = alias.name
                    yield Import(module, node.lineno, name, self._deepest(name), _one_line(lines, node))
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, node.module, node.level)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    name = submodule if submodule in self.modules else base
                    yield Import(module, node.lineno, name, self._deepest(name), _one_line(lines, node))

    def _deepest(self, dotted: str) -> str:
        """The deepest project module in `a.b.c` (a.b.c, a.b or a), or the name itself if none."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in self.modules:
                return candidate
        return dotted

    def graph(self) -> dict[str, dict[str, Import]]:
        """importer -> {imported project module -> the first statement importing it}."""
        edges: dict[str, dict[str, Import]] = {name: {} for name in self.modules}
        for found in sorted(self.imports, key=lambda i: i.line):
            if found.target in self.modules and found.target != found.importer.name:
                edges[found.importer.name].setdefault(found.target, found)
        return edges


def _module_for(root: Path, path: Path) -> Module:
    relative = path.relative_to(root)
    parts = list(relative.with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return Module(".".join(parts), relative, is_package)


def _absolute(module: Module, name: str | None, level: int) -> str:
    """The absolute module of `from <dots><name> import ...` written in `module`."""
    if level == 0:
        return name or ""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _one_line(lines: list[str], node: ast.stmt) -> str:
    chunk = lines[node.lineno - 1 : node.end_lineno]
    chunk[-1] = chunk[-1][: node.end_col_offset]
    chunk[0] = chunk[0][node.col_offset :]
    text = " ".join(line.split("#", 1)[0] for line in chunk)  # an import holds no '#' but in a comment
    return " ".join(text.replace("(", " ").replace(")", " ").split()).replace(" ,", ",").rstrip(",")


def layer_of(dotted: str) -> str:
    return dotted.split(".", 1)[0]


def layer_violations(project: Project, rules: dict[str, tuple[str, ...]] = FORBIDDEN) -> list[str]:
    """One line per import that points up a layer: file:line, importer, import, the rule."""
    problems: list[str] = []
    for found in project.imports:
        importer_layer = layer_of(found.importer.name)
        target_layer = layer_of(found.target)
        if target_layer in rules.get(importer_layer, ()):
            problem = (
                f"{found.where}: {found.importer.name} imports {found.name} "
                f"(`{found.statement}`): {importer_layer} must not import {target_layer}"
            )
            if problem not in problems:  # `from bot.x import a, b` is one problem
                problems.append(problem)
    return problems


def strongly_connected(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's components with more than one module, each sorted, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return sorted(components)


def _cycle_through(graph: dict[str, dict[str, Import]], component: list[str]) -> list[Import]:
    """A shortest cycle inside the component that starts at its first module, as its import statements."""
    members = set(component)
    start = component[0]
    came_from: dict[str, Import] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target, found in sorted(graph[node].items()):
                if target not in members:
                    continue
                if target == start:
                    path = [found]
                    while path[0].importer.name != start:
                        path.insert(0, came_from[path[0].importer.name])
                    return path
                if target not in came_from:
                    came_from[target] = found
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {component}")  # cannot happen in a component


def import_cycles(project: Project) -> list[str]:
    """One paragraph per group of modules that import each other, with one cycle spelled out."""
    graph = project.graph()
    problems = []
    for component in strongly_connected(graph):
        steps = "\n".join(
            f"    {found.importer.name} -> {found.target}  ({found.where} `{found.statement}`)"
            for found in _cycle_through(graph, component)
        )
        problems.append(f"import cycle among {', '.join(component)}:\n{steps}")
    return problems


def workflows_module_count(root: Path = PROJECT_ROOT) -> list[str]:
    """The modules directly in workflows/ (not __init__.py), if there are too many."""
    names = sorted(p.name for p in (root / "workflows").glob("*.py") if p.name != "__init__.py")
    if len(names) <= MAX_WORKFLOWS_MODULES:
        return []
    return [
        f"workflows/ holds {len(names)} modules directly, at most {MAX_WORKFLOWS_MODULES}: "
        f"move some into a domain package: {', '.join(names)}"
    ]


def lines_of_code(text: str) -> int:
    """Lines that are neither blank nor only a comment."""
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))


def oversized_modules(project: Project, limit: int = MAX_LINES_OF_CODE) -> list[str]:
    problems = []
    for module in project.modules.values():
        count = lines_of_code((project.root / module.path).read_text(encoding="utf-8"))
        if count > limit:
            problems.append(f"{module.path}: {count} lines of code, at most {limit}: split it by meaning")
    return problems
