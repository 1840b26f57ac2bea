"""The layout holds its promises: Slack's SDK behind one module, tasks published by name (nothing
imports workers.tasks), and imports that go one way, with no cycle and no import hidden inside a
function to dodge one."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = (
    "incubator",
    "members",
    "proposals",
    "workers",
    "slack_app",
    "webhooks",
    "bench",
    "introductions",
)
OURS = ("workers", "slack_app", "webhooks")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources(packages=PACKAGES, *, tests: bool = True) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if not tests and ("tests" in path.parts or path.name == "conftest.py"):
                continue
            found[_module_name(path)] = path
    return found


def _imports(module: str, tree: ast.Module, *, top_level_only: bool) -> set[str]:
    """The modules `module` imports (`from a import b` counts as a.b when a.b is a module)."""
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    package = module if (ROOT / module.replace(".", "/")).is_dir() else module.rpartition(".")[0]
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_only_slack_app_client_imports_slack_sdk():
    importers = sorted(
        module
        for module, path in _sources().items()
        if any(
            name == "slack_sdk" or name.startswith("slack_sdk.")
            for name in _imports(module, _parsed(path), top_level_only=False)
        )
    )
    assert importers == ["slack_app.client"]


def test_nothing_imports_the_tasks_module():
    importers = sorted(
        module
        for module, path in _sources(tests=False).items()
        if "workers.tasks" in _imports(module, _parsed(path), top_level_only=False)
    )
    assert importers == []


def test_no_import_hides_inside_a_function():
    hidden = []
    for module, path in _sources(OURS, tests=False).items():
        tree = _parsed(path)
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top:
                hidden.append(f"{module}:{node.lineno}")
    assert hidden == []


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_workers_and_slack_app_take_part_in_no_import_cycle():
    sources = _sources(tests=False)
    graph = {
        module: {
            name
            for name in _imports(module, _parsed(path), top_level_only=True)
            if name in sources and name != module
        }
        for module, path in sources.items()
    }
    ours = [
        sorted(cycle)
        for cycle in _cycles(graph)
        if any(module.split(".")[0] in OURS for module in cycle)
    ]
    assert ours == []


def test_domain_modules_and_models_depend_on_the_workers_only_through_their_services():
    """Models import nothing from the workers or slack_app; the domain only records events."""
    allowed = {"workers", "workers.services", "workers.events", "workers.models"}
    ours = _sources(OURS, tests=False)
    offenders = []
    for module, path in _sources(("proposals", "members"), tests=False).items():
        used = {name for name in _imports(module, _parsed(path), top_level_only=False)} & set(ours)
        if module.endswith(".models") and used:
            offenders.append((module, sorted(used)))
        elif used - allowed:
            offenders.append((module, sorted(used - allowed)))
    assert offenders == []
