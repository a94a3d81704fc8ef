"""The import graph keeps the layers of docs/architecture.md: imports flow one way, no cycle.

Read from the source with ``ast`` (nothing is imported), so a new import against the flow fails
here with the module and line that made it, instead of being found in a review.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "cartkit"

#: bottom to top; a package may import its own layer's packages and any layer below it
LAYERS = [
    {"_core", "errors", "results", "data", "__version__"},
    {"io"},
    {"study"},
    {"schema"},
    {"derive"},
    {"survival", "kinetics", "regression", "comparisons"},
    {"simulate"},
    {"design"},
    {"plan"},
    {"runner"},
    {"report"},
    {"cli"},
    {"__init__", "__main__"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path):
    """(line, imported module as parts under cartkit, at module level?) of one file."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    for block in tree.body:  # `if TYPE_CHECKING:` blocks count as module level too
        if isinstance(block, ast.If):
            top |= {id(n) for n in block.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "cartkit":
                target = node.module.split(".")[1:]
            else:
                continue
            if node.module is None:  # from . import x: x may be a module
                for alias in node.names:
                    yield node.lineno, [*target, alias.name], id(node) in top
            else:
                yield node.lineno, target, id(node) in top
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "cartkit":
                    yield node.lineno, alias.name.split(".")[1:], id(node) in top


FILES = sorted(SRC.rglob("*.py"))


def test_every_package_has_a_layer():
    packages = {p.relative_to(SRC).parts[0].removesuffix(".py") for p in FILES}
    assert packages <= set(RANK), sorted(packages - set(RANK))


def test_no_import_runs_against_the_flow():
    against = []
    for path in FILES:
        own = path.relative_to(SRC).parts[0].removesuffix(".py")
        for line, target, _ in _imports(path):
            if not target:
                continue
            if RANK.get(target[0], -1) > RANK[own]:
                against.append(f"{path.relative_to(SRC)}:{line} imports cartkit.{'.'.join(target)}")
    assert not against, "\n".join(against)


def _module_graph() -> dict[str, set[str]]:
    modules = {".".join(_module_name(p)): p for p in FILES}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for _, target, at_top in _imports(path):
            if not at_top:
                continue  # an import inside a function runs when called, not at import
            # the longest prefix that is a module of the package
            for k in range(len(target), 0, -1):
                candidate = ".".join(target[:k])
                if candidate in modules:
                    if candidate != name:
                        graph[name].add(candidate)
                    break
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
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

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_modules():
    graph = _module_graph()
    # a package's __init__ re-exports its modules, which import siblings through it: the
    # cycles that matter are between modules, so a package __init__ is not a way back
    inits = {".".join(_module_name(p)) for p in FILES if p.name == "__init__.py"}
    graph = {m: {t for t in ts if t not in inits} for m, ts in graph.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_no_module_over_500_lines():
    lines = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in FILES}
    long = [f"{p.relative_to(SRC)}: {n}" for p, n in lines.items() if n > 500]
    assert not long, long
