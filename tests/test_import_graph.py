"""The package's layering, read from its source: arrows run one way, a method never imports another method,
and no module imports itself back through a cycle (imports inside functions count too).

Layers, lowest first; a module may import its own layer or lower ones:
  0 errors, io, config, config_tree, model_config, devices, distributed   1 data   2 teachers, students   3 losses   4 training
  5 scoring, encoding (shared services)   6 methods   7 evaluation, export, serving, api   8 cli
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "bertdistill"
LAYERS = {
    "errors": 0, "io": 0, "config": 0, "config_tree": 0, "model_config": 0, "devices": 0, "distributed": 0,
    "data": 1,
    "teachers": 2, "students": 2,
    "losses": 3,
    "training": 4,
    "scoring": 5, "encoding": 5,
    "methods": 6,
    "evaluation": 7, "export": 7, "serving": 7, "api": 7,
    "cli": 8,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (a `from X import name` counts X and X.name if a module)."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            graph[name].update(target for target in targets if target in modules and target != name)
    return graph


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None   # the package's own __init__: no layer


def method_family(module: str) -> str | None:
    """methods.kd and methods.kd_anything are one method."""
    parts = module.split(".")
    return parts[2].split("_")[0] if len(parts) > 2 and parts[1] == "methods" else None


def test_every_top_level_module_has_a_layer():
    tops = {module.split(".")[1] for module in import_graph() if "." in module}
    assert tops <= set(LAYERS), f"give these a layer: {sorted(tops - set(LAYERS))}"


def test_imports_never_point_upward():
    upward = [f"{source} (layer {layer(source)}) -> {target} (layer {layer(target)})"
              for source, targets in import_graph().items() for target in targets
              if layer(source) is not None and layer(target) is not None and layer(target) > layer(source)]
    assert not upward, "\n".join(sorted(upward))


def test_no_method_imports_another_method():
    crossings = [f"{source} -> {target}" for source, targets in import_graph().items() for target in targets
                 if method_family(source) and method_family(target) and method_family(source) != method_family(target)]
    assert not crossings, "\n".join(sorted(crossings))


def test_no_import_cycles():
    graph = import_graph()
    packages = {name for name in graph if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(module: str) -> None:   # depth-first search; a grey node met again closes a cycle
        state[module] = 1
        stack.append(module)
        for target in sorted(graph[module] - packages):   # a package __init__ re-exporting is not a cycle
            if state.get(target) == 1:
                cycles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(set(graph) - packages):
        if module not in state:
            visit(module)
    assert not cycles, "\n".join(cycles)


def test_the_product_never_reaches_into_research():
    """research/ may import bertdistill; src/ and tests/ never import research code or load its scripts."""
    root = PACKAGE.parents[1]
    research_code = ("research", "experiments")
    reached = []
    for path in [*PACKAGE.rglob("*.py"), *(root / "tests").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            reached += [f"{path.name}: import {name}" for name in names if name.split(".")[0] in research_code]
        if '"research"' in text and path.name != "test_import_graph.py":
            reached.append(f"{path.name}: names the research folder")
    assert not reached, "\n".join(reached)


def test_rank_checks_live_only_in_the_run_skeleton():
    """Which process builds, writes and records in a multi-process run is decided in training/run.py
    (built_once, written_once, finish_run); no method asks for its rank."""
    asking = [f"{source} -> {target}" for source, targets in import_graph().items() for target in targets
              if method_family(source) and target == "bertdistill.distributed"]
    assert not asking, "\n".join(sorted(asking))
