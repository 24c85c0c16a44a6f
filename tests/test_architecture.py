"""The architecture holds: ginpipe's imports run one way, down the layers of docs/architecture.md.

The import graph is built from the source with `ast` (every import, also those inside functions);
the layer order is parsed from the doc itself, so that the doc and the code cannot drift apart.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "ginpipe"
DOC = REPO / "docs" / "architecture.md"
GIN_INTERNALS = "ginpipe/config/gin_internals.py"


def layers() -> list[list[str]]:
    """The ```layers block of docs/architecture.md: one line per layer, top first, units by comma."""
    block = re.search(r"```layers\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/architecture.md has no ```layers block"
    lines = [line.split("#", 1)[0].strip() for line in block[1].splitlines()]
    return [[unit.strip() for unit in line.split(",")] for line in lines if line]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def unit_of(module: str) -> str:
    """`ginpipe.runs.engine` -> `runs`, `ginpipe.errors` -> `errors`, `ginpipe` -> `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The ginpipe modules that `module` imports, resolved to files."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import ginpipe.x.y` names module ginpipe.x.y
                target = target.rpartition(".")[0]
            if target.startswith("ginpipe") and target != module:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports_of(m, p, known) for m, p in known.items()}


def test_every_ginpipe_package_has_a_layer():
    placed = {unit for layer in layers() for unit in layer}
    units = {unit_of(m) for m in modules()}
    assert units - placed == set(), "add these to the ```layers block of docs/architecture.md"
    assert placed - units == set(), "the doc names layers that do not exist"


def test_imports_go_down_the_layers_only():
    rank = {unit: number for number, layer in enumerate(layers()) for unit in layer}
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            a, b = unit_of(module), unit_of(target)
            if a != b and rank[b] <= rank[a]:
                wrong.append(f"{module} imports {target}: `{b}` is not below `{a}`")
    assert wrong == []


def test_no_import_cycle():
    edges, cycles = graph(), []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_checks_see_a_wrong_import():
    """The resolver sees relative, absolute and function-level imports (so the checks above can fail)."""
    known = modules()
    assert "ginpipe.errors" in imports_of("ginpipe.config.text.syntax", known["ginpipe.config.text.syntax"], known)
    assert "ginpipe.runs.options" in imports_of("ginpipe.cli", known["ginpipe.cli"], known)
    assert "ginpipe.tools.compare" in imports_of("ginpipe.cli", known["ginpipe.cli"], known)  # inside a function
    assert "ginpipe.config.gin_internals" in imports_of(
        "ginpipe.config.registry.registration", known["ginpipe.config.registry.registration"], known)  # `from .. import gin_internals`


def _gin_private_uses(path: Path) -> list[str]:
    """`gin.config._REGISTRY`-like uses: a `_name` (not a dunder) reached from a name bound to gin."""
    tree = ast.parse(path.read_text(), str(path))
    bound, found = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] == "gin"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "gin":
            bound |= {a.asname or a.name for a in node.names}
            found += [f"{path}:{node.lineno} imports {a.name}" for a in node.names if _private(a.name)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in bound:
                found.append(f"{path.relative_to(REPO)}:{node.lineno} uses .{node.attr}")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_only_gin_internals_touches_gins_private_names():
    files = [p for folder in ("ginpipe", "tasks", "demos", "benchmarks", "tests") for p in (REPO / folder).rglob("*.py")]
    uses = [use for p in files if p.relative_to(REPO).as_posix() != GIN_INTERNALS for use in _gin_private_uses(p)]
    assert uses == []
    assert _gin_private_uses(REPO / GIN_INTERNALS)  # the check does see them where they are


def test_project_code_imports_only_public_ginpipe_names():
    import ginpipe
    import ginpipe.io

    public = {"ginpipe": set(ginpipe.__all__), "ginpipe.io": set(ginpipe.io.__all__)}
    wrong = []
    for path in [*(REPO / "tasks").rglob("*.py"), *(REPO / "demos").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "ginpipe":
                names = {a.name for a in node.names}
                if node.module not in public or names - public[node.module]:
                    wrong.append(f"{path.relative_to(REPO)}:{node.lineno} from {node.module} import {names}")
            elif isinstance(node, ast.Import):
                wrong += [f"{path.relative_to(REPO)}:{node.lineno} import {a.name}" for a in node.names
                          if a.name.startswith("ginpipe.") and a.name not in public]
    assert wrong == []
