"""The house's layers, read from its source: a module imports only its own layer and those below (data → engine →
results → views → studies → faces, the vocabulary and the output folders under them all), no two modules import
each other even through others, and no face reaches into the engine's programs. Every import counts, those inside
functions too."""

import ast
from pathlib import Path

import reglab

SRC = Path(reglab.__file__).parent
ORDER = ("vocabulary", "output", "data", "engine", "results", "views", "studies", "faces")


def module_of(path) -> str:
    parts = ("reglab", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module) -> str:
    """A folder of the package is its layer; what lies at the top (api, cli, plot, explore, sklearn) is a face."""
    top = module.split(".")[1] if "." in module else ""
    return top if top in ORDER else "faces"


def imports() -> dict[str, set[str]]:
    """Each module of reglab and the modules of reglab it imports."""
    paths = {module_of(p): p for p in SRC.rglob("*.py")}
    found = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
                source = ".".join(base + [node.module] if node.module else base)
                names |= {f"{source}.{a.name}" if f"{source}.{a.name}" in paths else source for a in node.names}
            elif isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
        found[module] = {n for n in names if n in paths and n != module}
    return found


def test_every_module_imports_only_its_layer_and_those_below():
    found = imports()
    assert {layer(m) for m in found} == set(ORDER)  # every layer has its folder (a renamed one shows here)
    upward = [f"{m} -> {n}" for m, ns in found.items() for n in ns if ORDER.index(layer(n)) > ORDER.index(layer(m))]
    assert upward == []


def test_results_read_without_the_engine_and_no_face_reaches_into_its_programs():
    found = imports()
    assert not [(m, n) for m, ns in found.items() if layer(m) == "results" for n in ns if layer(n) == "engine"]
    assert not [m for m, ns in found.items() if layer(m) == "faces" and "reglab.engine.program" in ns]


def test_no_two_modules_import_each_other_through_any_others():
    found = imports()
    # a package's __init__ re-exporting its modules is the package itself, not a cycle through it
    edges = {m: {n for n in ns if not m.startswith(n + ".")} for m, ns in found.items()}
    state, cycles = {}, []

    def visit(module, trail):
        state[module] = "open"
        for other in sorted(edges[module]):
            if state.get(other) == "open":
                cycles.append(trail[trail.index(other):] + [other])
            elif other not in state:
                visit(other, trail + [other])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []
