"""The arrows of docs/architecture.md, read from the source: each app imports only the apps
below it in ``settings.PROJECT_APPS`` (listed from the top down), never another app's views or
private names, and no module is part of an import cycle, whether the import sits at the top of
a module or is tucked inside a function."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. "surveys.views"
    target: str  # the imported module, e.g. "schools.models"
    names: tuple[str, ...]  # the names taken from it ("" for ``import x``)
    line: int
    function: str | None  # the function it sits in, if any
    type_only: bool  # under ``if TYPE_CHECKING:``, so never run

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _app(module: str) -> str:
    return module.split(".")[0]


@cache
def project_modules() -> dict[str, Path]:
    modules = {}
    for app in settings.PROJECT_APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[_module_name(path)] = path
    return modules


def _resolve(source: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = source.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _import_nodes(
    node: ast.AST, function: str | None = None, type_only: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, str | None, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, function, type_only
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _import_nodes(child, child.name, type_only)
        elif isinstance(child, ast.If) and ast.unparse(child.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for part in child.body:
                yield from _import_nodes(ast.Module([part], []), function, True)
            for part in child.orelse:
                yield from _import_nodes(ast.Module([part], []), function, type_only)
        else:
            yield from _import_nodes(child, function, type_only)


@cache
def imports() -> tuple[Import, ...]:
    """Every import of a project module by a project module, wherever in the file it is."""
    modules = project_modules()
    found = []
    for source, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, function, type_only in _import_nodes(tree):
            if isinstance(node, ast.Import):
                targets = [(alias.name, ("",)) for alias in node.names]
            else:
                module = _resolve(source, path.name == "__init__.py", node)
                # ``from app import module`` imports the module; ``from module import name``
                # imports a name of it.
                targets = [
                    (f"{module}.{alias.name}", ("",))
                    if f"{module}.{alias.name}" in modules
                    else (module, (alias.name,))
                    for alias in node.names
                ]
            for target, names in targets:
                if target in modules:
                    found.append(Import(source, target, names, node.lineno, function, type_only))
    return tuple(found)


def _rank(app: str) -> int:
    """0 for the top (``dialoog``), higher further down."""
    return list(settings.PROJECT_APPS).index(app)


def test_the_imports_are_read() -> None:
    # The checks below would pass on nothing; make sure they see the real graph.
    found = imports()
    assert len(project_modules()) > 100
    assert any(i.source == "surveys.views" and i.target == "schools.tenancy" for i in found)
    assert any(i.source == "dialoog.urls" and i.target == "surveys.views" for i in found)


def test_no_app_imports_an_app_above_it() -> None:
    upward = [
        i.where
        for i in imports()
        if _app(i.source) != _app(i.target) and _rank(_app(i.target)) < _rank(_app(i.source))
    ]
    assert upward == []


def test_no_app_reaches_into_another_apps_internals() -> None:
    """Another app's private names and its views are its own: an app offers a named function
    or model instead. Only the front door's URL configuration mounts views of other apps."""
    reached = [
        i.where + f" ({', '.join(i.names)})"
        for i in imports()
        if _app(i.source) != _app(i.target)
        and (
            any(name.startswith("_") for name in i.names)
            or (i.target.endswith(".views") and i.source != "dialoog.urls")
        )
    ]
    assert reached == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for i in imports():
        # A package's __init__ importing its own submodules is how Python packages work.
        if i.type_only:
            continue  # read by the type checker only; Python never runs it
        if i.source != i.target and not i.target.startswith(i.source + "."):
            edges.setdefault(i.source, set()).add(i.target)
    return edges


def test_no_import_cycle_between_modules() -> None:
    """Counting imports inside functions too, so that tucking one into a function does not
    hide a cycle."""
    assert _cycles(_edges()) == []


def test_imports_sit_at_the_top_of_the_module() -> None:
    """An import tucked into a function usually hides a cycle. The one place Django needs
    it is ``AppConfig.ready``, which runs once every model is loaded: there the apps connect
    what they register with the apps below them."""
    tucked = [
        i.where + f" (in {i.function})"
        for i in imports()
        if i.function is not None and not (i.source.endswith(".apps") and i.function == "ready")
    ]
    assert tucked == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
