"""The house stays in order: no import circles and no submodule importing the package face.

Every ``import`` in ``nlp/`` is read with :mod:`ast`, at module level and inside
functions alike.  An import of ``nlp.a.b`` from outside package ``nlp.a`` also
runs ``nlp/a/__init__.py``, so it counts as an import of that package too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "nlp"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int, str]]:
    """``(target module, line, how)`` for every import of an ``nlp`` module in ``path``."""
    pkg = _package_of(name, path)
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "nlp" or alias.name.startswith("nlp."):
                    out.append((alias.name, node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not (source == "nlp" or source.startswith("nlp.")):
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                target = sub if sub in modules else source
                out.append((target, node.lineno, f"from {source} import {alias.name}"))
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, _, _ in _imports(name, path, modules):
            parts = target.split(".")
            for i in range(2, len(parts) + 1):  # parent packages' __init__ run first
                parent = ".".join(parts[:i])
                inside = name == parent or name.startswith(parent + ".")
                if parent in modules and parent != name and (parent == target or not inside):
                    graph[name].add(parent)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circles():
    assert _cycles(_graph()) == []


def test_cycle_finder_sees_a_circle_closed_inside_a_function():
    graph = {"nlp.a": {"nlp.b"}, "nlp.b": {"nlp.a"}, "nlp.c": set()}
    assert _cycles(graph) == [["nlp.a", "nlp.b"]]


@pytest.mark.parametrize("name", sorted(m for m in _modules() if m != "nlp"))
def test_no_submodule_imports_the_package_face(name):
    modules = _modules()
    face = [f"line {line}: {how}" for target, line, how in _imports(name, modules[name], modules)
            if target == "nlp"]
    assert face == [], f"{name} imports the package face"


def test_imports_are_read_inside_functions_too(tmp_path):
    fake = tmp_path / "nlp" / "x.py"
    fake.parent.mkdir()
    fake.write_text("def f():\n    from . import y\n    import nlp\n", encoding="utf-8")
    global ROOT
    saved, ROOT = ROOT, tmp_path / "nlp"
    try:
        found = _imports("nlp.x", fake, {"nlp": fake, "nlp.x": fake})
    finally:
        ROOT = saved
    assert [t for t, _, _ in found] == ["nlp", "nlp"]
