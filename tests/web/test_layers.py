"""The code's layers hold: no import cycle, every module imports alone, views leave the
database to services and only services commit."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "deliberate"
#: The packages whose modules are views (one blueprint per audience).
VIEW_PACKAGES = ("api", "assessor", "auth", "board", "facilitator", "stakeholder")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported (not inside functions or TYPE_CHECKING)."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
    return found


def _graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports at import time.

    A package importing its own submodules (so their routes register on its blueprint) is
    how it is assembled, not a dependency of the layers, and is left out.
    """
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if not target or target == name:
                    continue
                if path.name == "__init__.py" and target.startswith(name + "."):
                    continue
                graph[name].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_module_imports_itself_round_a_cycle() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    """Each module imported first, on its own (the package's other modules forgotten before
    each): a cycle that only works in one order fails here."""
    script = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "deliberate" or m.startswith("deliberate.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=3))
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""
    names = sorted(_modules())
    run = subprocess.run(
        [sys.executable, "-c", script, *names], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr


def _calls(path: Path, attribute: str) -> list[int]:
    """Lines calling ``….<attribute>()`` on a session (``db.session.commit()`` and the like)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == attribute
        and ast.unparse(node.func.value).endswith("db.session")
    ]


def test_only_services_commit() -> None:
    outside = {
        f"{name}:{line}"
        for name, path in _modules().items()
        if not name.startswith("deliberate.services")
        for line in _calls(path, "commit")
    }
    assert not outside, f"commits outside services: {sorted(outside)}"


def test_views_leave_the_database_to_services() -> None:
    problems = []
    for name, path in _modules().items():
        if name.split(".")[1:2] not in ([p] for p in VIEW_PACKAGES):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").endswith("extensions")
                and any(alias.name == "db" for alias in node.names)
            ):
                problems.append(f"{name}:{node.lineno} imports db")
        for attribute in ("commit", "rollback", "execute", "scalar", "scalars", "get"):
            problems += [f"{name}:{line} session.{attribute}" for line in _calls(path, attribute)]
    assert not problems, problems


def test_services_return_data_and_leave_drawing_to_the_charts() -> None:
    """No service imports the charts package: views ask it to draw what services return."""

    def draws(target: str) -> bool:
        return target == "deliberate.charts" or target.startswith("deliberate.charts.")

    found = {
        name: sorted(filter(draws, targets))
        for name, targets in _graph().items()
        if name.startswith("deliberate.services")
    }
    assert not any(found.values()), found
