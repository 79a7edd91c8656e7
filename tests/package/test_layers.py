"""The package's import graph: no cycles, and the simulated splicer stays off the client side.

Every module's imports are read with ``ast`` (nothing is imported): module-level
ones, which run when the module loads, and function-level ones, which run when
the function is called. ``if TYPE_CHECKING:`` imports are left out: they never
run (a view may name the type it draws without importing it). :data:`LAYERS` places every module in a layer; for now only the
simulated splicer's imports are checked against it, the rest is for the
import-direction check to come.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import openapi_magic

PACKAGE = "openapi_magic"
ROOT = Path(openapi_magic.__file__).parent

#: The layers, lowest first: a module may import from its own layer and the layers
#: below, never above (longest prefix wins; a package's row covers its modules). The
#: rendering sits below the client because the client makes Results, and a Result
#: shows itself; the simulated splicer stands apart on the core (see
#: :data:`NOT_FOR_THE_SERVER`). The package's face re-exports from every layer.
LAYERS: dict[str, int] = {
    "openapi_magic.errors": 0,
    "openapi_magic.core": 1,
    "openapi_magic.render": 2,
    "openapi_magic.client": 3,
    "openapi_magic.ops": 4,
    # The evidence registry's face: its data (read by the core's loader) and its matrix,
    # drawn by the one renderer; captures turn into evidence through the core's format.
    "openapi_magic.evidence": 4,
    "openapi_magic.app": 5,
    "openapi_magic.frontends": 6,
    "openapi_magic.server": 7,
    "openapi_magic._moved": 8,
    "openapi_magic": 8,
}
CORE, SERVER = 1, 7

#: Function-level imports allowed to point up a layer or close a cycle, each with its
#: reason. Module-level imports never may.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    ("openapi_magic.client._client", "openapi_magic.ops._watch"): (
        "Client.watch, the deprecated convenience kept for one release "
        "(use openapi_magic.ops.watch(client, ...))"
    ),
    ("openapi_magic.ops._captures", "openapi_magic.server"): (
        "Capture.replay() starts the simulated splicer on the capture, a convenience for "
        "serve(replay=capture): the server stands apart on the core, the capture only asks it"
    ),
    ("openapi_magic.frontends._cli", "openapi_magic.server.__main__"): (
        "openapi-magic serve hands its arguments to the simulated splicer's own command "
        "line, loaded only for that command"
    ),
}
ALLOWED_CYCLE_EDGES = ALLOWED_UPWARD

#: What the simulated splicer must never import: it is right on its own, with the core.
NOT_FOR_THE_SERVER = (
    "openapi_magic.render",
    "openapi_magic.client",
    "openapi_magic.ops",
    "openapi_magic.app",
    "openapi_magic.frontends",
)


def layer_of(module: str) -> int:
    """The layer of ``module`` by the longest :data:`LAYERS` prefix; KeyError when none."""
    best = max(
        (p for p in LAYERS if module == p or module.startswith(p + ".")), key=len, default=None
    )
    if best is None:
        raise KeyError(f"{module} has no row in LAYERS")
    return LAYERS[best]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules of this package an import statement loads (a name that is a sub-module
    counts as that module; ``from . import x`` of a sub-module does not count the package)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module if is_package else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.module else base
        else:
            target = node.module or ""
        subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
        names = subs if node.module is None and len(subs) == len(node.names) else [target, *subs]
    return [n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")]


def _imports(module: str) -> tuple[set[str], set[str]]:
    """(module-level imports, function-level imports) of one module."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top: set[str] = set()
    inner: set[str] = set()

    def walk(node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                walk(ast.Module(body=child.orelse, type_ignores=[]), deferred)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found = _targets(module, path.name == "__init__.py", child)
                (inner if deferred else top).update(found)
            later = deferred or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            walk(child, later)

    walk(tree, False)
    return top, inner - top


GRAPH = {m: _imports(m) for m in MODULES}


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in edges:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in edges.get(v, ()):
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _without_allowed(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    return {m: {t for t in ts if (m, t) not in ALLOWED_CYCLE_EDGES} for m, ts in edges.items()}


def test_every_module_has_a_layer():
    for module in MODULES:
        layer_of(module)  # KeyError names the module without a row


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module):
    top, inner = GRAPH[module]
    here = layer_of(module)
    for target in sorted(top | inner):
        if (module, target) in ALLOWED_UPWARD:
            assert target in inner, f"{module} imports {target} at module level"
            continue
        assert layer_of(target) <= here, (
            f"{module} (layer {here}) imports {target} (layer {layer_of(target)}): "
            "imports point down the layers only"
        )


def test_the_direction_check_can_fail():
    # A client module importing the session would be caught: the check is not vacuous.
    assert layer_of("openapi_magic.app._session") > layer_of("openapi_magic.client._client")
    assert layer_of("openapi_magic.render._tables") < layer_of("openapi_magic.client._result")


def test_the_graph_is_read():
    # The reader sees what is there: a module-level, a function-level and a relative import.
    assert "openapi_magic.core.catalog" in GRAPH["openapi_magic.client._guards"][0]
    assert "openapi_magic.ops._watch" in GRAPH["openapi_magic.client._client"][1]
    assert "openapi_magic.core.capture_format" in GRAPH["openapi_magic.server._replay"][0]
    assert "openapi_magic.client._guards" in GRAPH["openapi_magic.ops.fleet._targets"][0]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_among_module_level_imports():
    top = {m: imports[0] for m, imports in GRAPH.items()}
    assert _cycles(top) == []


def test_no_import_cycles_with_function_level_imports_but_the_allowed_ones():
    every = {m: imports[0] | imports[1] for m, imports in GRAPH.items()}
    assert _cycles(_without_allowed(every)) == []
    for (src, dst), reason in ALLOWED_CYCLE_EDGES.items():
        assert dst in GRAPH[src][1], f"{src} no longer imports {dst}: drop it ({reason})"
        assert dst not in GRAPH[src][0], f"{src} imports {dst} at module level"


def _server_modules() -> Iterator[str]:
    prefixes = tuple(p for p, n in LAYERS.items() if n == SERVER)
    return (m for m in MODULES if m in prefixes or m.startswith(tuple(p + "." for p in prefixes)))


@pytest.mark.parametrize("module", sorted(_server_modules()))
def test_the_simulated_splicer_imports_only_the_core_and_itself(module):
    top, inner = GRAPH[module]
    for target in sorted(top | inner):
        assert not target.startswith(NOT_FOR_THE_SERVER), f"{module} imports {target}"
        assert layer_of(target) in (0, CORE, SERVER), f"{module} imports {target}"


def test_client_watch_is_a_deprecated_shim_over_watch_watch():
    from openapi_magic import Client, ConfigError

    client = Client("http://192.0.2.1:8000/open/api", "demo", "0123456789abcdef")
    # every=0 is refused before anything is polled: the warning comes first.
    with (
        pytest.warns(DeprecationWarning, match=r"openapi_magic\.ops\.watch\(client"),
        pytest.raises(ConfigError, match="every"),
    ):
        client.watch("screen/readList", every=0)
