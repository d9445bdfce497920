"""The package's layers, read from the source: from the top, the command line and the API
(`embedscope`, `cli`, `__main__`) → gui → commands → io → core, with `_version` and `resources`
beneath them all. A module imports its own layer and those below it, never one above, and no
two modules import each other even through a chain — imports made inside functions count too,
since hiding an import there hides the dependency, not removes it."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import embedscope

PACKAGE_DIR = Path(embedscope.__file__).resolve().parent
# Lower number = lower layer.
LAYERS = {"base": 0, "core": 1, "io": 2, "commands": 3, "gui": 4, "top": 5}
BASE_MODULES = {"embedscope._version", "embedscope.resources"}


def package_modules(package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    mods = {}
    for path in package_dir.rglob("*.py"):
        parts = ["embedscope", *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The package modules `name` imports anywhere in its file, with the line of each."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from pkg import mod` imports the submodule; `from mod import name` the module.
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` names a.b.c's package too
                target = target.rpartition(".")[0]
            if target and target != name:
                found.setdefault(target, node.lineno)
    return found


def layer_of(name: str) -> str:
    if name in BASE_MODULES:
        return "base"
    parts = name.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "top"


def import_graph(modules: dict[str, Path]) -> dict[str, dict[str, int]]:
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def layer_violations(graph) -> list[str]:
    bad = []
    for name, targets in sorted(graph.items()):
        for target, line in sorted(targets.items()):
            low, high = layer_of(name), layer_of(target)
            if LAYERS[high] > LAYERS[low] or (low == "base" and target != name):
                bad.append(f"{name} (line {line}, layer {low}) imports {target} (layer {high})")
    return bad


def cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


@pytest.fixture(scope="module")
def graph():
    return import_graph(package_modules())


def test_every_module_imports_only_its_own_layer_and_below(graph):
    assert layer_violations(graph) == []


def test_no_import_cycles_even_inside_functions(graph):
    assert cycles(graph) == []


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path):
    """The two checks above can fail: a core module importing io, and two core modules
    importing each other from inside functions, are both reported."""
    pkg = tmp_path / "embedscope"
    for sub in ("core", "io"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "io" / "reader.py").write_text("import json\n")
    (pkg / "core" / "a.py").write_text("def f():\n    from . import b\n")
    (pkg / "core" / "b.py").write_text("def g():\n    from .a import f\n"
                                       "def h():\n    from ..io.reader import a\n")
    graph = import_graph(package_modules(pkg))
    assert layer_violations(graph) == [
        "embedscope.core.b (line 4, layer core) imports embedscope.io.reader (layer io)"]
    assert cycles(graph) == [["embedscope.core.a", "embedscope.core.b"]]
