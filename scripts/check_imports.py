#!/usr/bin/env python3
"""The import rule (docs/ARCHITECTURE.md), checked over the AST of every module in apps/,
ml/ and project/; exits 1 listing each break. Imports inside functions count: a lazy import
is still a dependency.

1. ml/ is plain Python: it never imports Django, DRF, Channels, RQ, apps or project.
2. Models (models.py) import only the models of apps before them in APP_ORDER, the order
   their migrations depend in; apps never import project/.
3. Within and across apps, a module imports only its own layer or below:
   models < serializers, caches < selectors < services < jobs, api, consumers, pages,
   management.
   The layer is the module's name (or the folder it sits in: api/, management/); any other
   name is a service-level helper. apps.core and ml are the floor: anything may use them.
4. No circles: not between modules, and not between the parts of a package (the
   subpackages of apps.models: training may use registry, then registry may not use
   training)."""

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("apps", "ml", "project")
APP_ORDER = [  # the order migrations depend in; docs/ARCHITECTURE.md
    "core", "projects", "webhooks", "images", "annotations", "models", "datasets", "team",
    "realtime",
    "demo",
    "backup",
]  # fmt: skip
LAYERS = {"models": 0, "serializers": 1, "caches": 1, "selectors": 2, "services": 3}
TOP = 4  # jobs, api, consumers, pages, management, urls, admin, apps (AppConfig)
TOP_NAMES = {"jobs", "api", "consumers", "pages", "management", "urls", "admin", "routing"}
HELPER = 3
ML_FORBIDDEN = ("django", "rest_framework", "channels", "rq", "django_rq", "apps", "project")


def module_files(root: Path) -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in the file: ours resolved to a known module,
    third-party ones as written."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join([*here, base] if base else here)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (full if full in known else base), node.lineno


def layer(module: str) -> int | None:
    """The module's layer, or None for the floor (apps.core, ml)."""
    parts = module.split(".")
    if parts[0] == "ml" or parts[:2] == ["apps", "core"]:
        return None
    if parts[0] == "project":
        return TOP + 1
    for part in parts[2:]:
        if part in TOP_NAMES:
            return TOP
    leaf = parts[-1]
    if leaf == "apps" and len(parts) == 3:
        return TOP
    return LAYERS.get(leaf, HELPER)


def app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "apps" and len(parts) > 1 else None


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def sibling_graphs(graph: dict[str, set[str]]) -> Iterator[tuple[str, dict[str, set[str]]]]:
    """For every package inside an app (and ml, project), the graph between its direct
    children (modules and subpackages). Between apps themselves, entry points may compose
    (images.api uses annotations.services, whose models use images'): rules 2 and 3 order
    them."""
    modules = set(graph) | {t for targets in graph.values() for t in targets}
    parents = {".".join(m.split(".")[:i]) for m in modules for i in range(1, m.count(".") + 1)}
    parents.discard("apps")
    for parent in sorted(parents):
        depth = parent.count(".") + 1
        collapsed: dict[str, set[str]] = defaultdict(set)
        for src, targets in graph.items():
            if not src.startswith(parent + "."):
                continue
            a = ".".join(src.split(".")[: depth + 1])
            for dst in targets:
                if dst.startswith(parent + "."):
                    b = ".".join(dst.split(".")[: depth + 1])
                    if a != b:
                        collapsed[a].add(b)
        if collapsed:
            yield parent, collapsed


def check(root: Path = ROOT) -> list[str]:
    files = module_files(root)
    known = set(files)
    errors: list[str] = []
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in files.items():
        where = path.relative_to(root)
        for target, line in imports(name, path, known):
            top = target.split(".")[0]
            if name.startswith("ml") and top in ML_FORBIDDEN:
                errors.append(f"{where}:{line}: ml/ imports {target} (ml/ never imports Django)")
                continue
            if target not in known or target == name:
                continue
            graph[name].add(target)
            if top == "project" and name.startswith("apps"):
                errors.append(f"{where}:{line}: an app imports {target}")
            src_app, dst_app = app(name), app(target)
            for one in (src_app, dst_app):
                if one and one not in APP_ORDER:
                    errors.append(f"{where}:{line}: apps.{one} is not in APP_ORDER")
            if (src_app in APP_ORDER and dst_app in APP_ORDER and layer(name) == 0
                    and APP_ORDER.index(dst_app) > APP_ORDER.index(src_app)):  # fmt: skip
                errors.append(
                    f"{where}:{line}: apps.{src_app} models import later models: {target}"
                )
            mine, theirs = layer(name), layer(target)
            if theirs is not None and (mine is None or theirs > mine):
                errors.append(f"{where}:{line}: {name} (layer {mine}) imports up: {target} "
                              f"(layer {theirs})")  # fmt: skip
    for component in circles(graph):
        errors.append("import circle: " + " <-> ".join(component))
    for parent, siblings in sibling_graphs(graph):
        for component in circles(siblings):
            errors.append(f"circle between parts of {parent}: " + " <-> ".join(component))
    return errors


def main() -> int:
    errors = check()
    for error in errors:
        print(error)
    if errors:
        print(f"{len(errors)} import rule break(s); see scripts/check_imports.py")
        return 1
    print("imports: one way, no circles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
